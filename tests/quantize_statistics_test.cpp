// Statistics are streamed: per-sample scalars only, whatever the tensor size.
#include <gtest/gtest.h>
#include <limits>
#include <torch/torch.h>

#include <openvino/op/ops.hpp>

#include "quantize/statistics.hpp"

namespace {

using namespace torchvino::quant;

TEST(QuantizeStatistics, RetainedStateGrowsByScalarsPerSampleOnly) {
  const std::vector<float> small(4, 1.0f);
  const std::vector<float> large(2 * 16 * 64 * 64, 1.0f);
  for (bool quantiles : {false, true}) {
    const Reducers all{.min_max = true, .quantiles = quantiles, .channel_mean = true, .channel_abs_max = true};
    StatisticsAccumulator a(all, 1), b(all, 1);
    const size_t per_sample = quantiles ? 6 : 3;
    size_t a_start = 0, b_start = 0;
    for (int i = 0; i < 10; ++i) {
      a.add(small.data(), ov::Shape{1, 4, 1, 1});
      b.add(large.data(), ov::Shape{2, 16, 64, 64});
      if (i == 0) {
        a_start = a.statistics().retained_scalars();
        b_start = b.statistics().retained_scalars();
      }
    }
    // Nine more samples cost exactly `per_sample` scalars each, for a 16-byte and a 512 KiB tensor.
    EXPECT_EQ(a.statistics().retained_scalars() - a_start, 9 * per_sample);
    EXPECT_EQ(b.statistics().retained_scalars() - b_start, 9 * per_sample);
    EXPECT_EQ(b.statistics().channel_sum.size(), 16u);  // per channel, not per sample
    EXPECT_EQ(b.statistics().samples(), 10);
  }
}

TEST(QuantizeStatistics, ChannelMeanIsOverBatchAndSpace) {
  StatisticsAccumulator acc(Reducers{.channel_mean = true}, 1);
  // [2, 2, 1, 2]: channel 0 holds 1,2 (item 0) and 3,4 (item 1); channel 1 holds 10s.
  const std::vector<float> x{1, 2, 10, 10, 3, 4, 10, 10};
  acc.add(x.data(), ov::Shape{2, 2, 1, 2});
  const std::vector<float> y{0, 0, -10, -10, 0, 0, -10, -10};
  acc.add(y.data(), ov::Shape{2, 2, 1, 2});
  EXPECT_EQ(acc.statistics().channel_mean(), (std::vector<float>{1.25f, 0.0f}));
  EXPECT_EQ(acc.statistics().first_shape, (ov::Shape{2, 2, 1, 2}));
}

TEST(QuantizeStatistics, RangesAndChannelPeaksAreExact) {
  StatisticsAccumulator acc(Reducers{.min_max = true, .channel_mean = true, .channel_abs_max = true}, 1);
  // [2, 3, 2]: channel 0 spans -7..2, channel 1 holds 0.5s, channel 2 spans -1..9.
  const std::vector<float> x{1, -7, 0.5f, 0.5f, -1, 3, 2, 0, 0.5f, 0.5f, 9, 0};
  acc.add(x.data(), ov::Shape{2, 3, 2});
  const auto& s = acc.statistics();
  EXPECT_EQ(s.min, std::vector<float>{-7});
  EXPECT_EQ(s.max, std::vector<float>{9});
  EXPECT_EQ(s.abs_max, std::vector<float>{9});
  EXPECT_EQ(s.channel_abs_max, (std::vector<float>{7, 0.5f, 9}));
  EXPECT_EQ(s.channel_mean(), (std::vector<float>{-1.0f, 0.5f, 2.75f}));
}

// Whichever reducers a point asks for, a NaN or an infinity is refused, not reduced.
TEST(QuantizeStatistics, NonFiniteActivationsAreRefused) {
  const std::vector<Reducers> each{{.min_max = true}, {.quantiles = true}, {.channel_mean = true},
                                   {.channel_abs_max = true}};
  for (const auto& reducers : each) {
    for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                      -std::numeric_limits<float>::infinity()}) {
      SCOPED_TRACE(testing::Message() << "min_max " << reducers.min_max << " quantiles " << reducers.quantiles
                                      << " channel_mean " << reducers.channel_mean << " channel_abs_max "
                                      << reducers.channel_abs_max << " value " << bad);
      StatisticsAccumulator acc(reducers, 1);
      const std::vector<float> x{1, 2, bad, 4};
      try {
        acc.add(x.data(), ov::Shape{1, 4});
        FAIL() << "a non-finite activation was accepted";
      } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("non-finite"), std::string::npos) << e.what();
      }
    }
  }
}

// A point pays only for the reductions it names.
TEST(QuantizeStatistics, PointsComputeOnlyTheirReducers) {
  const std::vector<float> x{1, -7, 0.5f, 0.5f, -1, 3, 2, 0, 0.5f, 0.5f, 9, 0};
  StatisticsAccumulator peaks(Reducers{.channel_abs_max = true}, 1);
  peaks.add(x.data(), ov::Shape{2, 3, 2});
  const auto& p = peaks.statistics();
  EXPECT_EQ(p.channel_abs_max, (std::vector<float>{7, 0.5f, 9}));
  EXPECT_TRUE(p.min.empty() && p.max.empty() && p.abs_max.empty() && p.quantile_low.empty() && p.channel_sum.empty());
  EXPECT_EQ(p.samples(), 1);

  StatisticsAccumulator quantiles(Reducers{.quantiles = true, .quantile = 0.25}, -1);
  quantiles.add(x.data(), ov::Shape{12});
  const auto& q = quantiles.statistics();
  EXPECT_TRUE(q.min.empty() && q.channel_abs_max.empty() && q.channel_sum.empty());
  ASSERT_EQ(q.quantile_low.size(), 1u);
  EXPECT_EQ(q.quantile_high.size(), 1u);
  EXPECT_EQ(q.abs_quantile_high.size(), 1u);
}

std::shared_ptr<ov::Model> relu_model(std::shared_ptr<ov::Node>& relu) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 1, 2, 2});
  relu = std::make_shared<ov::op::v0::Relu>(x);
  auto neg = std::make_shared<ov::op::v0::Negative>(relu);
  return std::make_shared<ov::Model>(ov::OutputVector{neg}, ov::ParameterVector{x});
}

TEST(QuantizeStatistics, CollectsPerBatchMinMaxOfObservedTensors) {
  std::shared_ptr<ov::Node> relu;
  auto model = relu_model(relu);
  // Image i holds {-i, 0, i, 2i}.
  auto images = torch::zeros({5, 1, 2, 2});
  for (int i = 0; i < 5; ++i)
    images[i] = torch::tensor({-1.0f * i, 0.0f, 1.0f * i, 2.0f * i}).reshape({1, 2, 2});

  std::vector<std::pair<int64_t, int64_t>> progress;
  StatisticsOptions options;
  options.subset_size = 4;
  options.on_progress = [&](int64_t done, int64_t total) { progress.emplace_back(done, total); };
  const std::vector<StatisticPoint> observed{
      {model->get_parameters()[0]->output(0), Reducers{.min_max = true, .channel_mean = true}, 1},
      {relu->output(0), Reducers{.min_max = true}}};
  auto stats = collect_statistics(model, observed, images, options, {});
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].min, (std::vector<float>{0, -1, -2, -3}));  // only subset_size images
  EXPECT_EQ(stats[0].max, (std::vector<float>{0, 2, 4, 6}));
  EXPECT_EQ(stats[1].min, (std::vector<float>{0, 0, 0, 0}));
  EXPECT_EQ(stats[1].abs_max, (std::vector<float>{0, 2, 4, 6}));
  EXPECT_EQ(stats[0].channel_mean(), std::vector<float>{0.75f});  // mean of {…} over 4 images
  EXPECT_EQ(progress.back(), (std::pair<int64_t, int64_t>{4, 4}));

  // Batches of 2 images are single samples; the short last batch still counts.
  options.subset_size = 5;
  options.batch_size = 2;
  stats = collect_statistics(model, observed, images, options, {});
  EXPECT_EQ(stats[0].min, (std::vector<float>{-1, -3, -4}));
  EXPECT_EQ(stats[0].max, (std::vector<float>{2, 6, 8}));

  // The model observed is left as it was.
  EXPECT_EQ(model->get_results().size(), 1u);
  EXPECT_EQ(relu->output(0).get_target_inputs().size(), 1u);
  EXPECT_TRUE(relu->get_rt_info().empty());
}

TEST(QuantizeStatistics, FixedBatchModelsAreReshapedToTheCalibrationBatch) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{1, 1, 2, 2});
  auto relu = std::make_shared<ov::op::v0::Relu>(x);
  auto model = std::make_shared<ov::Model>(ov::OutputVector{relu}, ov::ParameterVector{x});
  StatisticsOptions options;
  options.batch_size = 3;
  auto stats = collect_statistics(model, {{relu->output(0), Reducers{.min_max = true}}}, torch::ones({7, 1, 2, 2}), options, {});
  EXPECT_EQ(stats[0].samples(), 2);  // 3 + 3; the last image cannot fill a fixed batch
  EXPECT_EQ(stats[0].first_shape, (ov::Shape{3, 1, 2, 2}));
  EXPECT_EQ(model->get_parameters()[0]->get_partial_shape(), (ov::PartialShape{1, 1, 2, 2}));
}

}  // namespace

namespace {

TEST(QuantizeStatistics, SameTensorObservedTwiceAndConvInput) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 2, 4, 4});
  auto w = ov::op::v0::Constant::create(ov::element::f32, {3, 2, 1, 1}, std::vector<float>(6, 0.5f));
  auto conv = std::make_shared<ov::op::v1::Convolution>(x, w, ov::Strides{1, 1}, ov::CoordinateDiff{0, 0},
                                                        ov::CoordinateDiff{0, 0}, ov::Strides{1, 1});
  auto model = std::make_shared<ov::Model>(ov::OutputVector{conv}, ov::ParameterVector{x});
  auto work = model->clone();
  auto px = work->get_parameters()[0];
  auto stats = collect_statistics(
      work, {{px->output(0), Reducers{.min_max = true}}, {px->output(0), Reducers{.channel_mean = true}, 1}},
      torch::ones({2, 2, 4, 4}), {}, {});
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[1].channel_mean(), (std::vector<float>{1, 1}));
}

}  // namespace

namespace {

// The reductions added to the observing model give what the host computes from the tensor itself,
// and every point on a tensor gets its own answer when several share one set of reductions.
TEST(QuantizeStatistics, ReductionsInTheModelEqualTheHostsOnTheSameTensor) {
  auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 3, 4, 4});
  auto scaled = std::make_shared<ov::op::v1::Multiply>(x, ov::op::v0::Constant::create(ov::element::f32, {}, {2.0f}));
  auto model = std::make_shared<ov::Model>(ov::OutputVector{scaled}, ov::ParameterVector{x});
  const auto images = torch::randn({6, 3, 4, 4}, torch::TensorOptions().dtype(torch::kFloat32)) * 3;
  StatisticsOptions options;
  options.subset_size = 6;
  options.batch_size = 2;
  const auto out = scaled->output(0);
  const std::vector<StatisticPoint> points{{out, Reducers{.min_max = true}},
                                           {out, Reducers{.channel_mean = true}, 1},
                                           {out, Reducers{.channel_abs_max = true}, 1},
                                           {out, Reducers{.min_max = true, .quantiles = true, .quantile = 0.1}},
                                           {out, Reducers{.channel_ranges = true}, 1}};
  const auto stats = collect_statistics(model, points, images, options, {});
  ASSERT_EQ(stats.size(), 5u);

  StatisticsAccumulator host(
      Reducers{.min_max = true, .channel_mean = true, .channel_abs_max = true, .channel_ranges = true}, 1);
  const auto doubled = (images * 2).contiguous();
  for (int64_t b = 0; b < 3; ++b) host.add(doubled.data_ptr<float>() + b * 2 * 48, ov::Shape{2, 3, 4, 4});
  const auto& h = host.statistics();
  EXPECT_EQ(stats[0].min, h.min);  // three batches, three samples, in order
  EXPECT_EQ(stats[0].max, h.max);
  EXPECT_EQ(stats[0].abs_max, h.abs_max);
  EXPECT_TRUE(stats[0].channel_sum.empty());
  EXPECT_EQ(stats[3].min, h.min);  // the quantile point reads the tensor itself
  EXPECT_EQ(stats[3].quantile_low.size(), 3u);
  ASSERT_EQ(stats[1].channel_sum.size(), 3u);
  EXPECT_EQ(stats[1].channel_count, h.channel_count);
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(stats[1].channel_mean()[c], h.channel_mean()[c], 1e-5);
  EXPECT_EQ(stats[2].channel_abs_max, h.channel_abs_max);
  EXPECT_EQ(stats[1].first_shape, (ov::Shape{2, 3, 4, 4}));
  EXPECT_EQ(stats[4].sample_channel_min, h.sample_channel_min);
  EXPECT_EQ(stats[4].sample_channel_max, h.sample_channel_max);
  EXPECT_EQ(stats[4].sample_channel_min.size(), 9u);  // 3 samples × 3 channels
  EXPECT_TRUE(stats[4].channel_abs_max.empty());
}

// What SmoothQuant's X·k would measure, derived from X's statistics without measuring X·k: the
// same floats for min, max and channel maxima (a product rounds monotonically), the same means.
TEST(QuantizeStatistics, StatisticsOfARescaledTensorAreDerivedFromTheOriginals) {
  torch::manual_seed(8);
  const auto x = (torch::randn({6, 5, 3}) * 4 + 0.5).contiguous();  // channels last, as SmoothQuant's
  const std::vector<float> k{0.37f, 2.5f, 1.0f / 3.0f};
  auto y = x.clone();
  for (int64_t c = 0; c < 3; ++c) y.select(2, c).mul_(k[static_cast<size_t>(c)]);  // float products, as the graph's
  const Reducers wanted{.min_max = true, .channel_mean = true, .channel_abs_max = true};
  StatisticsAccumulator of_x(Reducers{.channel_mean = true, .channel_abs_max = true, .channel_ranges = true}, 2);
  StatisticsAccumulator of_y(wanted, 2);
  for (int64_t s = 0; s < 3; ++s) {  // samples of two rows each
    of_x.add(x.data_ptr<float>() + s * 30, ov::Shape{2, 5, 3});
    of_y.add(y.data_ptr<float>() + s * 30, ov::Shape{2, 5, 3});
  }
  const auto derived = rescale_channels(of_x.statistics(), k, wanted);
  const auto& measured = of_y.statistics();
  EXPECT_EQ(derived.min, measured.min);
  EXPECT_EQ(derived.max, measured.max);
  EXPECT_EQ(derived.abs_max, measured.abs_max);
  EXPECT_EQ(derived.channel_abs_max, measured.channel_abs_max);
  EXPECT_EQ(derived.sample_count, 3);
  EXPECT_EQ(derived.first_shape, measured.first_shape);
  ASSERT_EQ(derived.channel_sum.size(), 3u);
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(derived.channel_mean()[c], measured.channel_mean()[c], 1e-5);

  EXPECT_THROW(rescale_channels(of_x.statistics(), k, Reducers{.quantiles = true}), torchvino::Error);
  EXPECT_THROW(rescale_channels(of_x.statistics(), std::vector<float>{1.0f, 0.0f, 1.0f}, wanted), torchvino::Error);
  EXPECT_THROW(rescale_channels(of_y.statistics(), k, wanted), torchvino::Error);  // no channel ranges kept
}

// ReduceMin and ReduceMax pass over a NaN: the guard refuses it all the same, naming the op.
TEST(QuantizeStatistics, NonFiniteActivationsAreRefusedWhenReducedInTheModel) {
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    for (const Reducers& reducers :
         {Reducers{.min_max = true}, Reducers{.channel_mean = true}, Reducers{.channel_abs_max = true},
          Reducers{.channel_ranges = true}}) {
      SCOPED_TRACE(testing::Message() << "value " << bad << " min_max " << reducers.min_max << " channel_mean "
                                      << reducers.channel_mean);
      auto x = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, ov::PartialShape{-1, 2, 8, 8});
      auto scaled = std::make_shared<ov::op::v1::Multiply>(x, ov::op::v0::Constant::create(ov::element::f32, {}, {1.5f}));
      scaled->set_friendly_name("scaled");
      auto model = std::make_shared<ov::Model>(ov::OutputVector{scaled}, ov::ParameterVector{x});
      auto images = torch::rand({3, 2, 8, 8});
      images[1][1][5][3] = bad;
      try {
        collect_statistics(model, {{scaled->output(0), reducers, 1}}, images, {}, {});
        FAIL() << "a non-finite activation was accepted";
      } catch (const std::exception& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("non-finite"), std::string::npos) << what;
        EXPECT_NE(what.find("'scaled'"), std::string::npos) << what;
        EXPECT_NE(what.find("batch 2"), std::string::npos) << what;
      }
    }
  }
}

}  // namespace
