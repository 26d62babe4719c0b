// Ranges from statistics, and the exact FakeQuantize / int8 weights made from them.
#include <gtest/gtest.h>

#include <openvino/op/ops.hpp>
#include <openvino/runtime/properties.hpp>

#include <cmath>

#include "quantize/graph_analysis.hpp"
#include "quantize/insertion.hpp"
#include "quantize/ranges.hpp"
#include "quantize/statistics.hpp"
#include "quantize/weight_rounding.hpp"
#include "torchvino/runtime.hpp"

namespace {

using namespace torchvino::quant;

// Two samples: [-5 … 2] and [-1 … 4].
TensorStatistics two_samples(bool quantiles = false) {
  StatisticsAccumulator acc(Reducers{.min_max = true, .quantiles = quantiles, .quantile = 0.25}, -1);
  const std::vector<float> first{-5, 0, 1, 2, 0.5f};
  const std::vector<float> second{-1, 4, 3, 0, 2};
  acc.add(first.data(), ov::Shape{5});
  acc.add(second.data(), ov::Shape{5});
  return acc.take();
}

void expect_range(Range r, float lo, float hi) {
  EXPECT_FLOAT_EQ(r.lo, lo);
  EXPECT_FLOAT_EQ(r.hi, hi);
}

TEST(QuantizeRanges, EstimatorsAggregatePerSampleStatistics) {
  const auto s = two_samples();
  ASSERT_EQ(s.samples(), 2);
  EXPECT_EQ(s.min, (std::vector<float>{-5, -1}));
  EXPECT_EQ(s.max, (std::vector<float>{2, 4}));
  EXPECT_EQ(s.abs_max, (std::vector<float>{5, 4}));
  // Symmetric quantizers look at |x|: mean of per-sample abs-max (5, 4).
  expect_range(aggregate(s, torchvino::RangeEstimator::MeanMinMax, true), -3, 4.5f);
  expect_range(aggregate(s, torchvino::RangeEstimator::MeanMinMax, false), -3, 3);
  expect_range(aggregate(s, torchvino::RangeEstimator::MinMax, true), -5, 5);
  expect_range(aggregate(s, torchvino::RangeEstimator::MinMax, false), -5, 4);
}

TEST(QuantizeRanges, QuantileEstimatorAveragesPerSampleQuantiles) {
  const auto s = two_samples(true);
  // q = 0.25 of 5 values sits at sorted position 1, 1 − q at position 3.
  EXPECT_EQ(s.quantile_low, (std::vector<float>{0, 0}));
  EXPECT_EQ(s.quantile_high, (std::vector<float>{1, 3}));
  EXPECT_EQ(s.abs_quantile_high, (std::vector<float>{2, 3}));  // |x|: {0,0.5,1,2,5}, {0,1,2,3,4}
  expect_range(aggregate(s, torchvino::RangeEstimator::Quantile, false), 0, 2);
  expect_range(aggregate(s, torchvino::RangeEstimator::Quantile, true), 0, 2.5f);
  EXPECT_THROW(aggregate(two_samples(false), torchvino::RangeEstimator::Quantile, true), std::exception);
}

TEST(QuantizeRanges, QuantileInterpolatesLikeNumpy) {
  std::vector<float> v{4, 1, 3, 2};
  EXPECT_FLOAT_EQ(quantile_of(v, 0.5), 2.5f);
  std::vector<float> w(101);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(100 - i);
  EXPECT_FLOAT_EQ(quantile_of(w, 1e-2), 1.0f);
  EXPECT_FLOAT_EQ(quantile_of(w, 0.999), 99.9f);
}

TEST(QuantizeRanges, SymmetricIsSignedOnlyWithNegativeValues) {
  expect_range(symmetric_range({-1, 2}, false), -2.0f * 128 / 127, 2);
  expect_range(symmetric_range({0, 2}, false), 0, 2);
  expect_range(symmetric_range({-0.1f, 2}, true), 0, 2);  // after ReLU: unsigned whatever noise says
  expect_range(symmetric_range({0, 1e-7f}, false), 0, 8e-5f);
}

TEST(QuantizeRanges, AsymmetricHasAnIntegerZeroPointAndNeverClips) {
  expect_range(asymmetric_range({-1, 2}), -1, 2);  // zero point 85 exactly
  const Range r = asymmetric_range({-1, 3});       // ideal zero point 63.75 → 64
  const float step = (r.hi - r.lo) / 255;
  EXPECT_NEAR(-r.lo / step, 64.0f, 1e-3);
  EXPECT_LE(r.lo, -1.0f);
  EXPECT_FLOAT_EQ(r.hi, 3.0f);
  expect_range(asymmetric_range({0.5f, 1.5f}), 0, 1.5f);   // zero included
  expect_range(asymmetric_range({-2, -1}), -2, 0);
  expect_range(asymmetric_range({2, 2}), 0, 2.0004f);      // widened to 8e-4, then to zero
  const Range tiny = asymmetric_range({-1e-5f, 1e-5f});
  EXPECT_NEAR(tiny.hi - tiny.lo, 8e-4f * 255 / 254, 1e-9);  // widened, then a level added
  const float zero_point = -tiny.lo / ((tiny.hi - tiny.lo) / 255);
  EXPECT_NEAR(zero_point, std::round(zero_point), 1e-3);
  EXPECT_NEAR(zero_point, 127.5f, 0.51f);
}

TEST(QuantizeRanges, PresetsAndConcatMerging) {
  expect_range(activation_range({-1, 2}, torchvino::Preset::Performance, false), -2.0f * 128 / 127, 2);
  expect_range(activation_range({-1, 2}, torchvino::Preset::Mixed, false), -1, 2);
  expect_range(activation_range({-0.5f, 2}, torchvino::Preset::Mixed, true), 0, 2);
  expect_range(merge({{-1, 2}, {-3, 1}, {0, 5}}), -3, 5);
  EXPECT_THROW(torchvino::parse<torchvino::Preset>("fast"), torchvino::Error);
  EXPECT_THROW(torchvino::parse<torchvino::RangeEstimator>("histogram"), torchvino::Error);
}

TEST(QuantizeRanges, WeightAbsMaxPerOutputChannel) {
  // Conv-like [3, 2]: one scale per row; the all-zero row gets 1 % of the largest.
  const std::vector<float> w{1, -4, 0.5f, 0.25f, 0, 0};
  EXPECT_EQ(weight_abs_max(w, {3, 2}, {0}), (std::vector<float>{4, 0.5f, 0.04f}));
  // MatMul weights [K=2, N=3] without transpose_b: one scale per column.
  const std::vector<float> m{1, -2, 3, -4, 0.5f, 0};
  EXPECT_EQ(weight_abs_max(m, {2, 3}, {1}), (std::vector<float>{4, 2, 3}));
  // Group convolution [G=2, O=2, I=1, 1]: per group and channel.
  const std::vector<float> g{1, -2, 3, -0.5f};
  EXPECT_EQ(weight_abs_max(g, {2, 2, 1, 1}, {0, 1}), (std::vector<float>{1, 2, 3, 0.5f}));
  EXPECT_EQ(ChannelIndex({2, 3}, {1}).broadcast_shape(), (ov::Shape{1, 3}));
}

TEST(QuantizeInsertion, FakeQuantizeCarriesTheRangeExactly) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{1, 3, 4, 4});
  auto relu = std::make_shared<ov::op::v0::Relu>(x);
  auto sink = std::make_shared<ov::op::v0::Negative>(relu);
  ActivationQuantizer q;
  q.tensor = relu->output(0);
  q.consumers.push_back(sink->input(0));
  auto fq = insert_activation_quantizer(q, {-0.5f, 1.5f});
  EXPECT_EQ(fq->get_levels(), 256u);
  EXPECT_EQ(sink->get_input_node_ptr(0), fq.get());
  EXPECT_EQ(fq->get_input_node_ptr(0), relu.get());
  for (size_t i = 1; i < 5; ++i) {
    auto c = ov::as_type_ptr<ov::op::v0::Constant>(fq->get_input_node_shared_ptr(i));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->get_shape(), (ov::Shape{1, 1, 1, 1}));
    EXPECT_FLOAT_EQ(c->cast_vector<float>()[0], i % 2 ? -0.5f : 1.5f);  // in_lo, in_hi, out_lo, out_hi
  }
}

WeightQuantizer known_weights() {
  WeightQuantizer w;
  w.shape = {2, 3, 1, 1};
  w.values = {1.0f, -0.4f, 0.26f, 0.1f, -0.02f, 0.06f};
  w.channel_axes = {0};
  return w;
}

// A learned rounding replaces only the codes: the grid's scales stay MinMax's.
class TowardZero final : public WeightRounding {
 protected:
  std::vector<int8_t> codes(const WeightQuantizer& w, const std::vector<float>& abs_max, const WeightGrid& grid,
                            const ChannelIndex& index) const override {
    std::vector<int8_t> out(w.values.size());
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<int8_t>(std::trunc(w.values[i] / (abs_max[index(i)] / grid.divisor)));
    return out;
  }
};

TEST(QuantizeInsertion, WeightRoundingIsReplaceable) {
  const auto w = known_weights();
  const auto abs_max = weight_abs_max(w.values, w.shape, w.channel_axes);
  const auto nearest = make_nearest_rounding()->quantize(w, abs_max, kEightBitWeights);
  EXPECT_EQ(nearest.values, quantize_weights(w, abs_max).values);  // the default is today's arithmetic
  const auto truncated = TowardZero().quantize(w, abs_max, kEightBitWeights);
  EXPECT_EQ(truncated.scales, nearest.scales);
  EXPECT_EQ(truncated.scale_shape, nearest.scale_shape);
  ASSERT_EQ(truncated.values.size(), 6u);
  // -50.8, 33.02, -25.4, 76.2 (the channel maxima, 127, may fall either side of it in float)
  EXPECT_EQ((std::vector<int8_t>{truncated.values[1], truncated.values[2], truncated.values[4], truncated.values[5]}),
            (std::vector<int8_t>{-50, 33, -25, 76}));
}

TEST(QuantizeInsertion, Int8WeightsAreRoundedByChannelScale) {
  const auto w = known_weights();
  const auto abs_max = weight_abs_max(w.values, w.shape, w.channel_axes);
  const auto q = quantize_weights(w, abs_max);
  ASSERT_EQ(q.scales.size(), 2u);
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f / 127);
  EXPECT_FLOAT_EQ(q.scales[1], 0.1f / 127);
  EXPECT_EQ(q.scale_shape, (ov::Shape{2, 1, 1, 1}));
  EXPECT_EQ(q.values, (std::vector<int8_t>{127, -51, 33, 127, -25, 76}));  // -50.8, 33.02, -25.4, 76.2

  // Out-of-range values (a scale smaller than the weights) clip to ±127.
  const auto clipped = quantize_weights(w, {0.5f, 0.05f});
  EXPECT_EQ(clipped.values, (std::vector<int8_t>{127, -102, 66, 127, -51, 127}));

  auto dq = dequantized_weights(q, "w");
  auto multiply = ov::as_type_ptr<ov::op::v1::Multiply>(dq.get_node_shared_ptr());
  ASSERT_TRUE(multiply);
  auto convert = ov::as_type_ptr<ov::op::v0::Convert>(multiply->get_input_node_shared_ptr(0));
  ASSERT_TRUE(convert);
  auto stored = ov::as_type_ptr<ov::op::v0::Constant>(convert->get_input_node_shared_ptr(0));
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->get_element_type(), ov::element::i8);
  EXPECT_EQ(stored->cast_vector<int8_t>(), q.values);
}

TEST(QuantizeInsertion, StoredInt8WeightsEqualTheirFakeQuantizeForm) {
  torch::manual_seed(3);
  WeightQuantizer w;
  w.shape = {4, 3, 3, 3};
  auto t = torch::randn({4, 3, 3, 3});
  w.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  w.channel_axes = {0};
  const auto abs_max = weight_abs_max(w.values, w.shape, w.channel_axes);
  for (const WeightGrid& grid : {kEightBitWeights, kSevenBitWeights}) {
    auto fq = fake_quantized_weights(w, quantize_weights(w, abs_max, grid), "w", grid);
    auto dq = dequantized_weights(quantize_weights(w, abs_max, grid), "w");
    auto model = std::make_shared<ov::Model>(ov::OutputVector{fq, dq}, ov::ParameterVector{});
    auto request = torchvino::openvino_core()
                       .compile_model(model, "CPU", ov::hint::inference_precision(ov::element::f32))
                       .create_infer_request();
    request.infer();
    const auto a = request.get_output_tensor(0);
    const auto b = request.get_output_tensor(1);
    ASSERT_EQ(a.get_size(), w.values.size());
    float worst = 0;
    for (size_t i = 0; i < a.get_size(); ++i)
      worst = std::max(worst, std::fabs(a.data<float>()[i] - b.data<float>()[i]));
    EXPECT_LT(worst, 1e-5f) << grid.levels() << " levels";
  }
}

TEST(QuantizeInsertion, SevenBitWeightsUseNncfsGrid) {
  // Channel 0: 1, -0.4, 0.26 (abs max 1); channel 1: 0.1, -0.02, 0.06 (abs max 0.1). The step is
  // abs_max / 63.5: -0.4 → -25.4 → -25, 0.26 → 16.51 → 17, -0.02 → -12.7 → -13, 0.06 → 38.1 → 38.
  const auto w = known_weights();
  const auto q = quantize_weights(w, weight_abs_max(w.values, w.shape, w.channel_axes), kSevenBitWeights);
  EXPECT_FLOAT_EQ(q.scales[0], 1.0f / 63.5f);
  EXPECT_FLOAT_EQ(q.scales[1], 0.1f / 63.5f);
  EXPECT_EQ(q.values[1], -25);
  EXPECT_EQ(q.values[2], 17);
  EXPECT_EQ(q.values[4], -13);
  EXPECT_EQ(q.values[5], 38);
  // The largest weight lands exactly on ±63.5 (190.5 on the 255-level grid over ±2·abs_max),
  // and a tie rounds to even, as in OpenVINO's FakeQuantize: 190 → 63; downwards 63.5 → 64 → -63.
  EXPECT_EQ(q.values[0], 63);
  WeightQuantizer negative = w;
  for (float& v : negative.values) v = -v;
  const auto n = quantize_weights(negative, weight_abs_max(negative.values, negative.shape, negative.channel_axes),
                                  kSevenBitWeights);
  EXPECT_EQ(n.values[0], -63);
  EXPECT_EQ(n.values[3], -63);
  EXPECT_EQ(kSevenBitWeights.levels(), 128u);
}

// NNCF's weights reach int8 through OpenVINO's reference FakeQuantize (compressing the weights). Ours
// must give the same codes, ties included: 7-bit puts every channel's largest weight on one.
TEST(QuantizeInsertion, WeightCodesAreThoseOfOpenVinosFakeQuantize) {
  torch::manual_seed(11);
  WeightQuantizer w;
  w.shape = {256, 3, 4, 4};
  auto t = torch::randn({256, 3, 4, 4}) * torch::rand({256, 1, 1, 1});
  w.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  w.channel_axes = {0};
  const auto abs_max = weight_abs_max(w.values, w.shape, w.channel_axes);
  for (const WeightGrid& grid : {kEightBitWeights, kSevenBitWeights}) {
    std::vector<float> lo(abs_max.size()), hi(abs_max.size());
    for (size_t c = 0; c < abs_max.size(); ++c) {
      hi[c] = abs_max[c] * (127.0f / grid.divisor);
      lo[c] = -hi[c];
    }
    auto weights = std::make_shared<ov::op::v0::Constant>(ov::element::f32, w.shape, w.values);
    auto fq = make_fake_quantize(weights, lo, hi, ov::Shape{256, 1, 1, 1}, 255);
    ov::TensorVector inputs;
    for (const auto& input : fq->input_values())
      inputs.push_back(ov::as_type_ptr<ov::op::v0::Constant>(input.get_node_shared_ptr())->get_tensor_view());
    ov::TensorVector outputs{ov::Tensor(ov::element::f32, w.shape)};
    ASSERT_TRUE(fq->evaluate(outputs, inputs)) << "OpenVINO's reference FakeQuantize should evaluate";
    const float* y = outputs[0].data<float>();
    const auto q = quantize_weights(w, abs_max, grid);
    size_t differ = 0, ties_up = 0;
    for (size_t i = 0; i < w.values.size(); ++i) {
      const size_t c = i / 48;
      const float code = std::nearbyint((y[i] - lo[c]) / (hi[c] - lo[c]) * 254.0f) - 127.0f;
      differ += code != static_cast<float>(q.values[i]);
      ties_up += q.values[i] == 64;
    }
    EXPECT_EQ(differ, 0u) << grid.levels() << " levels";
    // On the 7-bit grid most ties round down to 63, and float error lifts some to 64.
    if (grid.high == 64) {
      EXPECT_GT(ties_up, 0u);
    }
  }
}

}  // namespace
