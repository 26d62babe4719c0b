// Decoding alone: how many images per second torchvino's dataset stream prepares from a folder of
// class folders (JPEG/PNG decode, ImageNet resize and centre crop, normalisation), with no model.
// What bench/scale.sh runs at --threads 1 and 2 to show that decoding uses every core.
//   torchvino_bench_decode FOLDER [THREADS] [BATCH] [SIZE]
// prints one line: "decode images=N threads=T batch=B seconds=S images_per_s=R".
#include <chrono>
#include <cstdio>
#include <string>

#include "torchvino/data_source.hpp"
#include "torchvino/error.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FOLDER [THREADS] [BATCH] [SIZE]\n", argv[0]);
    return 2;
  }
  try {
    const int threads = argc > 2 ? std::stoi(argv[2]) : 0;
    const int64_t batch = argc > 3 ? std::stoll(argv[3]) : 32;
    const int64_t size = argc > 4 ? std::stoll(argv[4]) : 224;
    const auto source = torchvino::open_image_folder(argv[1], torchvino::Preprocessing::imagenet(size));
    const auto start = std::chrono::steady_clock::now();
    torchvino::BatchStream stream(source, {.batch_size = batch, .threads = threads});
    int64_t images = 0;
    while (auto b = stream.next()) images += b->images.size(0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("decode images=%lld threads=%d batch=%lld seconds=%.3f images_per_s=%.1f\n",
                static_cast<long long>(images), threads, static_cast<long long>(batch), seconds, images / seconds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torchvino_bench_decode: %s\n", e.what());
    return 1;
  }
  return 0;
}
