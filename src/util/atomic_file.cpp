#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "torchvino/error.hpp"
#include "util/fault_point.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempPrefix = ".torchvino-tmp-";

// Paths being written right now, so that a signal can delete them before the process dies: the
// targets are untouched anyway, this only avoids leaving litter. Fixed storage because a signal
// handler may not allocate; unlink and rmdir are async-signal-safe.
constexpr size_t kSlots = 64;
std::array<std::array<char, PATH_MAX>, kSlots> g_pending_paths;
std::array<std::atomic<bool>, kSlots> g_slot_claimed;  // owned by a Pending
std::array<std::atomic<bool>, kSlots> g_slot_ready;    // path written; the handler may use it
std::array<bool, kSlots> g_slot_is_folder;

void remove_pending_and_reraise(int sig) {
  for (size_t i = 0; i < kSlots; ++i)
    if (g_slot_ready[i].load() && !g_slot_is_folder[i]) ::unlink(g_pending_paths[i].data());
  for (size_t i = 0; i < kSlots; ++i)
    if (g_slot_ready[i].load() && g_slot_is_folder[i]) ::rmdir(g_pending_paths[i].data());
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_signal_cleanup() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
      // Respect a handler somebody else installed (or an ignored signal).
      auto previous = std::signal(sig, remove_pending_and_reraise);
      if (previous != SIG_DFL && previous != SIG_ERR) std::signal(sig, previous);
    }
  });
}

size_t register_pending(const fs::path& path, bool is_folder) {
  install_signal_cleanup();
  const std::string s = path.string();
  if (s.size() >= PATH_MAX) return kSlots;
  for (size_t i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!g_slot_claimed[i].compare_exchange_strong(expected, true)) continue;
    std::memcpy(g_pending_paths[i].data(), s.c_str(), s.size() + 1);
    g_slot_is_folder[i] = is_folder;
    g_slot_ready[i].store(true);
    return i;
  }
  return kSlots;  // all slots busy: the path is still removed on errors, just not on signals
}

void unregister_pending(size_t slot) {
  if (slot >= kSlots) return;
  g_slot_ready[slot].store(false);
  g_slot_claimed[slot].store(false);
}

// Registers a path for the lifetime of the object.
class Pending {
 public:
  Pending(const fs::path& path, bool is_folder) : slot_(register_pending(path, is_folder)) {}
  ~Pending() { unregister_pending(slot_); }
  Pending(const Pending&) = delete;
  Pending& operator=(const Pending&) = delete;

 private:
  size_t slot_;
};

// The owner process of a temporary, from its name; 0 if the name is not ours.
pid_t owner_of(const std::string& name) {
  if (name.rfind(kTempPrefix, 0) != 0) return 0;
  const char* digits = name.c_str() + kTempPrefix.size();
  char* end = nullptr;
  const long pid = std::strtol(digits, &end, 10);
  if (end == digits || *end != '-' || pid <= 0 || pid > INT_MAX) return 0;
  return static_cast<pid_t>(pid);
}

bool process_is_gone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

// A set of files (an IR's .bin and .xml) is published by one rename per file, so a process killed
// between two renames would leave a mixed set. Before the first rename, every target that exists
// is hard-linked into the temporary folder as previous-<i>, and a journal names the set; the
// journal goes after the last rename. A journal found in the folder of a dead process is settled
// by settle_interrupted (called by remove_stale_temporaries): a set whose files were all replaced
// is kept; a half-replaced one gets its previous files back, so it is whole again either way.
constexpr std::string_view kJournal = "rollback-journal";

std::string previous_name(size_t i) { return "previous-" + std::to_string(i); }

// Writes the journal ("<i> <had previous: 0|1> <file name>" per line) and the hard links; returns
// false when the links cannot be made (a file system without them): the set is then published
// without the safety net.
bool prepare_rollback(const fs::path& folder, const std::vector<fs::path>& targets) {
  std::string journal;
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string name = targets[i].filename().string();
    if (name.find('\n') != std::string::npos) return false;
    const bool had = ::link(targets[i].c_str(), (folder / previous_name(i)).c_str()) == 0;
    if (!had && errno != ENOENT) return false;
    journal += std::to_string(i) + (had ? " 1 " : " 0 ") + name + "\n";
  }
  const fs::path file = folder / kJournal;
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::write(fd, journal.data(), journal.size()) == static_cast<ssize_t>(journal.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

struct JournalEntry {
  fs::path target, previous;  // previous: empty when the target did not exist before
};

bool same_file(const fs::path& a, const fs::path& b) {
  struct stat sa {}, sb {};
  return ::lstat(a.c_str(), &sa) == 0 && ::lstat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

// Settles a set whose publication stopped (see above). A target still is its previous file (the
// same inode: it was hard-linked) until its rename happened.
void settle_interrupted(const fs::path& folder, const fs::path& dir) {
  std::ifstream in(folder / kJournal);
  std::vector<JournalEntry> entries;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    size_t i = 0;
    int had = 0;
    std::string name;
    if (!(fields >> i >> had) || !std::getline(fields >> std::ws, name) || name.empty() ||
        name.find('/') != std::string::npos)
      return;  // not a journal we wrote: leave everything as it is
    entries.push_back({dir / name, had ? folder / previous_name(i) : fs::path()});
  }
  auto replaced = [](const JournalEntry& e) {
    std::error_code ec;
    return e.previous.empty() ? fs::exists(fs::symlink_status(e.target, ec)) : !same_file(e.target, e.previous);
  };
  const auto count = std::count_if(entries.begin(), entries.end(), replaced);
  if (count == 0 || count == static_cast<long>(entries.size())) return;  // whole: old or new
  for (const auto& e : entries) {
    if (!replaced(e)) continue;
    if (e.previous.empty()) ::unlink(e.target.c_str());
    else ::rename(e.previous.c_str(), e.target.c_str());
  }
}

void write_all(int fd, std::string_view bytes, const fs::path& target) {
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = n < 0 ? errno : ENOSPC;
      throw Error(target.string() + ": cannot write: " + write_failure_reason(target.parent_path(), saved));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string write_failure_reason(const fs::path& dir, int saved_errno) {
  if (saved_errno != 0) return std::strerror(saved_errno);
  struct statvfs st {};
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &st) == 0 && st.f_bavail * st.f_frsize < (1u << 20))
    return std::strerror(ENOSPC);
  return "write failed";
}

void sync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw Error(path.string() + ": cannot open to flush: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  // Some file systems cannot sync folders (EINVAL): the rename is then as durable as it gets.
  if (rc != 0 && saved != EINVAL && saved != EROFS)
    throw Error(path.string() + ": cannot flush to disk: " + write_failure_reason(path.parent_path(), saved));
}

int remove_stale_temporaries(const fs::path& dir) {
  std::error_code ec;
  int removed = 0;
  for (fs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
    const pid_t pid = owner_of(it->path().filename().string());
    if (pid == 0 || pid == ::getpid() || !process_is_gone(pid)) continue;
    if (fs::is_regular_file(fs::symlink_status(it->path() / kJournal, ec)))
      settle_interrupted(it->path(), dir.empty() ? fs::path(".") : dir);
    std::error_code rm;
    fs::remove_all(it->path(), rm);  // does not follow symlinks
    if (!rm) ++removed;
  }
  return removed;
}

bool publication_in_progress(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
    const pid_t pid = owner_of(it->path().filename().string());
    if (pid != 0 && !process_is_gone(pid) && fs::is_regular_file(fs::symlink_status(it->path() / kJournal, ec)))
      return true;
  }
  return false;
}

fs::path make_temporary_folder(const fs::path& parent) {
  const fs::path dir = parent.empty() ? fs::path(".") : parent;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create folder: " + ec.message());
  remove_stale_temporaries(dir);
  std::string templ = (dir / (std::string(kTempPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr)
    throw Error(dir.string() + ": cannot create a temporary folder: " + write_failure_reason(dir, errno));
  return templ;
}

void forget_temporary(const fs::path& folder) {
  std::error_code ec;
  fs::remove_all(folder, ec);
}

void write_atomically(const std::vector<fs::path>& targets,
                      const std::function<void(const std::vector<fs::path>&)>& write) {
  if (targets.empty()) return;
  const fs::path parent = targets.front().parent_path();
  for (const auto& t : targets) {
    if (t.parent_path() != parent) throw Error(t.string() + ": files written together must share a folder");
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(t, ec))) throw Error(t.string() + ": cannot write: is a directory");
  }
  fs::path folder;
  try {
    folder = make_temporary_folder(parent);
  } catch (const Error& e) {
    throw Error(targets.back().string() + ": cannot write: " + e.what());
  }
  const Pending pending_folder(folder, /*is_folder=*/true);
  std::vector<fs::path> tmps;
  std::vector<std::unique_ptr<Pending>> pending;
  for (const auto& t : targets) {
    tmps.push_back(folder / t.filename());
    pending.push_back(std::make_unique<Pending>(tmps.back(), /*is_folder=*/false));
  }
  try {
    try {
      write(tmps);
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      const int saved = errno;
      throw Error(targets.front().string() + ": cannot write: " + e.what() + " (" +
                  write_failure_reason(parent, saved) + ")");
    }
    for (size_t i = 0; i < tmps.size(); ++i) {
      if (!fs::is_regular_file(fs::symlink_status(tmps[i])))
        throw Error(targets[i].string() + ": the writer produced no file");
      sync_path(tmps[i]);
    }
    const bool journaled = targets.size() > 1 && prepare_rollback(folder, targets);
    if (journaled) sync_path(folder);
    // rename replaces a symlink planted at the target instead of following it.
    for (size_t i = 0; i < tmps.size(); ++i)
      if (::rename(tmps[i].c_str(), targets[i].c_str()) != 0) {
        const int saved = errno;
        if (journaled) settle_interrupted(folder, parent.empty() ? fs::path(".") : parent);
        throw Error(targets[i].string() + ": cannot replace: " + std::strerror(saved));
      } else if (i + 1 < tmps.size()) {
        util::fault_point("between-renames");
      }
    sync_path(parent.empty() ? fs::path(".") : parent);
    util::fault_point("after-renames");
    if (journaled) ::unlink((folder / kJournal).c_str());
  } catch (...) {
    forget_temporary(folder);
    throw;
  }
  forget_temporary(folder);
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
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(target.string() + ": cannot create: " + std::strerror(errno));
    try {
      write_all(fd, content, target);
    } catch (...) {
      ::close(fd);
      throw;
    }
    if (::close(fd) != 0)
      throw Error(target.string() + ": cannot write: " + write_failure_reason(target.parent_path(), errno));
  });
}

}  // namespace torchvino
