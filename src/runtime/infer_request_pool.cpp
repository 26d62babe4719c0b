#include "runtime/infer_request_pool.hpp"

#include <utility>

namespace torchvino {

InferRequestPool::InferRequestPool(ov::CompiledModel compiled, size_t requests) {
  for (size_t r = 0; r < requests; ++r) {
    requests_.push_back(compiled.create_infer_request());
    free_.push_back(r);
  }
  for (size_t r = 0; r < requests; ++r)
    requests_[r].set_callback([this, r](std::exception_ptr error) { completed(r, error); });
}

InferRequestPool::~InferRequestPool() {
  settle();
  // A completion callback may still be returning into OpenVINO after freeing its request: wait
  // for each request's end before the requests and the pool go.
  for (auto& request : requests_) {
    try {
      request.wait();
    } catch (...) {  // its error went to the handler
    }
    request.set_callback([](std::exception_ptr) {});
  }
}

void InferRequestPool::completed(size_t r, std::exception_ptr error) {
  std::exception_ptr failed;
  try {
    if (on_done_) on_done_(r, error);
    else failed = error;
  } catch (...) {
    failed = std::current_exception();
  }
  std::lock_guard lock(mutex_);
  if (failed && !failure_) failure_ = failed;
  free_.push_back(r);
  --busy_;
  changed_.notify_all();
}

void InferRequestPool::wait_idle(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [&] { return busy_ == 0; });
}

size_t InferRequestPool::acquire() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || !free_.empty(); });
  if (failure_) {
    wait_idle(lock);
    std::rethrow_exception(std::exchange(failure_, nullptr));
  }
  const size_t r = free_.front();
  free_.pop_front();
  ++busy_;
  return r;
}

void InferRequestPool::start(size_t r) {
  try {
    requests_[r].start_async();
  } catch (...) {
    release(r);
    throw;
  }
}

void InferRequestPool::release(size_t r) {
  std::lock_guard lock(mutex_);
  free_.push_back(r);
  --busy_;
  changed_.notify_all();
}

void InferRequestPool::fail(std::exception_ptr error) {
  std::lock_guard lock(mutex_);
  if (!failure_) failure_ = error;
  changed_.notify_all();
}

void InferRequestPool::wait_all() {
  std::unique_lock lock(mutex_);
  wait_idle(lock);
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

void InferRequestPool::settle() noexcept {
  std::unique_lock lock(mutex_);
  wait_idle(lock);
  failure_ = nullptr;
}

}  // namespace torchvino
