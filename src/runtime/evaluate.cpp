#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino {

namespace {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double pos = q * double(values.size() - 1);
  const size_t lo = size_t(pos);
  const size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (pos - double(lo)) * (values[hi] - values[lo]);
}

}  // namespace

EvalResult evaluate(Backend& backend, const Dataset& data, const EvalOptions& options) {
  if (options.batch_size < 1) throw Error("evaluate: batch_size must be at least 1");
  const int64_t n = options.limit > 0 ? std::min(options.limit, data.size()) : data.size();
  if (n == 0) throw Error("nothing to evaluate: the dataset is empty");

  std::vector<torch::Tensor> batches;
  for (int64_t start = 0; start < n; start += options.batch_size)
    batches.push_back(data.images.slice(0, start, std::min(n, start + options.batch_size)).contiguous());

  EvalResult result;
  result.backend = backend.name();
  result.images = n;
  result.batch_size = options.batch_size;

  // Warm-up: first inferences pay for kernel selection and memory allocation.
  const int64_t warmup = std::min<int64_t>(options.warmup_batches, int64_t(batches.size()));
  if (warmup > 0) {
    const std::vector<torch::Tensor> head(batches.begin(), batches.begin() + warmup);
    const auto start = std::chrono::steady_clock::now();
    backend.run(head, [](size_t, const torch::Tensor&, double) {});
    result.warmup_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  torch::Tensor logits;
  std::vector<double> latencies(batches.size(), 0.0);
  int64_t done_images = 0;
  const auto start = std::chrono::steady_clock::now();
  backend.run(batches, [&](size_t i, const torch::Tensor& out, double latency_ms) {
    if (out.dim() != 2 || out.size(0) != batches[i].size(0))
      throw Error(backend.name() + ": model output has shape " + c10::str(out.sizes()) +
                  ", expected [" + std::to_string(batches[i].size(0)) + ", classes]");
    if (!logits.defined()) logits = torch::empty({n, out.size(1)}, torch::kFloat);
    const int64_t offset = int64_t(i) * options.batch_size;
    logits.slice(0, offset, offset + out.size(0)).copy_(out);
    latencies[i] = latency_ms;
    done_images += out.size(0);
    if (options.on_progress) options.on_progress(done_images, n);
  });
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  auto labels = data.labels.slice(0, 0, n);
  if (labels.max().item<int64_t>() >= logits.size(1))
    throw Error("labels go up to " + std::to_string(labels.max().item<int64_t>()) +
                " but the model has only " + std::to_string(logits.size(1)) + " outputs");
  result.accuracy = logits.argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
  const int64_t k = std::min<int64_t>(5, logits.size(1));
  auto topk = std::get<1>(logits.topk(k, 1));
  result.top5 = topk.eq(labels.unsqueeze(1)).any(1).to(torch::kDouble).mean().item<double>();
  result.loss = torch::nn::functional::cross_entropy(logits.to(torch::kDouble), labels).item<double>();
  result.throughput = double(n) / result.seconds;
  double sum = 0;
  for (double l : latencies) sum += l;
  result.latency_mean_ms = sum / double(latencies.size());
  result.latency_median_ms = percentile(latencies, 0.5);
  result.latency_p90_ms = percentile(latencies, 0.9);
  result.logits = logits;
  return result;
}

}  // namespace torchvino
