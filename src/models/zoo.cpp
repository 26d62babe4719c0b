#include <array>

#include "models/resnet.hpp"
#include "torchvino/error.hpp"
#include "torchvino/models.hpp"
#include "util/named_table.hpp"
#include "util/strings.hpp"

namespace torchvino {

namespace {

torch::nn::AnyModule build_convnet(const ModelSpec& s) {
  return torch::nn::AnyModule(ConvNet(s.in_channels, s.num_classes, s.image_size));
}

// The ConvNet's classifier grows with the image area: 32 × (size/4)² inputs per class.
void check_convnet(const ModelSpec& s) {
  const int64_t side = s.image_size / 4;
  if (32 * side * side * s.num_classes > (int64_t{1} << 28))
    throw Error(util::cat("invalid model spec: a ConvNet for ", s.image_size, "×", s.image_size, " images and ",
                          s.num_classes, " classes would need more than 2^28 weights"));
}

template <int64_t Depth>
torch::nn::AnyModule build_resnet(const ModelSpec& s) {
  return torch::nn::AnyModule(ResNet(Depth, s.in_channels, s.num_classes, s.image_size));
}

std::vector<std::pair<std::string, c10::IValue>> resnet_fields(const torch::nn::Module& net) {
  return {{"small_input_stem", dynamic_cast<const ResNetImpl&>(net).small_input_stem}};
}

// One row per model: adding one is a module plus a row here. ConvNet keeps the tutorial's
// 1×28×28 input; ResNets take colour, at 32 pixels on small images for their small-input stem.
const std::array<ModelInfo, 6>& zoo() {
  static const std::array<ModelInfo, 6> table = {{
      {"convnet", build_convnet, 1, 28, check_convnet},
      {"resnet18", build_resnet<18>, 3, 32, nullptr, resnet_fields},
      {"resnet34", build_resnet<34>, 3, 32, nullptr, resnet_fields},
      {"resnet50", build_resnet<50>, 3, 32, nullptr, resnet_fields},
      {"resnet101", build_resnet<101>, 3, 32, nullptr, resnet_fields},
      {"resnet152", build_resnet<152>, 3, 32, nullptr, resnet_fields},
  }};
  return table;
}

}  // namespace

int64_t ModelInfo::image_size_for(int64_t dataset_image_size) const {
  return dataset_image_size <= 32 ? small_image_size : dataset_image_size;
}

std::vector<std::string> model_names() { return util::row_names(zoo()); }

const ModelInfo& model_info(const std::string& arch) { return util::find_row(zoo(), arch, "model"); }

Model create_model(const ModelSpec& spec) {
  if (spec.in_channels < 1 || spec.num_classes < 1 || spec.image_size < 4)
    throw Error("invalid model spec: in_channels, num_classes must be >= 1 and image_size >= 4");
  // Upper limits, because a spec read from a file sizes the allocations made here: a crafted
  // checkpoint must get an error, not a many-gigabyte model.
  if (spec.in_channels > kMaxInChannels || spec.num_classes > kMaxClasses || spec.image_size > kMaxImageSize)
    throw Error(util::cat("invalid model spec: in_channels ", spec.in_channels, ", num_classes ",
                          spec.num_classes, ", image_size ", spec.image_size, " (at most ", kMaxInChannels,
                          ", ", kMaxClasses, " and ", kMaxImageSize, ")"));
  const ModelInfo& info = model_info(spec.arch);
  if (info.check_spec) info.check_spec(spec);
  return Model{spec, info.build(spec), ModelMetadata{}};
}

}  // namespace torchvino
