// Classifier::Stream: frames in flight on the infer requests of a pool, results delivered in
// order.
#include <fmt/format.h>

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>

#include "classify/classifier_impl.hpp"
#include "runtime/infer_request_pool.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

struct Classifier::Stream::State {
  Classifier::Impl& impl;
  Callback on_result;

  std::mutex mutex;
  std::condition_variable changed;
  std::vector<uint64_t> frame_of;     // the frame each busy request runs
  std::map<uint64_t, TopK> ready;     // finished out of order, waiting for earlier frames
  uint64_t submitted = 0, delivered = 0;
  bool delivering = false;            // one thread at a time calls on_result
  std::exception_ptr failure;         // the first error; the stream stops
  // Last: destroyed first, it waits for every completion that uses the members above.
  InferRequestPool pool;

  State(Classifier::Impl& impl, Callback callback, size_t requests)
      : impl(impl), on_result(std::move(callback)), frame_of(requests), pool(impl.compiled, requests) {
    pool.on_done([this](size_t r, std::exception_ptr error) { completed(r, error); });
  }

  // Hands out the results that are next in order. Called with `lock` held; on_result runs
  // without it, so that completions and submit() continue meanwhile.
  void deliver(std::unique_lock<std::mutex>& lock) {
    if (delivering) return;  // the delivering thread will see this result too
    delivering = true;
    while (!failure) {
      const auto next = ready.find(delivered);
      if (next == ready.end()) break;
      const TopK result = std::move(next->second);
      ready.erase(next);
      lock.unlock();
      std::exception_ptr error;
      try {
        on_result(delivered, result);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      ++delivered;
      if (error && !failure) failure = error;
    }
    if (failure) ready.clear();
    delivering = false;
    changed.notify_all();
  }

  // Never throws: every error stops the stream through `failure`, not the pool's.
  void completed(size_t r, std::exception_ptr error) {
    TopK result;
    if (error) error = as_error(error, r);
    if (!error) {
      try {
        result = std::move(impl.top_k(pool[r].get_output_tensor()).front());
      } catch (...) {
        error = std::current_exception();
      }
    }
    std::unique_lock lock(mutex);
    if (error && !failure) failure = error;
    if (!failure) ready.emplace(frame_of[r], std::move(result));
    deliver(lock);
    changed.notify_all();
  }

  // OpenVINO's exceptions become torchvino::Error naming the frame.
  std::exception_ptr as_error(std::exception_ptr error, size_t r) const {
    try {
      std::rethrow_exception(error);
    } catch (const Error&) {
      return error;
    } catch (const std::exception& e) {
      return std::make_exception_ptr(Error(fmt::format("frame {}: inference failed: {}", frame_of[r], e.what())));
    } catch (...) {
      return std::make_exception_ptr(Error(fmt::format("frame {}: inference failed", frame_of[r])));
    }
  }
};

Classifier::Stream::Stream(std::unique_ptr<State> state) : state_(std::move(state)) {}

Classifier::Stream::~Stream() = default;  // the pool waits for every frame in flight

uint64_t Classifier::Stream::submit(const ImageView& frame) {
  State& s = *state_;
  // Checked before waiting, so a frame that does not fit throws without touching the stream; it
  // is copied (below) before submit returns, so the caller may then reuse its buffer.
  const std::vector<ImageView> frames{frame};
  const ov::Shape shape = classify::checked_image_shape(frames, s.impl.input, "frame");
  std::unique_lock lock(s.mutex);
  // In flight = submitted and not yet delivered: a slow callback holds submit() back too, so
  // results never pile up unboundedly.
  s.changed.wait(lock, [&] { return s.failure || s.submitted - s.delivered < s.pool.size(); });
  if (s.failure) std::rethrow_exception(s.failure);
  lock.unlock();
  // A request is busy a little longer than its frame is in flight (its completion returns after
  // delivering): then this waits for it.
  const size_t r = s.pool.acquire();
  lock.lock();
  if (s.failure) {  // the stream stopped while this waited for the request
    s.pool.release(r);
    std::rethrow_exception(s.failure);
  }
  const uint64_t frame_number = s.submitted++;
  s.frame_of[r] = frame_number;
  lock.unlock();
  try {
    try {
      // The frame is copied into the request's own input tensor (the request is idle): no
      // tensor is allocated or bound per frame.
      ov::Tensor input = s.pool[r].get_input_tensor();
      classify::write_image_tensor(frames, s.impl.input, shape, input);
    } catch (...) {
      s.pool.release(r);
      throw;
    }
    s.pool.start(r);  // gives the request back when it cannot start
  } catch (const std::exception& e) {
    const auto error = std::make_exception_ptr(
        Error(fmt::format("frame {}: inference failed to start: {}", frame_number, e.what())));
    lock.lock();
    if (!s.failure) s.failure = error;
    s.changed.notify_all();
    std::rethrow_exception(error);
  }
  return frame_number;
}

void Classifier::Stream::flush() {
  State& s = *state_;
  s.pool.wait_all();  // every completion has returned, delivering included
  std::lock_guard lock(s.mutex);
  if (s.failure) std::rethrow_exception(s.failure);
}

std::unique_ptr<Classifier::Stream> Classifier::stream(Stream::Callback on_result) {
  if (!on_result) throw Error("classifier stream: no result callback");
  const int n = impl_->options.run.requests;
  try {
    return std::unique_ptr<Stream>(
        new Stream(std::make_unique<Stream::State>(*impl_, std::move(on_result), static_cast<size_t>(n))));
  } catch (const ov::Exception& e) {
    throw Error(fmt::format("{}: cannot create {} infer requests: {}", impl_->file, n, e.what()));
  }
}

}  // namespace torchvino
