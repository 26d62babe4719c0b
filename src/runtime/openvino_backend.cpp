#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <openvino/openvino.hpp>

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
      : compiled_(compile_model(model, with_requests(std::move(run), requests))) {
    for (int i = 0; i < requests; ++i) requests_.push_back(compiled_.create_infer_request());
  }

  std::string name() const override { return "openvino"; }
  const ov::CompiledModel* compiled_model() const override { return &compiled_; }

  void run(const std::vector<torch::Tensor>& batches, const Sink& sink) override {
    if (requests_.size() == 1) return run_sync(batches, sink);
    run_async(batches, sink);
  }

 private:
  void run_sync(const std::vector<torch::Tensor>& batches, const Sink& sink) {
    auto& request = requests_.front();
    for (size_t i = 0; i < batches.size(); ++i) {
      const auto start = Clock::now();
      request.set_input_tensor(wrap(batches[i]));
      request.infer();
      const std::chrono::duration<double, std::milli> took = Clock::now() - start;
      sink(i, copy_out(request.get_output_tensor()), took.count());
    }
  }

  // N requests in flight; completions are handed back to this thread so the sink is never
  // called concurrently and output buffers are read before their request is reused.
  void run_async(const std::vector<torch::Tensor>& batches, const Sink& sink) {
    struct Done {
      size_t request;
      std::exception_ptr error;
    };
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Done> done;
    std::vector<size_t> batch_of(requests_.size());
    std::vector<Clock::time_point> started(requests_.size());
    std::vector<double> latency(requests_.size());
    std::deque<size_t> idle;
    for (size_t r = 0; r < requests_.size(); ++r) {
      idle.push_back(r);
      requests_[r].set_callback([&, r](std::exception_ptr error) {
        const std::chrono::duration<double, std::milli> took = Clock::now() - started[r];
        std::lock_guard lock(mutex);
        latency[r] = took.count();
        done.push_back({r, error});
        cv.notify_one();
      });
    }
    size_t in_flight = 0;
    std::exception_ptr failure;
    auto collect_one = [&] {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return !done.empty(); });
      Done d = done.front();
      done.pop_front();
      const double took = latency[d.request];
      lock.unlock();
      --in_flight;
      if (d.error) {
        if (!failure) failure = d.error;
      } else if (!failure) {
        // A throwing sink must not unwind past requests still in flight: their callbacks use
        // this frame's locals. Keep the error, drain, then rethrow.
        try {
          sink(batch_of[d.request], copy_out(requests_[d.request].get_output_tensor()), took);
        } catch (...) {
          failure = std::current_exception();
        }
      }
      idle.push_back(d.request);
    };
    for (size_t i = 0; i < batches.size() && !failure; ++i) {
      if (idle.empty()) collect_one();
      if (failure) break;
      const size_t r = idle.front();
      try {
        requests_[r].set_input_tensor(wrap(batches[i]));
        batch_of[r] = i;
        started[r] = Clock::now();
        requests_[r].start_async();
      } catch (...) {
        failure = std::current_exception();
        break;
      }
      idle.pop_front();
      ++in_flight;
    }
    while (in_flight > 0) collect_one();
    for (auto& request : requests_) request.set_callback([](std::exception_ptr) {});
    if (failure) std::rethrow_exception(failure);
  }

  ov::CompiledModel compiled_;
  std::vector<ov::InferRequest> requests_;
};

}  // namespace

std::unique_ptr<Backend> make_openvino_backend(const std::shared_ptr<ov::Model>& model,
                                               const RuntimeContext& runtime, int requests) {
  // compile_model takes 0 ("the plugin's choice"); a backend must know how many to create.
  if (requests < 1) throw Error("make_openvino_backend: requests must be at least 1, got " + std::to_string(requests));
  return std::make_unique<OpenVINOBackend>(model, runtime, requests);
}

}  // namespace torchvino
