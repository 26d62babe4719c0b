#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace torchvino::data {

// The whole content of `file`; throws Error naming it when it is missing or unreadable.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& file);

// True when `bytes` start with the gzip signature.
bool is_gzip(std::span<const uint8_t> bytes);

// Decompresses a gzip stream (several concatenated members are allowed, as `cat a.gz b.gz`
// produces); `file` only names the source in errors. More than `limit` bytes of output is an Error
// about max_input_mb (InputLimits::max_decompressed_bytes).
std::vector<uint8_t> gunzip(std::span<const uint8_t> compressed, const std::filesystem::path& file,
                            uint64_t limit);

}  // namespace torchvino::data
