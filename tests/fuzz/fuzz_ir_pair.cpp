// An OpenVINO IR pair as `--ir` reads it. Input layout: a little-endian uint32 n, then n bytes of
// model.xml, then model.bin (n is taken modulo the bytes left, so every input splits somewhere).
#include <cstring>

#include "fuzz_support.hpp"
#include "torchvino/convert.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace torchvino;
  if (size < 4) return 0;
  uint32_t n = 0;
  std::memcpy(&n, data, 4);
  data += 4, size -= 4;
  const size_t xml_size = size == 0 ? 0 : n % (size + 1);
  fuzz::write_scratch("model.bin", data + xml_size, size - xml_size);
  const auto xml = fuzz::write_scratch("model.xml", data, xml_size);
  fuzz::refuse_cleanly([&] { read_model_file(xml); });
  return 0;
}
