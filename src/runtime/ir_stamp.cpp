#include "runtime/ir_stamp.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "torchvino/error.hpp"

namespace torchvino::ir {

namespace fs = std::filesystem;

namespace {

struct Digest {
  uint64_t size = 0;
  uint32_t crc = 0;
};

Digest digest_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open: " + std::strerror(errno));
  std::vector<char> chunk(1 << 20);
  uLong crc = crc32_z(0L, Z_NULL, 0);
  uint64_t size = 0;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<size_t>(in.gcount());
    crc = crc32_z(crc, reinterpret_cast<const Bytef*>(chunk.data()), n);
    size += n;
  }
  if (in.bad()) throw Error(file.string() + ": cannot read: " + std::strerror(errno));
  return {size, static_cast<uint32_t>(crc)};
}

std::string weights_part(const Digest& d) { return fmt::format("bytes={:020} crc32={:08x}", d.size, d.crc); }

constexpr std::string_view kXmlField = " xml=";

std::string format_stamp(const Digest& bin, uint32_t xml_crc) {
  return fmt::format("{}{}{:08x}", weights_part(bin), kXmlField, xml_crc);
}

}  // namespace

std::string lower_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

fs::path bin_of(const fs::path& xml) { return fs::path(xml).replace_extension(".bin"); }

uint32_t crc32_of(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32_z(crc32_z(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

std::string weights_stamp(const fs::path& bin, uint32_t xml_crc) { return format_stamp(digest_of(bin), xml_crc); }

std::string stamp_placeholder() { return std::string(format_stamp({}, 0).size(), '?'); }

bool stamp_belongs_to(const std::string& stamp, const std::string& xml_text) {
  const size_t field = stamp.find(kXmlField);
  if (field == std::string::npos) return true;  // an older stamp: no .xml CRC to compare
  const std::string placeholder = stamp_placeholder();
  if (stamp.size() != placeholder.size()) return false;
  const size_t at = xml_text.find(stamp);
  if (at == std::string::npos || xml_text.find(stamp, at + 1) != std::string::npos) return false;
  std::string blanked = xml_text;
  blanked.replace(at, stamp.size(), placeholder);
  return fmt::format("{:08x}", crc32_of(blanked)) == stamp.substr(field + kXmlField.size());
}

bool stamp_matches_weights(const std::string& stamp, const fs::path& bin) {
  return stamp.substr(0, stamp.find(kXmlField)) == weights_part(digest_of(bin));
}

}  // namespace torchvino::ir
