// Multiply-accumulates counted from an OpenVINO graph: the layers that dominate compute in
// image classifiers. Elementwise ops, pooling and normalisation are left out (they are memory
// bound and small next to the convolutions).
#include <openvino/op/convolution.hpp>
#include <openvino/op/group_conv.hpp>
#include <openvino/op/matmul.hpp>

#include "torchvino/benchmark.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace {

ov::Shape static_shape(const ov::Output<ov::Node>& port, const ov::Node& node) {
  const auto& shape = port.get_partial_shape();
  if (shape.is_dynamic())
    throw Error("cannot count MACs of " + node.get_friendly_name() + ": shape " + shape.to_string() +
                " is dynamic (reshape the model to a static batch first)");
  return shape.to_shape();
}

double product(const ov::Shape& s, size_t from = 0) {
  double p = 1;
  for (size_t i = from; i < s.size(); ++i) p *= double(s[i]);
  return p;
}

}  // namespace

double count_macs(const ov::Model& model) {
  double macs = 0;
  for (const auto& node : model.get_ordered_ops()) {
    if (ov::as_type<ov::op::v1::Convolution>(node.get())) {
      // Weights O×I×k…: every output element takes I×k… MACs.
      const ov::Shape out = static_shape(node->output(0), *node), w = static_shape(node->input_value(1), *node);
      macs += product(out) * product(w, 1);
    } else if (ov::as_type<ov::op::v1::GroupConvolution>(node.get())) {
      // Weights G×O/G×I/G×k…: every output element takes I/G×k… MACs.
      const ov::Shape out = static_shape(node->output(0), *node), w = static_shape(node->input_value(1), *node);
      macs += product(out) * product(w, 2);
    } else if (const auto* mm = ov::as_type<ov::op::v0::MatMul>(node.get())) {
      // Every output element is a dot product over the reduced dimension K of input A.
      const ov::Shape a = static_shape(node->input_value(0), *node);
      const ov::Shape out = static_shape(node->output(0), *node);
      if (a.empty()) continue;
      const size_t k = a.size() == 1 ? a[0] : (mm->get_transpose_a() ? a[a.size() - 2] : a.back());
      macs += product(out) * double(k);
    }
  }
  return macs;
}

}  // namespace torchvino
