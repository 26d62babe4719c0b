#include <torch/torch.h>

#include <chrono>

#include "torchvino/runtime.hpp"

namespace torchvino {

namespace {

class LibTorchBackend final : public Backend {
 public:
  LibTorchBackend(Model model, int threads) : model_(std::move(model)) {
    if (threads > 0) torch::set_num_threads(threads);
    model_.module().eval();
  }
  std::string name() const override { return "pytorch"; }

  void run(const std::vector<torch::Tensor>& batches, const Sink& sink) override {
    c10::InferenceMode inference;
    for (size_t i = 0; i < batches.size(); ++i) {
      const auto start = std::chrono::steady_clock::now();
      auto logits = model_.forward(batches[i]);
      const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
      sink(i, logits, took.count());
    }
  }

 private:
  Model model_;
};

}  // namespace

std::unique_ptr<Backend> make_libtorch_backend(const Model& model, int threads) {
  return std::make_unique<LibTorchBackend>(model, threads);
}

}  // namespace torchvino
