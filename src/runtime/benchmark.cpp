// Timing of every mode × batch of a model on random inputs, the way OpenVINO's benchmark_app
// times: warm-up excluded, synchronous inference for one request, N asynchronous requests kept
// in flight otherwise, images/s over the wall time of the timed inferences.
#include "torchvino/benchmark.hpp"

#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <openvino/openvino.hpp>
#include <random>

#include "runtime/infer_request_pool.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/models.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// What was timed: one latency per inference (ms) and the wall time of them all.
struct Timed {
  std::vector<double> latencies;
  double seconds = 0;
};

// Stop after `iterations` inferences when > 0, else once `seconds` have passed.
struct Budget {
  double seconds = 0;
  int64_t iterations = 0;
  bool more(int64_t done, Clock::time_point start) const {
    return iterations > 0 ? done < iterations : since(start) < seconds;
  }
};

template <class Infer>
Timed time_sync(const Infer& infer, const Budget& budget) {
  Timed t;
  const auto start = Clock::now();
  do {
    const auto s = Clock::now();
    infer();
    t.latencies.push_back(1000 * since(s));
  } while (budget.more(int64_t(t.latencies.size()), start));
  t.seconds = since(start);
  return t;
}

// Every request of `pool` in flight; this thread restarts each as soon as it completes, until
// the budget is spent, then waits for the ones still running. A latency runs from the request's
// start to its completion callback.
Timed time_async(InferRequestPool& pool, const Budget& budget) {
  std::vector<Clock::time_point> started(pool.size());
  // One list per request: a request's completions never overlap, so recording needs no lock.
  std::vector<std::vector<double>> latencies(pool.size());
  pool.on_done([&](size_t r, std::exception_ptr error) {
    latencies[r].push_back(std::chrono::duration<double, std::milli>(Clock::now() - started[r]).count());
    if (error) std::rethrow_exception(error);
  });
  Timed t;
  const auto start = Clock::now();
  int64_t launched = 0;
  try {
    while (true) {
      const size_t r = pool.acquire();
      if (!budget.more(launched, start)) {
        pool.release(r);
        break;
      }
      started[r] = Clock::now();
      ++launched;
      pool.start(r);
    }
    pool.wait_all();
  } catch (...) {
    pool.settle();
    pool.on_done(nullptr);
    throw;
  }
  t.seconds = since(start);
  pool.on_done(nullptr);
  for (const auto& l : latencies) t.latencies.insert(t.latencies.end(), l.begin(), l.end());
  return t;
}

void fill_random(ov::Tensor& tensor, std::mt19937& rng) {
  if (tensor.get_element_type() == ov::element::f32) {
    std::normal_distribution<float> normal;
    float* data = tensor.data<float>();
    for (size_t i = 0; i < tensor.get_size(); ++i) data[i] = normal(rng);
  } else if (tensor.get_element_type().is_integral()) {
    auto* bytes = static_cast<uint8_t*>(tensor.data());
    std::uniform_int_distribution<int> byte(0, 255);
    for (size_t i = 0; i < tensor.get_byte_size(); ++i) bytes[i] = uint8_t(byte(rng));
  } else {
    std::memset(tensor.data(), 0, tensor.get_byte_size());  // f16/bf16 inputs: zeros time the same
  }
}

bool is_quantized(const ov::Model& model) {
  for (const auto& op : model.get_ops())
    if (std::string(op->get_type_name()) == "FakeQuantize") return true;
  return false;
}

// One model file, loaded once for every cell.
struct Source {
  fs::path file;
  std::optional<Model> torch_model;  // checkpoints only
  std::shared_ptr<ov::Model> model;  // converted in memory from a checkpoint, or read
  bool quantized = false;
};

Source load_source(const fs::path& file) {
  Source s;
  s.file = file;
  if (file.extension() == ".pt") {
    s.torch_model = load_checkpoint(file);
    s.model = to_openvino(*s.torch_model);
  } else {
    s.model = read_model_file(file);
  }
  s.quantized = is_quantized(*s.model);
  return s;
}

std::vector<Mode> modes_for(const Source& s, const BenchSettings& settings) {
  if (!settings.modes.empty()) return settings.modes;
  if (s.quantized) return {Mode::INT8};
  std::vector<Mode> modes;
  if (s.torch_model) modes.push_back(Mode::PyTorch);
  modes.push_back(Mode::FP32);
  if (cpu_has_bf16(settings.run)) modes.push_back(Mode::BF16);
  return modes;
}

void check_mode(const Source& s, Mode mode, const RunSettings& run) {
  const std::string name = s.file.string();
  if (mode == Mode::PyTorch && !s.torch_model)
    throw Error(name + ": mode pytorch needs a torchvino checkpoint (.pt), not an IR or ONNX file");
  if (mode == Mode::INT8 && !s.quantized)
    throw Error(name + ": mode int8 needs a quantized model (it has no FakeQuantize): quantize it with "
                       "`torchvino quantize` and bench the INT8 IR");
  if (mode != Mode::INT8 && s.quantized)
    throw Error(name + ": is quantized (INT8); its mode is int8 (modes), not " + to_string(mode));
  if (mode == Mode::BF16) (void)runtime_for(mode, run);  // refuses on CPUs without bf16
}

// A copy of `model` with batch `batch` on every input (the other dimensions must be static).
std::shared_ptr<ov::Model> with_batch(const std::shared_ptr<ov::Model>& model, int64_t batch) {
  auto copy = model->clone();
  std::map<ov::Output<ov::Node>, ov::PartialShape> shapes;
  for (const auto& input : copy->inputs()) {
    ov::PartialShape shape = input.get_partial_shape();
    if (shape.rank().is_dynamic() || shape.size() == 0)
      throw Error("cannot set the batch of input " + input.get_node()->get_friendly_name() + ": its shape " + shape.to_string() +
                  " has no batch dimension");
    shape[0] = batch;
    if (shape.is_dynamic())
      throw Error("input " + input.get_node()->get_friendly_name() + " has dynamic dimensions besides the batch: " + shape.to_string());
    shapes[input] = shape;
  }
  copy->reshape(shapes);
  return copy;
}

// FP16 weights the way `convert --precision fp16` stores them: saved compressed and read back.
std::shared_ptr<ov::Model> with_fp16_weights(const std::shared_ptr<ov::Model>& model) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("torchvino-bench-{}", getpid());
  fs::create_directories(dir);
  try {
    save_ir(model, dir / "model.xml", Precision::FP16);
    auto compressed = read_model_file(dir / "model.xml");
    fs::remove_all(dir);
    return compressed;
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
}

Timed bench_openvino(const std::shared_ptr<ov::Model>& model, RunSettings run, const BenchSettings& settings,
                     BenchResult& r) {
  const int asked = run.requests == 0 && settings.hint() == PerformanceHint::Latency ? 1 : run.requests;
  run.requests = asked;
  ov::CompiledModel compiled = compile_model(model, run);
  r.requests = asked > 0 ? asked : int(compiled.get_property(ov::optimal_number_of_infer_requests));
  r.streams = compiled.get_property(ov::num_streams).num;
  r.threads = compiled.get_property(ov::inference_num_threads);
  r.inference_precision = compiled.get_property(ov::hint::inference_precision).get_type_name();
  std::mt19937 rng(42);
  InferRequestPool pool(compiled, static_cast<size_t>(r.requests));
  for (size_t i = 0; i < pool.size(); ++i) {
    for (const auto& input : compiled.inputs()) {
      ov::Tensor tensor(input.get_element_type(), input.get_shape());
      fill_random(tensor, rng);
      pool[i].set_tensor(input, tensor);
    }
  }
  const Budget warmup{settings.warmup_seconds, 0};
  const Budget timed{settings.seconds, settings.iterations};
  if (r.requests == 1) {
    auto& request = pool[0];
    time_sync([&] { request.infer(); }, warmup);
    return time_sync([&] { request.infer(); }, timed);
  }
  time_async(pool, warmup);
  return time_async(pool, timed);
}

Timed bench_libtorch(Model& model, int64_t batch, const BenchSettings& settings, BenchResult& r) {
  model.module().eval();
  c10::InferenceMode inference;
  torch::manual_seed(42);
  const auto input = torch::randn({batch, model.spec.in_channels, model.spec.image_size, model.spec.image_size});
  r.requests = 1;
  r.streams = 0;
  r.threads = torch::get_num_threads();
  r.inference_precision = "f32";
  time_sync([&] { model.forward(input); }, Budget{settings.warmup_seconds, 0});
  return time_sync([&] { model.forward(input); }, Budget{settings.seconds, settings.iterations});
}

}  // namespace

LatencyStats latency_stats(std::vector<double> samples) {
  if (samples.empty()) throw Error("latency statistics of no samples");
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  auto rank = [&](double q) { return samples[std::min(n - 1, size_t(std::max(1.0, std::ceil(q * double(n)))) - 1)]; };
  LatencyStats s;
  s.min = samples.front();
  s.max = samples.back();
  s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / double(n);
  s.p90 = rank(0.90);
  s.p99 = rank(0.99);
  return s;
}

void check(const BenchSettings& s) {
  for (size_t i = 0; i < s.modes.size(); ++i)
    if (std::count(s.modes.begin(), s.modes.end(), s.modes[i]) > 1)
      throw Error("bench: mode " + to_string(s.modes[i]) + " is given twice");
  if (s.batches.empty()) throw Error("bench: batches must name at least one batch size");
  for (const auto b : s.batches)
    if (b < 1) throw Error("bench: batch sizes must be at least 1, got " + std::to_string(b));
  const RunSettings& run = s.run;
  if (run.requests < 0) throw Error("bench: requests must be at least 1 (or auto), got " + std::to_string(run.requests));
  if (run.streams && *run.streams < 1) throw Error("bench: streams must be at least 1 (or auto), got " + std::to_string(*run.streams));
  if (run.threads < 0) throw Error("bench: threads must not be negative, got " + std::to_string(run.threads));
  if (s.iterations < 0) throw Error("bench: iterations must not be negative");
  if (s.iterations == 0 && !(s.seconds > 0)) throw Error("bench: time must be positive");
  if (!(s.warmup_seconds >= 0)) throw Error("bench: warm-up time must not be negative");
}

std::vector<BenchResult> run_bench(const std::vector<fs::path>& files, const BenchSettings& settings,
                                   const MachineInfo& machine, double clock_ghz,
                                   const std::function<void(const std::string&)>& log) {
  check(settings);
  // Every file read and every mode checked before anything is timed.
  std::vector<Source> sources;
  std::vector<std::vector<Mode>> modes;
  for (const auto& file : files) {
    sources.push_back(load_source(file));
    modes.push_back(modes_for(sources.back(), settings));
    for (const Mode mode : modes.back()) check_mode(sources.back(), mode, settings.run);
  }
  RunSettings base = settings.run;
  base.hint = settings.hint();
  const int cores = cores_in_use(settings.run, machine);
  std::vector<BenchResult> results;
  for (size_t i = 0; i < sources.size(); ++i) {
    auto& source = sources[i];
    for (const Mode mode : modes[i]) {
      // FP16 weights are made once per model, not per batch.
      const auto model = mode == Mode::FP16 ? with_fp16_weights(source.model) : source.model;
      for (const int64_t batch : settings.batches) {
        BenchResult r;
        r.model = source.file.string();
        r.mode = mode;
        r.batch = batch;
        r.hint = settings.hint();
        const auto shaped = with_batch(model, batch);
        r.macs_per_image = count_macs(*shaped) / double(batch);
        if (log) log(fmt::format("bench: {} {} batch {}", r.model, to_string(mode), batch));
        const Timed t = mode == Mode::PyTorch ? bench_libtorch(*source.torch_model, batch, settings, r)
                                              : bench_openvino(shaped, runtime_for(mode, base), settings, r);
        r.iterations = int64_t(t.latencies.size());
        r.seconds = t.seconds;
        r.throughput = double(r.iterations * batch) / t.seconds;
        r.latency = latency_stats(t.latencies);
        r.gops = 2 * r.macs_per_image * r.throughput / 1e9;
        const CorePeak peak = core_peak(machine, compute_precision(mode));
        r.peak_gops = peak_gops(peak, cores, clock_ghz);
        r.peak_share = r.peak_gops > 0 ? r.gops / r.peak_gops : 0;
        r.peak_basis = fmt::format("{} cores × {:.2f} GHz × {} MAC/cycle ({})", cores, clock_ghz,
                                   peak.macs_per_cycle, peak.basis);
        results.push_back(r);
      }
    }
  }
  return results;
}

}  // namespace torchvino
