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

void Backend::run(const std::vector<torch::Tensor>& batches, const Sink& sink) {
  size_t next = 0;
  stream([&] { return next < batches.size() ? batches[next++] : torch::Tensor(); }, sink);
}

EvalResult evaluate(Backend& backend, const Dataset& data, const EvalOptions& options) {
  return evaluate(backend, memory_source(data), options);
}

EvalResult evaluate(Backend& backend, const std::shared_ptr<const DataSource>& data, const EvalOptions& options) {
  if (options.batch_size < 1) throw Error("evaluate: batch_size must be at least 1");
  BatchStream stream(data, {.batch_size = options.batch_size, .limit = options.limit, .threads = options.threads});
  const int64_t n = stream.items();
  if (n == 0) throw Error("nothing to evaluate: the dataset is empty");

  EvalResult result;
  result.backend = backend.name();
  result.images = n;
  result.batch_size = options.batch_size;

  torch::Tensor logits;
  std::vector<torch::Tensor> labels_of;  // per batch until its logits arrive (they may come out of order)
  int64_t done_images = 0, top1 = 0, top5 = 0;
  double loss_sum = 0;
  // Every batch's logits count, the warm-up's too: each image is inferred once.
  const auto account = [&](size_t i, const torch::Tensor& out) {
    const torch::Tensor& labels = labels_of.at(i);
    if (out.dim() != 2 || out.size(0) != labels.size(0))
      throw Error(backend.name() + ": model output has shape " + c10::str(out.sizes()) + ", expected [" +
                  std::to_string(labels.size(0)) + ", classes]");
    const int64_t top_label = labels.max().item<int64_t>();
    if (top_label >= out.size(1))
      throw Error("labels go up to " + std::to_string(top_label) + " but the model has only " +
                  std::to_string(out.size(1)) + " outputs");
    top1 += out.argmax(1).eq(labels).sum().item<int64_t>();
    const int64_t k = std::min<int64_t>(5, out.size(1));
    top5 += std::get<1>(out.topk(k, 1)).eq(labels.unsqueeze(1)).any(1).sum().item<int64_t>();
    loss_sum += torch::nn::functional::cross_entropy(out.to(torch::kDouble), labels,
                                                     torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    if (options.keep_logits) {
      if (!logits.defined()) logits = torch::empty({n, out.size(1)}, torch::kFloat);
      logits.narrow(0, int64_t(i) * options.batch_size, out.size(0)).copy_(out);
    }
    done_images += out.size(0);
    if (options.on_progress) options.on_progress(done_images, n);
  };
  const auto feed_from_stream = [&]() -> torch::Tensor {
    auto b = stream.next();
    if (!b) return {};
    labels_of.push_back(b->labels);
    return b->images;
  };

  // Warm-up: the first inferences pay for kernel selection and memory allocation, so the first
  // batches run apart and untimed, leaving at least one batch to time.
  const int64_t warmup = std::clamp<int64_t>(options.warmup_batches, 0, stream.batches() - 1);
  if (warmup > 0) {
    int64_t fed = 0;
    const auto start = std::chrono::steady_clock::now();
    backend.stream([&] { return fed++ < warmup ? feed_from_stream() : torch::Tensor(); },
                   [&](size_t i, const torch::Tensor& out, double) { account(i, out); });
    result.warmup_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  std::vector<double> latencies;
  const int64_t warm_images = done_images;
  const auto start = std::chrono::steady_clock::now();
  backend.stream(feed_from_stream, [&](size_t i, const torch::Tensor& out, double latency_ms) {
    account(size_t(warmup) + i, out);
    if (latencies.size() <= i) latencies.resize(i + 1, 0.0);
    latencies[i] = latency_ms;
  });
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (done_images != n)
    throw Error(backend.name() + ": returned logits for " + std::to_string(done_images) + " of " + std::to_string(n) +
                " images");

  result.accuracy = double(top1) / double(n);
  result.top5 = double(top5) / double(n);
  result.loss = loss_sum / double(n);
  result.throughput = double(n - warm_images) / result.seconds;
  double sum = 0;
  for (double l : latencies) sum += l;
  result.latency_mean_ms = sum / double(latencies.size());
  result.latency_median_ms = percentile(latencies, 0.5);
  result.latency_p90_ms = percentile(latencies, 0.9);
  result.logits = logits;
  return result;
}

}  // namespace torchvino
