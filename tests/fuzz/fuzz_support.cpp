#include "fuzz_support.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "torchvino/image.hpp"

namespace torchvino::fuzz {

namespace fs = std::filesystem;

namespace {

fs::path make_scratch() {
  const fs::path base = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string pattern = (base / "torchvino-fuzz-XXXXXX").string();
  if (!mkdtemp(pattern.data())) std::abort();
  return pattern;
}

struct Scratch {
  fs::path path = make_scratch();
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

const fs::path& scratch() {
  static const Scratch folder;
  return folder.path;
}

fs::path write_scratch(std::string_view name, const uint8_t* data, size_t size) {
  const fs::path file = scratch() / name;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out.flush()) std::abort();  // the harness, not the reader, failed: stop loudly
  return file;
}

}  // namespace torchvino::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  torchvino::fuzz::scratch();
  return 0;
}
