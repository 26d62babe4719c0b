// `torchvino classify MODEL IMAGE|FOLDER...`: a thin command over torchvino::Classifier.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <thread>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/bind_option.hpp"
#include "cli/cmd_classify.hpp"
#include "torchvino/classifier.hpp"
#include "torchvino/error.hpp"
#include "torchvino/labels.hpp"
#include "torchvino/names.hpp"
#include "util/strings.hpp"
#include "util/worker_threads.hpp"

namespace torchvino::cli {

namespace fs = std::filesystem;

namespace {

struct ClassifyFlags {
  std::string model, labels;
  std::vector<std::string> inputs;
  int top = 5;
  RunSettings run = {.requests = 2};
  bool json = false;
  uint64_t max_image_pixels = InputLimits{}.max_image_pixels;
  uint64_t max_input_bytes = InputLimits{}.max_decompressed_bytes;
};

// A folder's image files, its sub-folders' included (a folder of class folders), sorted by path.
std::vector<fs::path> images_in(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && has_image_extension(it->path())) files.push_back(it->path());
  if (ec) throw Error(fmt::format("{}: cannot list the folder: {}", folder.string(), ec.message()));
  if (files.empty())
    throw Error(fmt::format("{}: no image files (*{}) in the folder or its sub-folders", folder.string(),
                            util::join(image_extensions(), ", *")));
  std::sort(files.begin(), files.end());
  return files;
}

struct Result {
  fs::path image;
  TopK top;
};

void print_text(const Result& r) {
  std::cout << r.image.string() << "\n";
  for (size_t i = 0; i < r.top.size(); ++i)
    std::cout << fmt::format("  {}. {:<20} {:.4f}  (class {})\n", i + 1, r.top[i].label, r.top[i].probability,
                             r.top[i].index);
  std::cout.flush();
}

nlohmann::json to_json(const Result& r) {
  nlohmann::json top = nlohmann::json::array();
  for (const auto& p : r.top) top.push_back({{"index", p.index}, {"label", p.label}, {"probability", p.probability}});
  return {{"image", r.image.string()}, {"top", top}};
}

// Opens the model; a label count that does not fit is the --labels file's problem.
std::unique_ptr<Classifier> open_classifier(const ClassifyFlags& f) {
  ClassifierOptions o;
  o.run = f.run;
  o.top_k = f.top;
  if (!f.labels.empty()) o.labels = read_class_names(f.labels);
  try {
    return std::make_unique<Classifier>(f.model, o);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (!f.labels.empty() && what.rfind("labels: ", 0) == 0)
      throw Error(fmt::format("--labels: {}: {}", f.labels, what.substr(8)));
    throw;
  }
}

// Classifier::classify(file) with the file read within `limits` (the classifier reads with the
// default ones); the image's own problem ("image: 2 channels...") is the file's.
TopK classify_file(Classifier& classifier, const fs::path& file, const InputLimits& limits) {
  const Image image = read_image(file, limits);
  try {
    return classifier.classify(view_of(image));
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.rfind("image: ", 0) == 0) throw Error(file.string() + ": " + what.substr(7), e.option());
    throw;
  }
}

// A folder as a stream: `decoders` images decoded ahead on their own threads, `requests` frames in
// flight, results in order. Progress (rate, time left) on stderr unless `quiet`.
void classify_folder(Classifier& classifier, const fs::path& folder, const InputLimits& limits, size_t decoders,
                     bool quiet, const std::function<void(Result)>& emit) {
  const auto files = images_in(folder);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_progress = start;
  auto stream = classifier.stream([&](uint64_t frame, const TopK& top) { emit({files[frame], top}); });
  std::deque<std::future<Image>> ahead;
  size_t queued = 0;
  const auto refill = [&] {
    while (ahead.size() < decoders && queued < files.size())
      ahead.push_back(std::async(std::launch::async, [&file = files[queued++], &limits] { return read_image(file, limits); }));
  };
  for (size_t i = 0; i < files.size(); ++i) {
    refill();
    const Image image = ahead.front().get();  // a decoding error names its file
    ahead.pop_front();
    refill();
    try {
      stream->submit(view_of(image));
    } catch (const Error& e) {
      const std::string what = e.what();
      // The frame's own problem ("frame: 2 channels...") is the file's.
      if (what.rfind("frame: ", 0) == 0) throw Error(files[i].string() + ": " + what.substr(7));
      throw;
    }
    const auto now = Clock::now();
    if (!quiet && (now - last_progress >= std::chrono::seconds(1) || i + 1 == files.size())) {
      const double seconds = std::chrono::duration<double>(now - start).count();
      const double rate = seconds > 0 ? double(i + 1) / seconds : 0.0;
      const auto left = rate > 0 ? static_cast<int64_t>(double(files.size() - i - 1) / rate) : int64_t{0};
      std::cerr << fmt::format("classify: {}/{} images of {} ({:.0f} images/s, ETA {}:{:02})\n", i + 1, files.size(),
                               folder.string(), rate, left / 60, left % 60);
      last_progress = now;
    }
  }
  stream->flush();
}

}  // namespace

void add_classify_command(CLI::App& app) {
  setup_classify(app.add_subcommand(
      "classify", "Top-k classes of image files or folders of images (OpenVINO IR or ONNX model, FP32 or INT8)"));
}

void setup_classify(CLI::App* cmd) {
  auto f = std::make_shared<ClassifyFlags>();
  cmd->add_option("model", f->model, "IR .xml or .onnx; labels and input size/normalisation come from its metadata")
      ->required();
  cmd->add_option("images", f->inputs, "Image files (JPEG or PNG) or folders of them")
      ->required();
  bind(cmd, opt::labels, f->labels);
  bind(cmd, opt::top, f->top);
  bind(cmd, opt::json_output, f->json);
  bind(cmd, opt::requests, f->run.requests);
  bind(cmd, opt::threads, f->run.threads);
  bind(cmd, opt::hint, f->run.hint);
  bind(cmd, opt::max_image_pixels, f->max_image_pixels);
  bind_converted<uint64_t>(cmd, opt::max_input_mb, [f](uint64_t mb) { f->max_input_bytes = mb << 20; });
  cmd->callback([f] {
    const InputLimits limits{.max_decompressed_bytes = f->max_input_bytes, .max_image_pixels = f->max_image_pixels};
    // Every input is checked before the model is compiled: a typo fails at once.
    for (const auto& input : f->inputs)
      if (!fs::exists(input)) throw Error(input + ": file or folder not found");
    auto classifier = open_classifier(*f);
    // Decoding spreads over the cores OpenVINO is given (all, by default).
    const auto decoders = static_cast<size_t>(util::worker_threads(f->run.threads));
    nlohmann::json results = nlohmann::json::array();
    const auto emit = [&](const Result& r) {
      if (f->json) results.push_back(to_json(r));
      else print_text(r);
    };
    for (const auto& input : f->inputs) {
      if (fs::is_directory(input)) classify_folder(*classifier, input, limits, decoders, f->json, emit);
      else emit({input, classify_file(*classifier, input, limits)});
    }
    if (f->json) std::cout << nlohmann::json{{"model", f->model}, {"results", results}}.dump(2) << "\n";
  });
}

}  // namespace torchvino::cli
