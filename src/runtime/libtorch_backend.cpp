#include <torch/torch.h>

#include <chrono>

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino {

namespace {

class LibTorchBackend final : public Backend {
 public:
  explicit LibTorchBackend(Model model) : model_(std::move(model)) { model_.module().eval(); }
  std::string name() const override { return "pytorch"; }

  void stream(const Feed& next, const Sink& sink) override {
    c10::InferenceMode inference;
    for (size_t i = 0;; ++i) {
      const torch::Tensor batch = next();
      if (!batch.defined()) return;
      const auto start = std::chrono::steady_clock::now();
      auto logits = model_.forward(batch);
      const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
      sink(i, logits, took.count());
    }
  }

 private:
  Model model_;
};

}  // namespace

std::unique_ptr<Backend> make_libtorch_backend(const Model& model) { return std::make_unique<LibTorchBackend>(model); }

void configure_libtorch(const RuntimeContext& runtime) {
  if (runtime.threads < 0) throw Error("threads must not be negative, got " + std::to_string(runtime.threads));
  if (runtime.threads > 0) torch::set_num_threads(runtime.threads);
}

}  // namespace torchvino
