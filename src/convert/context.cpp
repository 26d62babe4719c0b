#include "convert/context.hpp"

#include <openvino/op/constant.hpp>

#include "convert/registry.hpp"
#include "torchvino/error.hpp"

namespace torchvino::convert {

namespace {
std::string join(const std::string& parent, const std::string& child) {
  if (parent.empty()) return child;
  if (child.empty()) return parent;
  return parent + "." + child;
}
}  // namespace

ov::Output<ov::Node> Context::within(const std::string& name,
                                     const std::function<ov::Output<ov::Node>()>& build) {
  const std::string saved = path_;
  path_ = join(path_, name);
  try {
    auto out = build();
    path_ = saved;
    return out;
  } catch (...) {
    path_ = saved;
    throw;
  }
}

ov::Output<ov::Node> Context::translate(const torch::nn::Module& module, const std::string& name,
                                        const ov::Output<ov::Node>& input) {
  return within(name, [&] {
    const Translator* translator = registry_.find(module);
    if (translator == nullptr) {
      std::string supported;
      for (const auto& t : registry_.supported_types()) supported += (supported.empty() ? "" : ", ") + t;
      throw Error("cannot convert layer '" + (path_.empty() ? std::string("<model>") : path_) +
                  "' of type " + module.name() + ": no translator for this layer type (supported: " +
                  supported + ")");
    }
    return (*translator)(*this, module, input);
  });
}

std::string Context::name_for(const std::string& role) const {
  if (role.empty()) return path_;
  return path_.empty() ? role : path_ + "/" + role;
}

ov::Output<ov::Node> Context::named(const ov::Output<ov::Node>& out, const std::string& role) const {
  out.get_node()->set_friendly_name(name_for(role));
  return out;
}

ov::Output<ov::Node> Context::constant(const torch::Tensor& tensor, const std::string& what) const {
  const auto t = tensor.detach().to(torch::kCPU, torch::kFloat).contiguous();
  const ov::Shape shape(t.sizes().begin(), t.sizes().end());
  auto c = std::make_shared<ov::op::v0::Constant>(ov::element::f32, shape, t.data_ptr<float>());
  c->set_friendly_name(path_.empty() ? what : path_ + "." + what);
  return c;
}

ov::Output<ov::Node> Context::i64(const std::vector<int64_t>& values) {
  return std::make_shared<ov::op::v0::Constant>(ov::element::i64, ov::Shape{values.size()}, values);
}

}  // namespace torchvino::convert
