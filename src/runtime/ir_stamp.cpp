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

std::string lower_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

fs::path bin_of(const fs::path& xml) { return fs::path(xml).replace_extension(".bin"); }

std::string weights_stamp(uint64_t size, uint32_t crc) { return fmt::format("bytes={:020} crc32={:08x}", size, crc); }
std::string stamp_placeholder() { return std::string(weights_stamp(0, 0).size(), '?'); }

std::string stamp_of(const fs::path& file) {
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
  return weights_stamp(size, static_cast<uint32_t>(crc));
}

}  // namespace torchvino::ir
