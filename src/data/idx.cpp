#include <limits>

#include "data/file_bytes.hpp"
#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace {

const char* idx_type_name(uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "not an IDX type";
  }
}

uint32_t big_endian_u32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& file, const InputLimits& limits) {
  const std::string name = file.string();
  std::vector<uint8_t> bytes = data::read_file_bytes(file);
  if (data::is_gzip(bytes)) bytes = data::gunzip(bytes, file, limits.max_decompressed_bytes);

  if (bytes.size() < 4) {
    throw Error(util::cat(name, ": not an IDX file (only ", bytes.size(),
                          " bytes, too short for the header)"));
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw Error(util::cat(name, ": not an IDX file (wrong magic number ",
                          util::hex(big_endian_u32(bytes.data()), 8),
                          "; IDX files start with two zero bytes)"));
  }
  const uint8_t type = bytes[2];
  if (type != 0x08) {
    throw Error(util::cat(name, ": unsupported element type ", util::hex(type, 2), " (",
                          idx_type_name(type), "); only unsigned bytes (0x08) are supported"));
  }
  const size_t ndims = bytes[3];
  if (ndims == 0) throw Error(util::cat(name, ": not an IDX file (header declares 0 dimensions)"));
  const size_t header = 4 + 4 * ndims;
  if (bytes.size() < header) {
    throw Error(util::cat(name, ": truncated IDX header (", ndims, " dimensions need ", header,
                          " bytes, file has ", bytes.size(), ")"));
  }

  IdxArray result;
  result.dims.reserve(ndims);
  // Saturates instead of overflowing: a nonsense header must still be reported as "truncated".
  uint64_t expected = 1;
  bool huge = false;
  for (size_t i = 0; i < ndims; ++i) {
    const uint32_t d = big_endian_u32(bytes.data() + 4 + 4 * i);
    if (d > static_cast<uint32_t>(std::numeric_limits<int32_t>::max())) {
      throw Error(util::cat(name, ": not an IDX file (dimension ", i,
                            " is negative: ", static_cast<int32_t>(d), ")"));
    }
    result.dims.push_back(d);
    if (d != 0 && expected > std::numeric_limits<uint64_t>::max() / d) huge = true;
    expected *= d;
  }
  if (huge) expected = std::numeric_limits<uint64_t>::max();
  for (int64_t d : result.dims) {
    if (d == 0) expected = 0;
  }

  const uint64_t actual = bytes.size() - header;
  if (actual < expected) {
    throw Error(util::cat(name, ": truncated data: dimensions [", util::join(result.dims, ", "),
                          "] need ", expected, " bytes after the header, file has only ", actual));
  }
  if (actual > expected) {
    throw Error(util::cat(name, ": ", actual - expected, " bytes of extra data after the ",
                          expected, " bytes that dimensions [", util::join(result.dims, ", "),
                          "] describe"));
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  result.data = std::move(bytes);
  return result;
}

}  // namespace torchvino
