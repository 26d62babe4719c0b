// The pickle inside a state dict: the fuzzed bytes become data.pkl of an otherwise well-formed
// torch.save zip (with one 64-byte storage, data/0), so every input reaches the OrderedDict
// rewriter, LibTorch's unpickler and the tensor bounds checks instead of stopping at the zip.
#include <caffe2/serialize/inline_container.h>

#include <array>
#include <string>

#include "fuzz_support.hpp"
#include "models/pickle_rewrite.hpp"
#include "torchvino/state_dict.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace torchvino;
  const std::string pkl(reinterpret_cast<const char*>(data), size);
  fuzz::refuse_cleanly([&] { models::rewrite_ordered_dicts(pkl); });

  std::string zip;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* bytes, size_t n) {
      zip.append(static_cast<const char*>(bytes), n);
      return n;
    });
    const std::array<char, 64> storage{1, 2, 3, 4, 5, 6, 7, 8};
    writer.writeRecord("data.pkl", pkl.data(), pkl.size());
    writer.writeRecord("data/0", storage.data(), storage.size());
    writer.writeEndOfFile();
  }
  const auto file = fuzz::write_scratch("state_dict.pt", reinterpret_cast<const uint8_t*>(zip.data()), zip.size());
  fuzz::refuse_cleanly([&] { read_state_dict(file); });
  return 0;
}
