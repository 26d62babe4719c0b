#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace torchvino {

// Writes `target` by letting `write` fill a temporary file in the same folder, then renaming it
// into place: readers see the old file or the new one, never a half-written one. On any
// exception the temporary is removed and the old file is left untouched.
void write_atomically(const std::filesystem::path& target,
                      const std::function<void(const std::filesystem::path& tmp)>& write);

// The same for several files that belong together (IR .xml + .bin): all are written to
// temporaries first and renamed only when every one succeeded.
void write_atomically(const std::vector<std::filesystem::path>& targets,
                      const std::function<void(const std::vector<std::filesystem::path>& tmps)>& write);

// Writes text or binary content atomically.
void write_text_atomically(const std::filesystem::path& target, const std::string& content);
void write_bytes_atomically(const std::filesystem::path& target, std::string_view bytes);

}  // namespace torchvino
