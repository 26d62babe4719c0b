#pragma once
// N infer requests of one compiled model, run asynchronously: what the OpenVINO backend, bench
// and Classifier::Stream keep in flight. A caller acquires a free request (waiting while all are
// busy: back-pressure), sets its inputs and starts it; its completion runs the `on_done` handler
// on an OpenVINO thread, after which the request is free again.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <openvino/runtime/compiled_model.hpp>
#include <openvino/runtime/infer_request.hpp>
#include <vector>

namespace torchvino {

class InferRequestPool {
 public:
  // Request `r` completed; `error`: its failure, or null. Never called twice at once for one
  // request, but different requests' calls may overlap. An exception it throws (rethrowing
  // `error` included) becomes the pool's failure.
  using OnDone = std::function<void(size_t r, std::exception_ptr error)>;

  // The pool's address is in every request's callback: it is never moved or copied.
  InferRequestPool(ov::CompiledModel compiled, size_t requests);
  // Waits for every request in flight (their handler may use what the pool's owner holds).
  ~InferRequestPool();
  InferRequestPool(const InferRequestPool&) = delete;
  InferRequestPool& operator=(const InferRequestPool&) = delete;

  size_t size() const { return requests_.size(); }
  ov::InferRequest& operator[](size_t r) { return requests_[r]; }

  // Only while no request is in flight.
  void on_done(OnDone handler) { on_done_ = std::move(handler); }

  // A free request, once there is one. After a failure: waits for the requests still in flight,
  // then rethrows the first failure (once), so nothing runs when it throws.
  size_t acquire();
  // Starts an acquired request. If it cannot start, it is free again and the error propagates
  // (requests started before it still run: see settle()).
  void start(size_t r);
  // Gives back an acquired request that was not started.
  void release(size_t r);
  // Records `error` as the failure acquire() and wait_all() rethrow, unless there is one already.
  void fail(std::exception_ptr error);
  // Waits until no request is acquired or in flight; then rethrows the first failure (once).
  void wait_all();
  // wait_all() for unwinding: never throws, and drops the failure.
  void settle() noexcept;

 private:
  void completed(size_t r, std::exception_ptr error);
  void wait_idle(std::unique_lock<std::mutex>& lock);

  std::vector<ov::InferRequest> requests_;
  OnDone on_done_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<size_t> free_;
  size_t busy_ = 0;  // acquired, started or not
  std::exception_ptr failure_;
};

}  // namespace torchvino
