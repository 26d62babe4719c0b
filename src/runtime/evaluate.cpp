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

  // Warm-up: first inferences pay for kernel selection and memory allocation. Its batches are the
  // first ones of the measured run too.
  std::vector<Batch> head;
  while (int64_t(head.size()) < options.warmup_batches) {
    auto b = stream.next();
    if (!b) break;
    head.push_back(std::move(*b));
  }
  if (!head.empty()) {
    std::vector<torch::Tensor> images;
    for (const auto& b : head) images.push_back(b.images);
    const auto start = std::chrono::steady_clock::now();
    backend.run(images, [](size_t, const torch::Tensor&, double) {});
    result.warmup_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // Per batch, kept until its logits arrive (completions may come out of order): labels only.
  std::vector<torch::Tensor> labels_of;
  size_t fed = 0;
  const Backend::Feed feed = [&]() -> torch::Tensor {
    std::optional<Batch> b;
    if (fed < head.size()) {
      b = std::move(head[fed]);
    } else {
      b = stream.next();
    }
    ++fed;
    if (!b) return {};
    labels_of.push_back(b->labels);
    return b->images;
  };

  torch::Tensor logits;
  std::vector<double> latencies;
  int64_t done_images = 0, top1 = 0, top5 = 0;
  double loss_sum = 0;
  const auto start = std::chrono::steady_clock::now();
  backend.stream(feed, [&](size_t i, const torch::Tensor& out, double latency_ms) {
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
    if (latencies.size() <= i) latencies.resize(i + 1, 0.0);
    latencies[i] = latency_ms;
    done_images += out.size(0);
    if (options.on_progress) options.on_progress(done_images, n);
  });
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (done_images != n)
    throw Error(backend.name() + ": returned logits for " + std::to_string(done_images) + " of " + std::to_string(n) +
                " images");

  result.accuracy = double(top1) / double(n);
  result.top5 = double(top5) / double(n);
  result.loss = loss_sum / double(n);
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
