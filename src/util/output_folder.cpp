#include "util/output_folder.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include "torchvino/error.hpp"
#include "util/atomic_file.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLockName = ".torchvino.lock";

std::string read_holder(int fd) {
  char buffer[512] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  std::string text = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text.empty() ? "another torchvino run" : text;
}

int open_lock_file(const fs::path& dir) {
  const fs::path file = dir / kLockName;
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(file.string() + ": cannot open the folder's lock file: " + std::strerror(errno));
  return fd;
}

// The lock file may have been swapped away with the folder's old version while we waited.
bool still_current(int fd, const fs::path& dir) {
  struct stat held {}, now {};
  if (::fstat(fd, &held) != 0) return false;
  if (::lstat((dir / kLockName).c_str(), &now) != 0) return false;
  return held.st_dev == now.st_dev && held.st_ino == now.st_ino;
}

std::string describe_holder(const std::string& command) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char when[32] = {};
  std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  return "torchvino " + command + " (pid " + std::to_string(::getpid()) + ", since " + when + ")";
}

void write_holder(int fd, const std::string& holder) {
  const std::string text = holder + "\n";
  if (::ftruncate(fd, 0) == 0 && ::pwrite(fd, text.data(), text.size(), 0) < 0) {
    // The holder text is informative only; the lock itself is held.
  }
}

// Hard links of `from`'s contents in `to` (a copy where a link is impossible), skipping the lock
// file and temporaries.
void link_tree(const fs::path& from, const fs::path& to) {
  for (const auto& entry : fs::directory_iterator(from)) {
    const std::string name = entry.path().filename().string();
    if (name == kLockName || name.rfind(".torchvino-tmp-", 0) == 0) continue;
    const fs::path target = to / name;
    const auto status = entry.symlink_status();
    if (fs::is_symlink(status)) {
      fs::copy_symlink(entry.path(), target);
    } else if (fs::is_directory(status)) {
      fs::create_directory(target);
      link_tree(entry.path(), target);
    } else if (fs::is_regular_file(status)) {
      std::error_code ec;
      fs::create_hard_link(entry.path(), target, ec);
      if (ec) fs::copy_file(entry.path(), target);
    }
  }
}

}  // namespace

FolderLock::FolderLock(const fs::path& dir, const std::string& command, bool wait,
                       const std::function<void(const std::string&)>& log)
    : dir_(dir.empty() ? fs::path(".") : dir), holder_(describe_holder(command)) {
  std::error_code ec;
  if (fs::exists(dir_, ec) && !fs::is_directory(dir_, ec))
    throw Error(dir_.string() + ": the output folder is not a folder");
  fs::create_directories(dir_, ec);
  if (ec) throw Error(dir_.string() + ": cannot create the output folder: " + ec.message());
  if (::access(dir_.c_str(), W_OK) != 0)
    throw Error(dir_.string() + ": the output folder is not writable: " + std::strerror(errno));
  for (;;) {
    const int fd = open_lock_file(dir_);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int saved = errno;
      const std::string holder = read_holder(fd);
      if (saved != EWOULDBLOCK || !wait) {
        ::close(fd);
        if (saved != EWOULDBLOCK) throw Error(dir_.string() + ": cannot lock: " + std::strerror(saved));
        throw Error(dir_.string() + ": in use by " + holder +
                        "; wait for it to finish, set wait to queue behind it, or choose another output folder",
                    "wait");
      }
      if (log) log(dir_.string() + ": waiting for " + holder);
      while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
    if (!still_current(fd, dir_)) {
      ::close(fd);
      continue;
    }
    write_holder(fd, holder_);
    fds_.push_back(fd);
    break;
  }
  remove_stale_temporaries(dir_);
  remove_stale_temporaries(fs::absolute(dir_).lexically_normal().parent_path());
}

FolderLock::~FolderLock() {
  for (int fd : fds_) ::close(fd);  // closing releases the flock
}

void FolderLock::lock_replacement(const fs::path& replacement) {
  const int fd = open_lock_file(replacement);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw Error(replacement.string() + ": cannot lock: " + std::strerror(errno));
  }
  write_holder(fd, holder_);
  fds_.push_back(fd);
}

std::optional<std::string> StagedFolder::why_not_staged(const fs::path& out) {
  std::error_code ec;
  const fs::path folder = fs::weakly_canonical(out, ec);
  const fs::path cwd = fs::current_path(ec);
  const fs::path relative = cwd.lexically_relative(folder);
  if (!relative.empty() && *relative.begin() != "..") return "it is the working folder or holds it";
  int entries = 0;
  for (fs::directory_iterator it(out, ec), end; !ec && it != end; it.increment(ec)) {
    if (++entries > 1000) return "it holds more than 1000 entries";
    if (!it->is_directory(ec) || it->is_symlink(ec)) continue;
    for (fs::directory_iterator sub(it->path(), ec); !ec && sub != end; sub.increment(ec))
      if (sub->is_directory(ec) && !sub->is_symlink(ec)) return "it holds folders inside folders";
  }
  return std::nullopt;
}

StagedFolder::StagedFolder(FolderLock& lock) : lock_(lock) {
  const fs::path out = fs::absolute(lock.dir()).lexically_normal();
  const fs::path parent = out.has_filename() ? out.parent_path() : out.parent_path().parent_path();
  staging_ = make_temporary_folder(parent);
  try {
    // mkdtemp made it private; the published folder keeps the permissions `out` has.
    fs::permissions(staging_, fs::status(lock.dir()).permissions());
    link_tree(lock.dir(), staging_);
    lock_.lock_replacement(staging_);
  } catch (const fs::filesystem_error& e) {
    forget_temporary(staging_);
    throw Error(lock.dir().string() + ": cannot prepare a new version of the folder: " + e.what());
  } catch (...) {
    forget_temporary(staging_);
    throw;
  }
}

StagedFolder::~StagedFolder() {
  if (!published_) forget_temporary(staging_);
}

fs::path StagedFolder::staged(const fs::path& file) const {
  const fs::path relative = fs::absolute(file).lexically_normal().lexically_relative(
      fs::absolute(lock_.dir()).lexically_normal());
  if (relative.empty() || *relative.begin() == "..") return file;
  return staging_ / relative;
}

void StagedFolder::publish() {
  if (published_) return;
  sync_path(staging_);
  const fs::path& out = lock_.dir();
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) != 0)
    throw Error(out.string() + ": cannot publish the new version (swapping folders failed: " +
                std::strerror(errno) + "); the previous version is unchanged");
  published_ = true;
  sync_path(fs::absolute(out).lexically_normal().parent_path());
  forget_temporary(staging_);  // now the old version
}

}  // namespace torchvino
