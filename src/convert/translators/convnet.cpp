#include <torch/torch.h>

#include "convert/translators/translators.hpp"
#include "torchvino/models.hpp"

namespace torchvino::convert {

void add_convnet_translator(Registry& r) {
  // Mirrors ConvNetImpl::forward.
  r.add<ConvNetImpl>([](Context& ctx, const ConvNetImpl& net, const ov::Output<ov::Node>& input) {
    auto x = ctx.translate(*net.layer1, "layer1", input);
    x = ctx.translate(*net.layer2, "layer2", x);
    x = ctx.within("flatten", [&] { return flatten(ctx, x, 1, -1); });
    return ctx.translate(*net.fc, "fc", x);
  });
}

}  // namespace torchvino::convert
