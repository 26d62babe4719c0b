#pragma once
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace torchvino {

// Exclusive right to write into an output folder, held until destruction. Two runs writing into
// the same folder would read each other's half-finished models; the second one fails at once
// naming the holder, or, with `wait`, waits for it. The lock is an flock on
// `<dir>/.torchvino.lock`, so the kernel releases it when the holder dies, however it dies.
class FolderLock {
 public:
  FolderLock(const std::filesystem::path& dir, const std::string& command, bool wait,
             const std::function<void(const std::string&)>& log = {});
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  // Also takes the (uncontended) lock file of a folder that is about to replace `dir`.
  void lock_replacement(const std::filesystem::path& replacement);

 private:
  std::filesystem::path dir_;
  std::string holder_;
  std::vector<int> fds_;
};

// A new version of an output folder, published all at once or not at all. It starts as a private
// folder next to `out` holding hard links to everything `out` holds now; the run writes there;
// publish() swaps it with `out` in one rename (renameat2 RENAME_EXCHANGE) and deletes the old
// version. Killed at any moment, `out` holds either the complete old set or the complete new one;
// an unpublished version is deleted by the destructor, or by the next run if the process died.
class StagedFolder {
 public:
  explicit StagedFolder(FolderLock& lock);
  ~StagedFolder();
  StagedFolder(const StagedFolder&) = delete;
  StagedFolder& operator=(const StagedFolder&) = delete;

  // Why `out` cannot be staged, if it cannot: it is (or holds) the working folder, or it holds
  // more than an output set (folders inside folders, thousands of entries): swapping a home
  // folder or a source tree for a copy is not what an output folder is for. Callers then write
  // file by file, each atomically, and say so.
  static std::optional<std::string> why_not_staged(const std::filesystem::path& out);

  // Where the new version is written.
  const std::filesystem::path& path() const { return staging_; }
  // `file` (a path inside the published folder) as it is while staged; other paths unchanged.
  std::filesystem::path staged(const std::filesystem::path& file) const;
  void publish();

 private:
  FolderLock& lock_;
  std::filesystem::path staging_;
  bool published_ = false;
};

}  // namespace torchvino
