#include "convert/module_to_openvino.hpp"

#include <openvino/op/parameter.hpp>
#include <openvino/op/result.hpp>
#include <torch/torch.h>

#include "convert/registry.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"

namespace torchvino::convert {

std::shared_ptr<ov::Model> module_to_openvino(const torch::nn::Module& module,
                                              const ov::PartialShape& input_shape,
                                              const std::string& model_name) {
  torch::NoGradGuard no_grad;
  auto input = std::make_shared<ov::op::v0::Parameter>(ov::element::f32, input_shape);
  input->set_friendly_name("input");
  input->output(0).get_tensor().set_names({"input"});

  Context ctx(default_registry());
  ov::Output<ov::Node> out;
  try {
    out = ctx.translate(module, "", input);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // OpenVINO rejects shapes that do not fit (e.g. a Linear after the wrong image size).
    throw Error("cannot convert " + model_name + ": " + e.what());
  }
  out.get_tensor().set_names({"logits"});
  auto result = std::make_shared<ov::op::v0::Result>(out);
  result->set_friendly_name("logits");
  return std::make_shared<ov::Model>(ov::ResultVector{result}, ov::ParameterVector{input},
                                     model_name);
}

}  // namespace torchvino::convert

namespace torchvino {

std::shared_ptr<ov::Model> to_openvino(const Model& model) {
  const auto& s = model.spec;
  return convert::module_to_openvino(
      model.module(), ov::PartialShape{ov::Dimension::dynamic(), s.in_channels, s.image_size, s.image_size},
      s.arch);
}

}  // namespace torchvino
