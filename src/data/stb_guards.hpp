#pragma once
// What stb_image 2.27 (Debian 12's libstb) needs done before it decodes a file: two kinds of
// input it mishandles, found by fuzz_image.
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace torchvino::data {

// stb_image 2.27 (Debian 12's libstb) writes past its 257-entry tables when a JPEG's Huffman table
// (a DHT segment) declares more than 256 codes; the JPEG standard allows at most 256 (ITU T.81,
// B.2.4.2), so such a file is corrupt. Walks the file's segments and throws Error naming the
// file for such a table. Anything that is not a JPEG, or that ends early, is left to the decoder.
void check_jpeg_huffman_tables(std::span<const uint8_t> bytes, const std::filesystem::path& file);

// stb passes a null buffer to memcpy when a PNG's first IDAT chunk is empty (harmless in practice,
// undefined behaviour all the same). Empty IDAT chunks carry no data, so they are dropped from a
// PNG before decoding; anything else is left as it is.
void drop_empty_png_data_chunks(std::vector<uint8_t>& bytes);

}  // namespace torchvino::data
