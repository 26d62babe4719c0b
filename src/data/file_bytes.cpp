#include "data/file_bytes.hpp"
#include "util/regular_file.hpp"
#include "util/strings.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>

#include "torchvino/error.hpp"

namespace torchvino::data {

namespace fs = std::filesystem;

std::vector<uint8_t> read_file_bytes(const fs::path& file) {
  std::error_code ec;
  const auto status = fs::status(file, ec);
  if (!fs::exists(status)) throw Error(util::cat(file.string(), ": file not found"));
  util::require_regular_file(file);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw Error(util::cat(file.string(), ": cannot open (", std::strerror(errno), ")"));
  }
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0) throw Error(util::cat(file.string(), ": cannot determine the file size"));
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  if (!bytes.empty()) in.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!in) throw Error(util::cat(file.string(), ": read error"));
  return bytes;
}

bool is_gzip(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

namespace {

// The trailer's ISIZE (uncompressed size mod 2^32) of the last member, so the output is usually
// allocated once. Bounded by deflate's best ratio, since a corrupt trailer could claim 4 GiB.
size_t size_hint(std::span<const uint8_t> in) {
  if (in.size() < 18) return 1 << 16;
  const uint8_t* t = in.data() + in.size() - 4;
  const size_t isize = size_t{t[0]} | size_t{t[1]} << 8 | size_t{t[2]} << 16 | size_t{t[3]} << 24;
  return std::clamp<size_t>(isize, 1 << 16, in.size() * 1032 + (1 << 16));
}

struct InflateStream {
  z_stream zs{};
  InflateStream() = default;
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;
  ~InflateStream() { inflateEnd(&zs); }
};

}  // namespace

std::vector<uint8_t> gunzip(std::span<const uint8_t> compressed, const fs::path& file, uint64_t limit) {
  const std::string name = file.string();
  InflateStream s;
  z_stream& zs = s.zs;
  // 16 + MAX_WBITS: accept only a gzip wrapper, so a zlib or raw stream is reported as corrupt.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    throw Error(util::cat(name, ": cannot initialise gzip decompression"));
  }
  const auto over_limit = [&] {
    return Error(util::cat(name, ": decompresses to more than max_input_mb = ", limit >> 20,
                           " MB, the limit for input files"),
                 "max_input_mb");
  };
  std::vector<uint8_t> out;
  try {
    out.resize(std::min<size_t>(size_hint(compressed), limit + 1));
  } catch (const std::bad_alloc&) {
    throw Error(util::cat(name, ": out of memory while decompressing"));
  }
  size_t in_pos = 0;
  size_t out_pos = 0;
  constexpr size_t kChunk = std::numeric_limits<uInt>::max();
  while (true) {
    if (out_pos == out.size()) {
      if (out.size() > limit) throw over_limit();
      try {
        out.resize(std::min<size_t>(out.size() * 2, limit + 1));
      } catch (const std::bad_alloc&) {
        throw Error(util::cat(name, ": out of memory while decompressing"));
      }
    }
    const size_t in_len = std::min(compressed.size() - in_pos, kChunk);
    const size_t out_len = std::min(out.size() - out_pos, kChunk);
    zs.next_in = const_cast<Bytef*>(compressed.data() + in_pos);
    zs.avail_in = static_cast<uInt>(in_len);
    zs.next_out = out.data() + out_pos;
    zs.avail_out = static_cast<uInt>(out_len);
    const int ret = inflate(&zs, Z_NO_FLUSH);
    in_pos += in_len - zs.avail_in;
    out_pos += out_len - zs.avail_out;
    if (ret == Z_STREAM_END) {
      if (in_pos == compressed.size()) break;
      if (!is_gzip(compressed.subspan(in_pos))) {
        throw Error(util::cat(name, ": corrupt gzip file: ", compressed.size() - in_pos,
                              " unexpected bytes after the compressed data"));
      }
      inflateReset(&zs);
      continue;
    }
    if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT) {
      throw Error(
          util::cat(name, ": corrupt gzip data (", zs.msg ? zs.msg : "invalid stream", ")"));
    }
    if (ret == Z_MEM_ERROR) throw Error(util::cat(name, ": out of memory while decompressing"));
    const bool no_progress = in_len == zs.avail_in && out_len == zs.avail_out;
    if ((ret == Z_BUF_ERROR || no_progress) && in_pos == compressed.size() &&
        out_pos < out.size()) {
      throw Error(util::cat(name, ": corrupt gzip file: truncated compressed data"));
    }
    if (ret != Z_OK && ret != Z_BUF_ERROR) {
      throw Error(util::cat(name, ": corrupt gzip data (zlib error ", ret, ")"));
    }
  }
  if (out_pos > limit) throw over_limit();
  out.resize(out_pos);
  return out;
}

}  // namespace torchvino::data
