// A POT-style YAML quantization job (`quantize --config`), parsed and validated.
#include <string>

#include "cli/quantize_job.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  torchvino::fuzz::refuse_cleanly([&] { torchvino::cli::parse_quantize_job(yaml, "job.yaml"); });
  return 0;
}
