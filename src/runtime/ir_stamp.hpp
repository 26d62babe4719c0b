#pragma once
// The stamp that ties an IR's .xml to its .bin: save_ir writes the .bin's size and CRC-32 into the
// .xml's rt_info, read_model_file refuses (or waits out, or rolls back) a pair whose .bin does not
// match it.
#include <cstdint>
#include <filesystem>
#include <string>

namespace torchvino::ir {

inline constexpr const char* kWeightsStampKey = "torchvino_weights";

// ".XML" → ".xml".
std::string lower_extension(const std::filesystem::path& file);
std::filesystem::path bin_of(const std::filesystem::path& xml);
std::string weights_stamp(uint64_t size, uint32_t crc);
// A stand-in of the stamp's length, serialized first and replaced once the .bin is written.
std::string stamp_placeholder();
// The stamp of a file (its size and CRC-32).
std::string stamp_of(const std::filesystem::path& file);

}  // namespace torchvino::ir
