#pragma once
#include <stdexcept>
#include <string>

#include "torchvino/export.hpp"

namespace torchvino {

// Every failure the user can cause (bad file, bad flag, bad shape) is reported as an Error whose
// message names the file or flag and the problem. The CLI prints it and exits non-zero.
class TORCHVINO_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace torchvino
