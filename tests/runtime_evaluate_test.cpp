#include <gtest/gtest.h>
#include <torch/torch.h>

#include <openvino/op/ops.hpp>

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

using namespace torchvino;

namespace {

// Returns fixed logits row by row, as if a model had produced them.
class FixedBackend : public Backend {
 public:
  explicit FixedBackend(torch::Tensor logits) : logits_(std::move(logits)) {}
  std::string name() const override { return "fixed"; }
  void stream(const Feed& next, const Sink& sink) override {
    std::vector<torch::Tensor> batches;
    for (auto b = next(); b.defined(); b = next()) batches.push_back(b);
    int64_t offset = 0;
    // Deliver in reverse order: evaluate must place results by batch index, not arrival.
    std::vector<std::pair<size_t, int64_t>> order;
    for (size_t i = 0; i < batches.size(); ++i) {
      order.push_back({i, offset});
      offset += batches[i].size(0);
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it)
      sink(it->first, logits_.slice(0, it->second, it->second + batches[it->first].size(0)), 1.0);
  }

 private:
  torch::Tensor logits_;
};

}  // namespace

TEST(Evaluate, AccuracyTop5AndLossFromLogits) {
  Dataset data;
  data.images = torch::zeros({5, 1, 2, 2});
  data.labels = torch::tensor({0, 1, 2, 3, 4}, torch::kLong);
  // Rows 0-2 predict their label; row 3 ranks the label 2nd; row 4 ranks it last of 6.
  auto logits = torch::tensor({9.f, 0.f, 0.f, 0.f, 0.f, 0.f,  //
                               0.f, 9.f, 0.f, 0.f, 0.f, 0.f,  //
                               0.f, 0.f, 9.f, 0.f, 0.f, 0.f,  //
                               0.f, 0.f, 0.f, 5.f, 0.f, 9.f,  //
                               5.f, 4.f, 3.f, 2.f, 0.f, 1.f})
                    .view({5, 6});
  FixedBackend backend(logits);
  EvalOptions options;
  options.batch_size = 2;
  options.warmup_batches = 0;
  auto r = evaluate(backend, data, options);
  EXPECT_EQ(r.images, 5);
  EXPECT_DOUBLE_EQ(r.accuracy, 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(r.top5, 4.0 / 5.0);
  const double expected_loss =
      torch::nn::functional::cross_entropy(logits.to(torch::kDouble), data.labels).item<double>();
  EXPECT_NEAR(r.loss, expected_loss, 1e-12);
  EXPECT_TRUE(torch::equal(r.logits, logits));
  EXPECT_DOUBLE_EQ(r.latency_median_ms, 1.0);
  EXPECT_GT(r.throughput, 0);
}

TEST(Evaluate, LimitTakesTheFirstImages) {
  Dataset data;
  data.images = torch::zeros({4, 1, 1, 1});
  data.labels = torch::tensor({0, 0, 1, 1}, torch::kLong);
  FixedBackend backend(torch::tensor({1.f, 0.f, 1.f, 0.f, 1.f, 0.f, 1.f, 0.f}).view({4, 2}));
  EvalOptions options;
  options.batch_size = 3;
  options.limit = 2;
  auto r = evaluate(backend, data, options);
  EXPECT_EQ(r.images, 2);
  EXPECT_DOUBLE_EQ(r.accuracy, 1.0);
}

TEST(Evaluate, RejectsLabelsBeyondTheModelOutputs) {
  Dataset data;
  data.images = torch::zeros({2, 1, 1, 1});
  data.labels = torch::tensor({0, 7}, torch::kLong);
  FixedBackend backend(torch::zeros({2, 3}));
  try {
    evaluate(backend, data, {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("only 3 outputs"), std::string::npos) << e.what();
  }
}

namespace {
// y = x · W for flattened 1×4×4 inputs: a model both backends can run.
std::shared_ptr<ov::Model> linear_model(const torch::Tensor& weight) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 1, 4, 4});
  auto shape = ov::op::v0::Constant::create(ov::element::i64, {2}, {0, 16});
  auto flat = std::make_shared<ov::op::v1::Reshape>(x, shape, true);
  auto values = weight.contiguous();
  auto w = ov::op::v0::Constant::create(
      ov::element::f32, ov::Shape{16, 3},
      std::vector<float>(values.data_ptr<float>(), values.data_ptr<float>() + values.numel()));
  auto y = std::make_shared<ov::op::v0::MatMul>(flat, w);
  return std::make_shared<ov::Model>(ov::OutputVector{y}, ov::ParameterVector{x});
}
}  // namespace

TEST(OpenVINOBackend, AsyncRequestsGiveTheSameLogitsInDatasetOrder) {
  torch::manual_seed(3);
  auto weight = torch::randn({16, 3});
  Dataset data;
  data.images = torch::randn({50, 1, 4, 4});
  data.labels = torch::randint(0, 3, {50}, torch::kLong);
  auto expected = torch::matmul(data.images.reshape({50, 16}), weight);
  EvalOptions eval;
  eval.batch_size = 7;  // last batch is partial: the dynamic batch dimension must cope
  for (int requests : {1, 4}) {
    auto backend = make_openvino_backend(linear_model(weight), RuntimeContext{}, requests);
    auto r = evaluate(*backend, data, eval);
    EXPECT_LT((r.logits - expected).abs().max().item<float>(), 1e-4f) << requests << " requests";
    EXPECT_NE(backend->compiled_model(), nullptr);
  }
}

TEST(OpenVINOBackend, RejectsZeroRequests) {
  EXPECT_THROW(make_openvino_backend(linear_model(torch::zeros({16, 3})), RuntimeContext{}, 0), Error);
}

TEST(OpenVINOBackend, AThrowingSinkLeavesNoRequestInFlight) {
  // The same linear model with its output made [batch, 1, 3]: evaluate's sink throws on the
  // first result while other requests are still running. That must surface as an Error, with
  // the backend still usable: repeated so that a request outliving the unwinding would crash.
  torch::manual_seed(4);
  auto weight = torch::randn({16, 3});
  auto good = linear_model(weight);
  auto axis = ov::op::v0::Constant::create(ov::element::i64, {1}, {1});
  auto rank3 = std::make_shared<ov::op::v0::Unsqueeze>(good->get_results()[0]->input_value(0), axis);
  auto bad = std::make_shared<ov::Model>(ov::OutputVector{rank3}, good->get_parameters());
  Dataset data;
  data.images = torch::randn({20 * 5, 1, 4, 4});
  data.labels = torch::randint(0, 3, {20 * 5}, torch::kLong);
  EvalOptions eval;
  eval.batch_size = 5;  // 20 batches
  eval.warmup_batches = 0;
  auto backend = make_openvino_backend(bad, RuntimeContext{}, 4);
  for (int attempt = 0; attempt < 20; ++attempt) {
    try {
      evaluate(*backend, data, eval);
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("model output has shape [5, 1, 3]"), std::string::npos)
          << e.what();
    }
  }
  // A correct model evaluates normally afterwards, 4 requests as well.
  auto fine = make_openvino_backend(linear_model(weight), RuntimeContext{}, 4);
  auto r = evaluate(*fine, data, eval);
  const auto expected = torch::matmul(data.images.reshape({100, 16}), weight);
  EXPECT_LT((r.logits - expected).abs().max().item<float>(), 1e-4f);
}
