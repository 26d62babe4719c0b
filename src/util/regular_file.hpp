#pragma once
// Input files are read whole: a FIFO, a device or a directory given instead would block, never
// end, or fail obscurely, so each reader refuses them first.
#include <filesystem>

#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino::util {

// Throws Error "<file>: not a regular file (a FIFO)" when `file` exists and is anything but a
// regular file (symbolic links are followed). A missing file is left to the caller's own message.
inline void require_regular_file(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (!fs::exists(status) || fs::is_regular_file(status)) return;
  const char* kind = fs::is_directory(status)                                     ? "a directory"
                     : fs::is_fifo(status)                                        ? "a FIFO"
                     : fs::is_character_file(status) || fs::is_block_file(status) ? "a device"
                     : fs::is_socket(status)                                      ? "a socket"
                                                                                  : "another kind";
  throw Error(cat(file.string(), ": not a regular file (", kind, ")"));
}

}  // namespace torchvino::util
