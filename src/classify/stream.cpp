// Classifier::Stream: frames in flight on several infer requests, results delivered in order.
#include <fmt/format.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>

#include "classify/classifier_impl.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

struct Classifier::Stream::State {
  Classifier::Impl& impl;
  Callback on_result;
  std::vector<ov::InferRequest> requests;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<size_t> idle;            // requests free for a frame
  std::vector<uint64_t> frame_of;     // the frame each busy request runs
  std::map<uint64_t, TopK> ready;     // finished out of order, waiting for earlier frames
  uint64_t submitted = 0, delivered = 0;
  size_t in_flight = 0;
  bool delivering = false;            // one thread at a time calls on_result
  std::exception_ptr failure;         // the first error; the stream stops

  State(Classifier::Impl& impl, Callback callback) : impl(impl), on_result(std::move(callback)) {}

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

  void completed(size_t r, std::exception_ptr error) {
    TopK result;
    if (error) error = as_error(error, r);
    if (!error) {
      try {
        result = std::move(impl.top_k(requests[r].get_output_tensor()).front());
      } catch (...) {
        error = std::current_exception();
      }
    }
    std::unique_lock lock(mutex);
    if (error && !failure) failure = error;
    if (!failure) ready.emplace(frame_of[r], std::move(result));
    idle.push_back(r);
    --in_flight;
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

  // Every request idle and no callback running: nothing touches this state any more.
  void wait_idle(std::unique_lock<std::mutex>& lock) {
    changed.wait(lock, [&] { return in_flight == 0 && !delivering; });
  }
};

Classifier::Stream::Stream(std::unique_ptr<State> state) : state_(std::move(state)) {}

Classifier::Stream::~Stream() {
  State& s = *state_;
  {
    std::unique_lock lock(s.mutex);
    s.wait_idle(lock);
  }
  // A completion callback may still be returning into OpenVINO: wait for each request's end
  // before the requests and this state go.
  for (auto& request : s.requests) {
    try {
      request.wait();
    } catch (...) {  // its error was reported through the callback (or is dropped, see flush)
    }
    request.set_callback([](std::exception_ptr) {});
  }
}

uint64_t Classifier::Stream::submit(const ImageView& frame) {
  State& s = *state_;
  // Checked before waiting, so a frame that does not fit throws without touching the stream; it
  // is copied (below) before submit returns, so the caller may then reuse its buffer.
  const std::vector<ImageView> frames{frame};
  const ov::Shape shape = classify::checked_image_shape(frames, s.impl.input, "frame");
  std::unique_lock lock(s.mutex);
  // In flight = submitted and not yet delivered: a slow callback holds submit() back too, so
  // results never pile up unboundedly.
  s.changed.wait(lock, [&] {
    return s.failure || (!s.idle.empty() && s.submitted - s.delivered < s.requests.size());
  });
  if (s.failure) std::rethrow_exception(s.failure);
  const size_t r = s.idle.front();
  s.idle.pop_front();
  const uint64_t frame_number = s.submitted++;
  s.frame_of[r] = frame_number;
  ++s.in_flight;
  lock.unlock();
  try {
    // The frame is copied into the request's own input tensor (the request is idle): no tensor
    // is allocated or bound per frame.
    ov::Tensor input = s.requests[r].get_input_tensor();
    classify::write_image_tensor(frames, s.impl.input, shape, input);
    s.requests[r].start_async();
  } catch (const std::exception& e) {
    lock.lock();
    --s.in_flight;
    s.idle.push_back(r);
    const auto error = std::make_exception_ptr(Error(fmt::format("frame {}: inference failed to start: {}", frame_number, e.what())));
    if (!s.failure) s.failure = error;
    s.changed.notify_all();
    std::rethrow_exception(error);
  }
  return frame_number;
}

void Classifier::Stream::flush() {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  s.changed.wait(lock, [&] {
    return s.in_flight == 0 && !s.delivering && (s.failure || s.delivered == s.submitted);
  });
  if (s.failure) std::rethrow_exception(s.failure);
}

std::unique_ptr<Classifier::Stream> Classifier::stream(Stream::Callback on_result) {
  if (!on_result) throw Error("classifier stream: no result callback");
  auto state = std::make_unique<Stream::State>(*impl_, std::move(on_result));
  Stream::State* s = state.get();
  const int n = impl_->options.run.requests;
  try {
    for (int r = 0; r < n; ++r) {
      s->requests.push_back(impl_->compiled.create_infer_request());
      s->idle.push_back(static_cast<size_t>(r));
    }
  } catch (const ov::Exception& e) {
    throw Error(fmt::format("{}: cannot create {} infer requests: {}", impl_->file, n, e.what()));
  }
  s->frame_of.resize(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r)
    s->requests[static_cast<size_t>(r)].set_callback(
        [s, r](std::exception_ptr error) { s->completed(static_cast<size_t>(r), error); });
  return std::unique_ptr<Stream>(new Stream(std::move(state)));
}

}  // namespace torchvino
