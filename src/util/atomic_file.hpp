#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace torchvino {

// Every output is written the same way: into a private temporary folder (mkdtemp: an
// unpredictable name, mode 0700, so nobody can plant a symlink or swap a file in it) next to the
// target, flushed to disk, then renamed into place. Readers see the old file or the new one,
// never a half-written one; on any error — a full disk included — the temporary is removed, the
// old file is left untouched, and the error names the target and the reason.
//
// Temporaries are named `.torchvino-tmp-<pid>-XXXXXX`. Ctrl-C and SIGTERM remove them; the
// ones a killed process left behind (SIGKILL, power loss) are removed by the next write into the
// same folder once their process is gone (remove_stale_temporaries).

// `write` fills the temporary path it is given; it may use any writer that takes a path.
void write_atomically(const std::filesystem::path& target,
                      const std::function<void(const std::filesystem::path& tmp)>& write);

// Several files that belong together (IR .xml + .bin): all are written first and renamed only
// when every one succeeded, in the order given (put the file that names the others last). The
// previous files are kept (hard links) until the last rename: if the process dies in between,
// the next remove_stale_temporaries in that folder puts the whole previous set back.
void write_atomically(const std::vector<std::filesystem::path>& targets,
                      const std::function<void(const std::vector<std::filesystem::path>& tmps)>& write);

// Text or binary content, written with checked system calls (a short write is an error).
void write_text_atomically(const std::filesystem::path& target, const std::string& content);
void write_bytes_atomically(const std::filesystem::path& target, std::string_view bytes);

// A private temporary folder in `parent` (created if missing), following the naming above. The
// caller owns it and removes it with `forget_temporary`; if the process dies first, the next
// run that writes next to it does (remove_stale_temporaries).
std::filesystem::path make_temporary_folder(const std::filesystem::path& parent);
void forget_temporary(const std::filesystem::path& folder);

// Removes the temporaries in `dir` whose process has exited, first putting back the previous
// files of a set such a process had half published when it died (see above). Returns how many were removed.
int remove_stale_temporaries(const std::filesystem::path& dir);

// Whether a live process is between the renames of a set of files in `dir` (for a reader that
// found a mismatched pair: it waits for the set to be whole rather than failing).
bool publication_in_progress(const std::filesystem::path& dir);
// Flushes a file's (or a folder's) contents to disk; throws Error naming it on failure.
void sync_path(const std::filesystem::path& path);

// "No space left on device", "Permission denied", ...: the reason a write in `dir` failed, from
// errno when it says something, else from the free space left.
std::string write_failure_reason(const std::filesystem::path& dir, int saved_errno);

}  // namespace torchvino
