#include "util/atomic_file.hpp"

#include <unistd.h>

#include <fstream>
#include <string>

#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {
fs::path temp_name(const fs::path& target) {
  // Keep the extension last: some writers (OpenVINO's serializer) derive names from it.
  return target.parent_path() /
         ("." + target.stem().string() + ".tmp" + std::to_string(::getpid()) +
          target.extension().string());
}
}  // namespace

void write_atomically(const std::vector<fs::path>& targets,
                      const std::function<void(const std::vector<fs::path>&)>& write) {
  std::vector<fs::path> tmps;
  for (const auto& t : targets) {
    if (!t.parent_path().empty()) fs::create_directories(t.parent_path());
    tmps.push_back(temp_name(t));
  }
  auto cleanup = [&] {
    std::error_code ec;
    for (const auto& tmp : tmps) fs::remove(tmp, ec);
  };
  try {
    write(tmps);
    for (size_t i = 0; i < tmps.size(); ++i) {
      if (!fs::exists(tmps[i])) throw Error(targets[i].string() + ": writer produced no file");
    }
    for (size_t i = 0; i < tmps.size(); ++i) fs::rename(tmps[i], targets[i]);
  } catch (...) {
    cleanup();
    throw;
  }
}

void write_atomically(const fs::path& target, const std::function<void(const fs::path&)>& write) {
  write_atomically(std::vector<fs::path>{target},
                   [&](const std::vector<fs::path>& tmps) { write(tmps[0]); });
}

void write_text_atomically(const fs::path& target, const std::string& content) {
  write_atomically(target, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << content;
    out.close();
    if (!out) throw Error(target.string() + ": cannot write");
  });
}

}  // namespace torchvino
