#include <chrono>
#include <deque>
#include <exception>
#include <mutex>
#include <openvino/openvino.hpp>

#include "util/serial_libtorch.hpp"

#include "runtime/infer_request_pool.hpp"
#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino {

namespace {

using Clock = std::chrono::steady_clock;

ov::Tensor wrap(const torch::Tensor& batch) {
  if (batch.scalar_type() != torch::kFloat || !batch.is_contiguous())
    throw Error("OpenVINO backend: input batches must be contiguous float32");
  std::vector<size_t> shape(batch.sizes().begin(), batch.sizes().end());
  return ov::Tensor(ov::element::f32, ov::Shape(shape), batch.data_ptr<float>());
}

torch::Tensor copy_out(const ov::Tensor& out) {
  const ov::Shape dims = out.get_shape();
  const std::vector<int64_t> shape(dims.begin(), dims.end());
  return torch::from_blob(const_cast<float*>(out.data<const float>()), shape, torch::kFloat).clone();
}

RunSettings with_requests(RunSettings run, int requests) {
  run.requests = requests;
  return run;
}

class OpenVINOBackend final : public Backend {
 public:
  OpenVINOBackend(const std::shared_ptr<ov::Model>& model, RunSettings run, int requests)
      : compiled_(compile_model(model, with_requests(std::move(run), requests))),
        pool_(compiled_, static_cast<size_t>(requests)) {}

  std::string name() const override { return "openvino"; }
  const ov::CompiledModel* compiled_model() const override { return &compiled_; }

  void stream(const Feed& next, const Sink& sink) override {
    // OpenVINO's threads compute; LibTorch's pool stays asleep (the sink's tensor work is small).
    util::SerialLibTorch serial;
    if (pool_.size() == 1) return run_sync(next, sink);
    run_async(next, sink);
  }

 private:
  void run_sync(const Feed& next, const Sink& sink) {
    auto& request = pool_[0];
    for (size_t i = 0;; ++i) {
      const torch::Tensor batch = next();
      if (!batch.defined()) return;
      const auto start = Clock::now();
      request.set_input_tensor(wrap(batch));
      request.infer();
      const std::chrono::duration<double, std::milli> took = Clock::now() - start;
      sink(i, copy_out(request.get_output_tensor()), took.count());
    }
  }

  // N requests in flight. A completion copies its logits out (the request is then free for the
  // next batch) and queues them; this thread hands them to the sink, so the sink is never called
  // concurrently.
  void run_async(const Feed& next, const Sink& sink) {
    struct Done {
      size_t batch;
      torch::Tensor logits;
      double latency_ms;
    };
    std::mutex mutex;
    std::deque<Done> done;
    std::vector<size_t> batch_of(pool_.size());
    std::vector<torch::Tensor> input_of(pool_.size());  // a request's input lives until it is done
    std::vector<Clock::time_point> started(pool_.size());
    pool_.on_done([&](size_t r, std::exception_ptr error) {
      const std::chrono::duration<double, std::milli> took = Clock::now() - started[r];
      if (error) std::rethrow_exception(error);
      Done d{batch_of[r], copy_out(pool_[r].get_output_tensor()), took.count()};
      std::lock_guard lock(mutex);
      done.push_back(std::move(d));
    });
    auto deliver = [&] {
      std::deque<Done> ready;
      {
        std::lock_guard lock(mutex);
        ready.swap(done);
      }
      for (auto& d : ready) sink(d.batch, d.logits, d.latency_ms);
    };
    // A throwing sink (or a request that cannot start) must not unwind past requests still in
    // flight: their handler uses this frame's locals.
    try {
      for (size_t i = 0;; ++i) {
        // Read before a request is taken: a source's failure leaves nothing acquired.
        torch::Tensor batch = next();
        if (!batch.defined()) break;
        const size_t r = pool_.acquire();  // rethrows an inference failure, nothing in flight
        try {
          input_of[r] = std::move(batch);
          pool_[r].set_input_tensor(wrap(input_of[r]));
        } catch (...) {
          pool_.release(r);
          throw;
        }
        batch_of[r] = i;
        started[r] = Clock::now();
        pool_.start(r);
        deliver();
      }
      pool_.wait_all();
      deliver();
    } catch (...) {
      pool_.settle();
      pool_.on_done(nullptr);
      throw;
    }
    pool_.on_done(nullptr);
  }

  ov::CompiledModel compiled_;
  InferRequestPool pool_;
};

}  // namespace

std::unique_ptr<Backend> make_openvino_backend(const std::shared_ptr<ov::Model>& model,
                                               const RuntimeContext& runtime, int requests) {
  // compile_model takes 0 ("the plugin's choice"); a backend must know how many to create.
  if (requests < 1) throw Error("make_openvino_backend: requests must be at least 1, got " + std::to_string(requests));
  return std::make_unique<OpenVINOBackend>(model, runtime, requests);
}

}  // namespace torchvino
