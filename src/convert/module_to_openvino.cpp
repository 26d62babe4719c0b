#include "convert/module_to_openvino.hpp"

#include <openvino/op/parameter.hpp>
#include <openvino/op/result.hpp>
#include <torch/torch.h>

#include "convert/registry.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/ir_metadata.hpp"

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
  auto ir = convert::module_to_openvino(
      model.module(), ov::PartialShape{ov::Dimension::dynamic(), s.in_channels, s.image_size, s.image_size},
      s.arch);
  // What the checkpoint knows travels with the IR, for Classifier and `torchvino info`.
  IrMetadata m;
  m.labels = model.metadata.labels;
  m.dataset = model.metadata.dataset;
  m.input = {.height = s.image_size, .width = s.image_size, .channels = s.in_channels, .layout = "NCHW",
             .mean = model.metadata.mean, .std = model.metadata.std, .preprocessing_baked = false};
  write_ir_metadata(*ir, m);
  return ir;
}

}  // namespace torchvino
