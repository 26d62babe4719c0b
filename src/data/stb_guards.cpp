#include "data/stb_guards.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "torchvino/error.hpp"
#include "util/strings.hpp"

namespace torchvino::data {

namespace {

// Markers without a length field: TEM, RSTn, SOI, EOI.
bool stands_alone(uint8_t marker) { return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9); }

}  // namespace

// The walk follows stb_image's own: it looks for 0xFF byte by byte (which also steps through
// entropy-coded data, where 0xFF00 is a stuffed byte), skips segments by their length, and reads
// a DHT segment table by table as stb does, past the segment's end and as zeros past the file's
// end if the lengths say so, because that is what stb would decode.
void check_jpeg_huffman_tables(std::span<const uint8_t> bytes, const std::filesystem::path& file) {
  // Start of image: 0xFF, any number of fill bytes, 0xD8 (stb accepts the fill bytes too).
  size_t at = 0;
  if (bytes.empty() || bytes[0] != 0xFF) return;
  while (at < bytes.size() && bytes[at] == 0xFF) ++at;
  if (at >= bytes.size() || bytes[at] != 0xD8) return;
  ++at;
  auto byte = [&](size_t i) -> size_t { return i < bytes.size() ? bytes[i] : 0; };
  while (at < bytes.size()) {
    if (bytes[at] != 0xFF) {
      ++at;
      continue;
    }
    while (at < bytes.size() && bytes[at] == 0xFF) ++at;  // fill bytes
    if (at >= bytes.size()) return;
    const uint8_t marker = bytes[at++];
    if (marker == 0xD9) return;  // end of image
    if (marker == 0x00 || stands_alone(marker)) continue;
    const size_t length = byte(at) << 8 | byte(at + 1);  // counts itself, not the marker
    if (marker == 0xC4) {
      // Each table: a class/id byte, 16 code counts, then the codes.
      int64_t left = static_cast<int64_t>(length) - 2;
      for (size_t table = at + 2; left > 0;) {
        const size_t id = byte(table);
        if ((id >> 4) > 1 || (id & 15) > 3) break;  // stb stops at a bad table id
        size_t codes = 0;
        for (size_t i = 1; i <= 16; ++i) codes += byte(table + i);
        if (codes > 256)
          throw Error(util::cat(file.string(), ": corrupt JPEG: a Huffman table declares ", codes,
                                " codes (at most 256)"));
        left -= static_cast<int64_t>(17 + codes);
        table += 17 + codes;
      }
    }
    at += length;
  }
}

void drop_empty_png_data_chunks(std::vector<uint8_t>& bytes) {
  static constexpr std::array<uint8_t, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < kSignature.size() || !std::equal(kSignature.begin(), kSignature.end(), bytes.begin())) return;
  std::vector<uint8_t> out(bytes.begin(), bytes.begin() + kSignature.size());
  size_t at = kSignature.size();
  // Chunks: a 4-byte big-endian length, a 4-byte type, the data, a 4-byte CRC.
  while (at + 12 <= bytes.size()) {
    const size_t length = size_t{bytes[at]} << 24 | size_t{bytes[at + 1]} << 16 | size_t{bytes[at + 2]} << 8 | bytes[at + 3];
    if (length > bytes.size() - at - 12) break;  // runs past the end: the rest is copied as it is
    const bool empty_idat = length == 0 && std::memcmp(&bytes[at + 4], "IDAT", 4) == 0;
    if (!empty_idat) out.insert(out.end(), bytes.begin() + static_cast<ptrdiff_t>(at),
                                bytes.begin() + static_cast<ptrdiff_t>(at + 12 + length));
    at += 12 + length;
  }
  out.insert(out.end(), bytes.begin() + static_cast<ptrdiff_t>(at), bytes.end());
  bytes = std::move(out);
}

}  // namespace torchvino::data
