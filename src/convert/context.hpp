#pragma once
#include <torch/nn/module.h>
#include <torch/types.h>

#include <functional>
#include <openvino/core/node.hpp>
#include <string>
#include <vector>

namespace torchvino::convert {

class Registry;

// State shared by the translators of one conversion: the registry to recurse with and the
// path of the module being translated ("layer1.0"), which becomes the friendly name of the
// op that carries that module's weights (Convolution, MatMul) so later stages can report per
// layer with the names PyTorch users know. Helper ops get "<path>/<role>".
class Context {
 public:
  explicit Context(const Registry& registry) : registry_(registry) {}

  // Translates `module`, known to its parent as `name` (empty for the root).
  ov::Output<ov::Node> translate(const torch::nn::Module& module, const std::string& name,
                                 const ov::Output<ov::Node>& input);

  // Runs `build` with `name` appended to the path, for translators that emit a child's ops
  // themselves (a convolution with its BatchNorm folded in).
  ov::Output<ov::Node> within(const std::string& name,
                              const std::function<ov::Output<ov::Node>()>& build);

  const std::string& path() const { return path_; }
  // "<path>" for an empty role, else "<path>/<role>" (or just role at the root).
  std::string name_for(const std::string& role = "") const;
  // Names `node` after the current path and returns it, to keep translators one-liners.
  ov::Output<ov::Node> named(const ov::Output<ov::Node>& out, const std::string& role = "") const;

  // A float32 constant holding a copy of `tensor` (any dtype/layout), named "<path>.<what>".
  ov::Output<ov::Node> constant(const torch::Tensor& tensor, const std::string& what) const;
  // An i64 constant for shapes and axes.
  static ov::Output<ov::Node> i64(const std::vector<int64_t>& values);

 private:
  const Registry& registry_;
  std::string path_;
};

}  // namespace torchvino::convert
