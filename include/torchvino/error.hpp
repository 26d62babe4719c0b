#pragma once
#include <stdexcept>
#include <string>
#include <utility>

#include "torchvino/export.hpp"

namespace torchvino {

// Every failure the user can cause (bad file, bad flag, bad shape) is reported as an Error whose
// message names the file or flag and the problem. The CLI prints it and exits non-zero.
//
// An error about an option names it by its key (the field's name, e.g. "max_input_mb"), in the
// message and in option(): the library speaks no command line; the CLI adds the flag.
class TORCHVINO_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, std::string option = {})
      : std::runtime_error(message), option_(std::move(option)) {}
  const std::string& option() const { return option_; }

 private:
  std::string option_;
};

}  // namespace torchvino
