#include <fmt/format.h>

#include <openvino/core/preprocess/pre_post_process.hpp>

#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace {

bool static_in(const ov::Dimension& d, std::initializer_list<int64_t> values) {
  if (d.is_dynamic()) return false;
  for (int64_t v : values)
    if (d.get_length() == v) return true;
  return false;
}

}  // namespace

std::shared_ptr<ov::Model> adapt_input(const std::shared_ptr<ov::Model>& model, const InputConvention& convention) {
  // The field a refusal of the whole convention names: channels_last when it is set.
  const char* const asked = convention.channels_last ? "channels_last" : "bgr";
  if (model->inputs().size() != 1) {
    if (convention.channels_last || convention.bgr)
      throw Error(fmt::format("{}: the model has {} inputs; only single-image models can be adapted", asked,
                              model->inputs().size()),
                  asked);
    return model;
  }
  const ov::PartialShape shape = model->input().get_partial_shape();
  const bool image_rank = shape.rank().is_static() && shape.rank().get_length() == 4;
  if (!image_rank) {
    if (convention.channels_last || convention.bgr)
      throw Error(fmt::format("{}: the model's input {} is not an image batch (rank 4)", asked, shape.to_string()),
                  asked);
    return model;
  }
  const ov::Dimension& channels = convention.channels_last ? shape[3] : shape[1];
  if (convention.channels_last && !static_in(shape[3], {1, 3}))
    throw Error("channels_last: the model's input " + shape.to_string() + " does not end in 1 or 3 channels",
                "channels_last");
  if (!convention.channels_last && !static_in(shape[1], {1, 3}) && static_in(shape[3], {1, 3}) &&
      shape[1].is_static() && shape[1].get_length() > 4)
    throw Error("the model's input " + shape.to_string() +
                    " looks channels-last (N×H×W×C): set channels_last, and torchvino feeds it N×C×H×W through a "
                    "transpose baked into the IR",
                "channels_last");
  if (convention.bgr && !static_in(channels, {3}))
    throw Error("bgr: the model's input " + shape.to_string() + " does not have 3 channels", "bgr");
  if (!convention.channels_last && !convention.bgr) return model;

  auto adapted = model->clone();
  ov::preprocess::PrePostProcessor ppp(adapted);
  auto& input = ppp.input();
  // Steps run in the tensor's layout (what torchvino feeds); the PrePostProcessor then converts
  // to the model's layout with one Transpose.
  input.tensor().set_layout("NCHW");
  input.model().set_layout(convention.channels_last ? "NHWC" : "NCHW");
  if (convention.bgr) input.preprocess().reverse_channels();
  adapted = ppp.build();
  adapted->set_rt_info(convention.channels_last ? "NHWC" : "NCHW", "torchvino", "input", "source_layout");
  adapted->set_rt_info(convention.bgr ? "BGR" : "RGB", "torchvino", "input", "source_channel_order");
  return adapted;
}

}  // namespace torchvino
