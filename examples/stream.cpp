// A camera-rate loop over a folder of frames: N infer requests in flight, results in order;
// prints frames/s and the latency percentiles (submit → result).
//   stream MODEL.xml FOLDER [REQUESTS=2] [REPEAT=10] [THREADS=0]
#include <torchvino/classifier.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: stream MODEL.xml FOLDER [REQUESTS=2] [REPEAT=10] [THREADS=0]\n");
    return 2;
  }
  const int requests = argc > 3 ? std::stoi(argv[3]) : 2;
  const int repeat = argc > 4 ? std::stoi(argv[4]) : 10;
  const int threads = argc > 5 ? std::stoi(argv[5]) : 0;
  try {
    // Frames are decoded up front, as a camera would deliver them: the loop measures inference.
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(argv[2]))
      if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<torchvino::Image> frames;
    for (const auto& file : files) frames.push_back(torchvino::read_image(file));
    if (frames.empty()) throw torchvino::Error(std::string(argv[2]) + ": no frames");

    torchvino::Classifier classifier(argv[1], {.top_k = 1, .run = {.threads = threads, .requests = requests}});
    const size_t total = frames.size() * static_cast<size_t>(repeat);
    std::vector<Clock::time_point> submitted(total);
    std::vector<double> latency_ms(total);
    std::mutex mutex;
    auto stream = classifier.stream([&](uint64_t frame, const torchvino::TopK&) {
      std::lock_guard lock(mutex);
      latency_ms[frame] = std::chrono::duration<double, std::milli>(Clock::now() - submitted[frame]).count();
    });
    const auto start = Clock::now();
    for (size_t i = 0; i < total; ++i) {
      {
        std::lock_guard lock(mutex);
        submitted[i] = Clock::now();
      }
      stream->submit(torchvino::view_of(frames[i % frames.size()]));
    }
    stream->flush();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    std::sort(latency_ms.begin(), latency_ms.end());
    const auto pct = [&](double p) { return latency_ms[std::min(total - 1, size_t(p / 100.0 * double(total)))]; };
    std::printf("frames %zu  requests %d  %.1f frames/s\n", total, requests, double(total) / seconds);
    std::printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", pct(50), pct(90), pct(99), latency_ms.back());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream: %s\n", e.what());
    return 1;
  }
}
