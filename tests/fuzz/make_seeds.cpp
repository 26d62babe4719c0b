// Writes the seed inputs of every fuzz target: small, valid files of each format made with
// torchvino's own writers (and LibTorch's, stb's, zlib's), so the fuzzers start from inputs that
// reach deep into the readers. Nothing is downloaded. bench/fuzz.sh runs it into a fresh folder.
//   fuzz_make_seeds OUT_DIR [EXAMPLES_DIR]
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <caffe2/serialize/inline_container.h>
#include <stb/stb_image_write.h>
#include <torch/serialize.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "torchvino/convert.hpp"
#include "torchvino/models.hpp"

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

fs::path out;

void write(const std::string& target, const std::string& name, const void* data, size_t size) {
  fs::create_directories(out / target);
  std::ofstream f(out / target / name, std::ios::binary);
  f.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}
void write(const std::string& target, const std::string& name, const std::string& bytes) {
  write(target, name, bytes.data(), bytes.size());
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string gzip(const std::string& bytes) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // 15 + 16: gzip wrapper
  std::string gz(deflateBound(&z, bytes.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  deflate(&z, Z_FINISH);
  gz.resize(z.total_out);
  deflateEnd(&z);
  return gz;
}

std::string idx(uint8_t rank, const std::vector<uint32_t>& dims) {
  std::string s{0, 0, 0x08, static_cast<char>(rank)};
  size_t count = 1;
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>(d >> shift));
    count *= d;
  }
  for (size_t i = 0; i < count; ++i) s.push_back(static_cast<char>(i * 37));
  return s;
}

void model_seeds() {
  torchvino::Model model = torchvino::create_model({.arch = "convnet", .in_channels = 1, .num_classes = 2, .image_size = 4});
  model.metadata = {.dataset = "fashion-mnist", .mean = {0.5f}, .std = {0.25f}, .labels = {"a", "b"}};
  const fs::path tmp = out / ".tmp";
  fs::create_directories(tmp);

  torchvino::save_checkpoint(model, tmp / "model.pt");
  const std::string checkpoint = read(tmp / "model.pt");
  write("checkpoint", "convnet.pt", checkpoint);
  write("state_dict", "convnet.pt", checkpoint);
  caffe2::serialize::PyTorchStreamReader zip(std::string{(tmp / "model.pt").string()});
  const auto [pkl, pkl_size] = zip.getRecord("data.pkl");
  write("pickle", "checkpoint.pkl", pkl.get(), pkl_size);

  // The legacy format: a TorchScript archive with the spec as JSON next to the tensors.
  torch::serialize::OutputArchive archive;
  archive.write("torchvino.spec", torch::IValue(std::string(
      R"({"arch":"convnet","in_channels":1,"num_classes":2,"image_size":4})")));
  for (const auto& p : model.module().named_parameters()) archive.write(p.key(), p.value());
  for (const auto& b : model.module().named_buffers()) archive.write(b.key(), b.value(), true);
  archive.save_to((tmp / "legacy.pt").string());
  write("checkpoint", "legacy.pt", read(tmp / "legacy.pt"));

  torchvino::save_ir(torchvino::to_openvino(model), tmp / "model.xml");
  const std::string xml = read(tmp / "model.xml"), bin = read(tmp / "model.bin");
  const uint32_t n = static_cast<uint32_t>(xml.size());
  std::string pair(reinterpret_cast<const char*>(&n), 4);
  write("ir_pair", "convnet", pair + xml + bin);
  fs::remove_all(tmp);
}

void data_seeds() {
  write("idx", "images", idx(3, {3, 4, 4}));
  write("idx", "labels", idx(1, {3}));
  write("idx", "images.gz", gzip(idx(3, {3, 4, 4})));
  std::string cifar;
  for (int record = 0; record < 2; ++record) {
    cifar.push_back(static_cast<char>(record));
    for (int i = 0; i < 3 * 32 * 32; ++i) cifar.push_back(static_cast<char>(i * 7 + record));
  }
  write("cifar", "two_records.bin", cifar);

  std::vector<uint8_t> pixels(6 * 5 * 4);  // enough for 4 channels
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 11);
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  for (int channels : {1, 3, 4}) {
    std::string png, bmp, tga, jpg;
    stbi_write_png_to_func(sink, &png, 6, 5, channels, pixels.data(), 6 * channels);
    stbi_write_bmp_to_func(sink, &bmp, 6, 5, channels, pixels.data());
    stbi_write_tga_to_func(sink, &tga, 6, 5, channels, pixels.data());
    stbi_write_jpg_to_func(sink, &jpg, 6, 5, channels, pixels.data(), 90);
    const std::string c = std::to_string(channels);
    write("image", "c" + c + ".png", png);
    write("image", "c" + c + ".bmp", bmp);
    write("image", "c" + c + ".tga", tga);
    write("image", "c" + c + ".jpg", jpg);
  }
  write("image", "gray.pgm", std::string("P5 2 2 255\n") + std::string("\x01\x02\x03\x04", 4));
  // A 1×1 GIF (stb_image_write cannot write GIFs): header, palette, graphic control, one LZW frame.
  const std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xff, 0xff,
                                    0xff, 0, 0, 0, '!', 0xf9, 4, 1, 0, 0, 0, 0, ',', 0, 0,
                                    0, 0, 1, 0, 1, 0, 0, 2, 2, 'D', 1, 0, ';'};
  write("image", "pixel.gif", gif.data(), gif.size());
}

void yaml_seeds(const fs::path& examples) {
  if (fs::is_directory(examples))
    for (const auto& entry : fs::directory_iterator(examples))
      if (entry.path().extension() == ".yaml")
        write("quantize_job", entry.path().filename().string(), read(entry.path()));
  write("quantize_job", "minimal.yaml",
        "model:\n  model: m.xml\n  output: q.xml\nengine:\n  dataset: folder\n  data_dir: d\n"
        "compression:\n  algorithm: AccuracyAwareQuantization\n  preset: mixed\n"
        "  subset_size: 10\n  max_drop: 0.01\n  ignored_scope:\n    names: [conv1]\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR [EXAMPLES_DIR]\n", argv[0]);
    return 2;
  }
  out = argv[1];
  model_seeds();
  data_seeds();
  yaml_seeds(argc > 2 ? fs::path(argv[2]) : fs::path());
  std::printf("seeds written under %s\n", out.c_str());
  return 0;
}
