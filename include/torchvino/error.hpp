#pragma once
#include <stdexcept>
#include <string>
#include <utility>

#include "torchvino/export.hpp"

namespace torchvino {

// Every failure the user can cause (bad file, bad setting, bad shape) is reported as an Error whose
// message names the file or option field and the problem. The library speaks of option fields
// (max_input_mb, data_dir), never of command-line flags: when the failure is about one option,
// option() is that field's snake_case name, so a front end can point at its own spelling of it
// (the CLI appends the flag, e.g. " (--max-input-mb)"). Empty: no single option is at fault.
class TORCHVINO_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, std::string option = {})
      : std::runtime_error(message), option_(std::move(option)) {}
  explicit Error(const char* message, std::string option = {})
      : std::runtime_error(message), option_(std::move(option)) {}

  const std::string& option() const noexcept { return option_; }

 private:
  std::string option_;
};

}  // namespace torchvino
