// The ONNX → OpenVINO path, and the direct path fed with a PyTorch state dict; fixtures made
// by tests/fixtures/make_convert_fixtures.py.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <iterator>

#include "convert_support.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/models.hpp"

using convert_test::fixtures;
using convert_test::relative_error;
using convert_test::Runner;

namespace {
c10::Dict<c10::IValue, c10::IValue> load_pickle(const std::string& name) {
  std::ifstream in(fixtures() / name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return torch::pickle_load(bytes).toGenericDict();
}

struct Reference {
  torch::Tensor input, logits;
};
Reference reference() {
  auto io = load_pickle("convnet_io.pt");
  return {io.at("input").toTensor(), io.at("logits").toTensor()};
}
}  // namespace

TEST(OnnxConversion, ReadsPyTorchExportAndReproducesItsLogits) {
  const auto ref = reference();
  ASSERT_EQ(ref.input.sizes(), (c10::IntArrayRef{3, 1, 28, 28}));
  auto model = torchvino::read_model_file(fixtures() / "convnet.onnx");
  EXPECT_EQ(model->input().get_any_name(), "input");
  EXPECT_EQ(model->output().get_any_name(), "logits");
  EXPECT_TRUE(model->input().get_partial_shape()[0].is_dynamic());
  Runner runner(model);
  const double err = relative_error(runner.run(ref.input), ref.logits);
  std::cout << "  [parity] ONNX vs PyTorch logits: " << err << "\n";
  EXPECT_LE(err, 1e-4);
  // The batch is dynamic: one image alone gives its row of the batched result.
  EXPECT_LE(relative_error(runner.run(ref.input.slice(0, 1, 2)), ref.logits.slice(0, 1, 2)), 1e-4);
}

TEST(OnnxConversion, PyTorchStateDictLoadsByNameAndConvertsToTheSameLogits) {
  const auto ref = reference();
  auto state = load_pickle("convnet_state_dict.pt");
  auto model = torchvino::create_model({"convnet", 1, 10, 28});
  torch::NoGradGuard no_grad;
  size_t loaded = 0;
  auto copy = [&](const std::string& name, torch::Tensor& target) {
    ASSERT_TRUE(state.contains(name)) << name << " not in the PyTorch state dict";
    auto value = state.at(name).toTensor();
    ASSERT_EQ(value.sizes(), target.sizes()) << name;
    target.copy_(value);
    ++loaded;
  };
  for (auto& p : model.module().named_parameters()) copy(p.key(), p.value());
  for (auto& b : model.module().named_buffers()) copy(b.key(), b.value());
  EXPECT_EQ(loaded, state.size()) << "same names on both sides";
  model.module().eval();

  EXPECT_LE(relative_error(model.forward(ref.input), ref.logits), 1e-4) << "LibTorch itself";
  const double err = relative_error(Runner(torchvino::to_openvino(model)).run(ref.input), ref.logits);
  std::cout << "  [parity] direct conversion vs PyTorch logits: " << err << "\n";
  EXPECT_LE(err, 1e-4);
}
