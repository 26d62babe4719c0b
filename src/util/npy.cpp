#include "util/npy.hpp"

#include <fstream>
#include <string>

#include "torchvino/error.hpp"
#include "util/atomic_file.hpp"

namespace torchvino {

void save_npy(const torch::Tensor& tensor, const std::filesystem::path& path) {
  const auto data = tensor.to(torch::kFloat).contiguous();
  std::string shape;
  for (const auto d : data.sizes()) shape += std::to_string(d) + ", ";
  if (data.dim() > 1) shape.resize(shape.size() - 2);  // "(3,)" for one axis, "(2, 3)" for more
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  write_atomically(path, [&](const std::filesystem::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    const uint16_t length = static_cast<uint16_t>(header.size());
    out.write("\x93NUMPY\x01\x00", 8);
    out.put(static_cast<char>(length & 0xff));
    out.put(static_cast<char>(length >> 8));
    out << header;
    out.write(static_cast<const char*>(data.data_ptr()), static_cast<std::streamsize>(data.numel() * sizeof(float)));
    if (!out.flush()) throw Error(path.string() + ": cannot write");
  });
}

}  // namespace torchvino
