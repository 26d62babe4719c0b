// InferRequestPool: N requests in flight, back-pressure, a handler's error stopping the run and
// surfacing once with nothing left running, and synchronous inference outside the pool's books.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <openvino/opsets/opset8.hpp>
#include <stdexcept>

#include "runtime/infer_request_pool.hpp"
#include "test_support.hpp"
#include "torchvino/error.hpp"
#include "torchvino/openvino_runtime.hpp"

namespace tv = torchvino;
using test_support::error_of;

namespace {

ov::CompiledModel tiny_compiled(int requests) {
  using namespace ov::opset8;
  auto input = std::make_shared<Parameter>(ov::element::f32, ov::Shape{1, 4});
  auto relu = std::make_shared<Relu>(input);
  auto model = std::make_shared<ov::Model>(ov::OutputVector{relu}, ov::ParameterVector{input});
  return tv::compile_model(model, {.threads = 1, .requests = requests});
}

}  // namespace

TEST(InferRequestPool, EveryStartedRequestCompletesOnce) {
  tv::InferRequestPool pool(tiny_compiled(3), 3);
  ASSERT_EQ(pool.size(), 3u);
  std::atomic<int> done{0};
  pool.on_done([&](size_t, std::exception_ptr error) {
    if (error) std::rethrow_exception(error);
    ++done;
  });
  for (int i = 0; i < 50; ++i) pool.start(pool.acquire());
  pool.wait_all();
  EXPECT_EQ(done.load(), 50);
}

TEST(InferRequestPool, AcquireWaitsWhileEveryRequestIsBusy) {
  tv::InferRequestPool pool(tiny_compiled(2), 2);
  std::promise<void> go;
  std::shared_future<void> gate = go.get_future().share();
  pool.on_done([gate](size_t, std::exception_ptr) { gate.wait(); });  // completions held back
  pool.start(pool.acquire());
  pool.start(pool.acquire());
  auto third = std::async(std::launch::async, [&] { return pool.acquire(); });
  EXPECT_EQ(third.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  go.set_value();
  const size_t r = third.get();
  EXPECT_LT(r, 2u);
  pool.release(r);
  pool.wait_all();
}

TEST(InferRequestPool, AHandlersErrorSurfacesOnceWithNothingInFlight) {
  tv::InferRequestPool pool(tiny_compiled(2), 2);
  std::atomic<int> completions{0};
  pool.on_done([&](size_t, std::exception_ptr) {
    if (++completions == 3) throw std::runtime_error("third result refused");
  });
  std::string error;
  try {
    for (int i = 0; i < 100; ++i) pool.start(pool.acquire());
    pool.wait_all();
  } catch (const std::exception& e) {
    error = e.what();
  }
  EXPECT_EQ(error, "third result refused");
  EXPECT_LT(completions.load(), 100);
  // Nothing runs any more, and the failure was reported once: the pool is usable again.
  int after = 0;
  pool.on_done([&](size_t, std::exception_ptr) { ++after; });
  pool.start(pool.acquire());
  pool.wait_all();
  EXPECT_EQ(after, 1);
}

TEST(InferRequestPool, FailStopsTheRunAndWaitAllRethrows) {
  tv::InferRequestPool pool(tiny_compiled(2), 2);
  pool.start(pool.acquire());
  pool.fail(std::make_exception_ptr(tv::Error("sink failed")));
  EXPECT_EQ(error_of([&] { pool.acquire(); }), "sink failed");
  pool.wait_all();  // already reported
  pool.fail(std::make_exception_ptr(std::runtime_error("again")));
  pool.settle();  // dropped
  pool.wait_all();
}

TEST(InferRequestPool, SynchronousInferenceDoesNotCallTheHandler) {
  tv::InferRequestPool pool(tiny_compiled(1), 1);
  int calls = 0;
  pool.on_done([&](size_t, std::exception_ptr) { ++calls; });
  pool[0].infer();
  EXPECT_EQ(calls, 0);
  pool.start(pool.acquire());
  pool.wait_all();
  EXPECT_EQ(calls, 1);
}
