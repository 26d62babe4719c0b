#include "util/atomic_file.hpp"

#include <limits.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

// Temporaries being written right now, so that Ctrl-C (SIGINT) or SIGTERM can delete them before
// the process dies: the targets are untouched anyway, this only avoids leaving litter. Fixed
// storage because a signal handler may not allocate.
constexpr size_t kSlots = 32;
std::array<std::array<char, PATH_MAX>, kSlots> g_pending_paths;
std::array<std::atomic<bool>, kSlots> g_slot_claimed;  // owned by a PendingFile
std::array<std::atomic<bool>, kSlots> g_slot_ready;    // path written; the handler may use it

void remove_pending_and_reraise(int sig) {
  for (size_t i = 0; i < kSlots; ++i)
    if (g_slot_ready[i].load()) ::unlink(g_pending_paths[i].data());
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_signal_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM}) {
      // Respect a handler somebody else installed (or an ignored signal).
      auto previous = std::signal(sig, remove_pending_and_reraise);
      if (previous != SIG_DFL && previous != SIG_ERR) std::signal(sig, previous);
    }
  });
}

// Registers a temporary for the lifetime of the object.
class PendingFile {
 public:
  explicit PendingFile(const fs::path& path) {
    install_signal_cleanup();
    const std::string s = path.string();
    if (s.size() >= PATH_MAX) return;
    for (size_t i = 0; i < kSlots; ++i) {
      bool expected = false;
      if (!g_slot_claimed[i].compare_exchange_strong(expected, true)) continue;
      std::memcpy(g_pending_paths[i].data(), s.c_str(), s.size() + 1);
      g_slot_ready[i].store(true);
      slot_ = i;
      return;
    }
  }
  ~PendingFile() {
    if (slot_ >= kSlots) return;
    g_slot_ready[slot_].store(false);
    g_slot_claimed[slot_].store(false);
  }
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

 private:
  size_t slot_ = kSlots;
};

fs::path temp_name(const fs::path& target) {
  // Keep the extension last: some writers (OpenVINO's serializer) derive names from it.
  std::string name = ".";
  name += target.stem().string();
  name += ".tmp";
  name += std::to_string(::getpid());
  name += target.extension().string();
  return target.parent_path() / name;
}

}  // namespace

void write_atomically(const std::vector<fs::path>& targets,
                      const std::function<void(const std::vector<fs::path>&)>& write) {
  std::vector<fs::path> tmps;
  for (const auto& t : targets) {
    if (!t.parent_path().empty()) fs::create_directories(t.parent_path());
    tmps.push_back(temp_name(t));
  }
  std::vector<std::unique_ptr<PendingFile>> pending;
  for (const auto& tmp : tmps) pending.push_back(std::make_unique<PendingFile>(tmp));
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
  write_bytes_atomically(target, content);
}

void write_bytes_atomically(const fs::path& target, std::string_view content) {
  write_atomically(target, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) throw Error(target.string() + ": cannot write");
  });
}

}  // namespace torchvino
