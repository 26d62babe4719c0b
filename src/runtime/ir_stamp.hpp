#pragma once
// The stamp that ties an IR's .xml to its .bin: save_ir writes the .bin's size and CRC-32 into the
// .xml's rt_info, read_model_file refuses (or waits out, or rolls back) a pair whose .bin does not
// match it. The stamp also carries the CRC-32 of the .xml it was written into (with the stamp's own
// text blanked), because tools that rewrite an IR (NNCF, ovc, a Python script) copy rt_info, stamp
// included, into an .xml and .bin of their own: such a stamp describes another pair and is ignored.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace torchvino::ir {

inline constexpr const char* kWeightsStampKey = "torchvino_weights";

// ".XML" → ".xml".
std::string lower_extension(const std::filesystem::path& file);
std::filesystem::path bin_of(const std::filesystem::path& xml);

uint32_t crc32_of(std::string_view bytes);
// The stamp of a .bin (its size and CRC-32) written into an .xml whose text, with the stamp blanked
// to stamp_placeholder(), has CRC-32 xml_crc.
std::string weights_stamp(const std::filesystem::path& bin, uint32_t xml_crc);
// A stand-in of the stamp's length, serialized first and replaced once the .bin is written.
std::string stamp_placeholder();

// Whether the stamp read from an .xml's rt_info was written into that very .xml (xml_text is the
// file's contents). Stamps from before the .xml's CRC was recorded count as written into it.
bool stamp_belongs_to(const std::string& stamp, const std::string& xml_text);
// Whether the stamp matches the .bin's size and CRC-32 (reads the whole .bin).
bool stamp_matches_weights(const std::string& stamp, const std::filesystem::path& bin);

}  // namespace torchvino::ir
