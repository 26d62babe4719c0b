#include "torchvino/classifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "classify/classifier_impl.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace {

void check_options(const ClassifierOptions& o) {
  if (o.run.requests < 1) throw Error(fmt::format("classifier: requests must be at least 1, got {}", o.run.requests));
  if (o.run.threads < 0) throw Error(fmt::format("classifier: threads must not be negative, got {}", o.run.threads));
  if (o.top_k < 1) throw Error(fmt::format("classifier: top_k must be at least 1, got {}", o.top_k));
}

// The model's classes, from its one output: batch×classes.
int64_t output_classes(const ov::Model& model, const std::string& file) {
  if (model.outputs().size() != 1)
    throw Error(fmt::format("{}: the model has {} outputs; a classifier takes one (batch×classes)", file,
                            model.outputs().size()));
  const auto shape = model.output().get_partial_shape();
  if (shape.rank().is_dynamic() || shape.rank().get_length() != 2 || shape[1].is_dynamic() ||
      shape[1].get_length() < 1)
    throw Error(fmt::format("{}: the output {} is not batch×classes", file, shape.to_string()));
  return shape[1].get_length();
}

bool ends_in_softmax(const ov::Model& model) {
  const auto producer = model.output().get_node()->input_value(0).get_node();
  return std::string(producer->get_type_name()) == "Softmax";
}

std::vector<std::string> class_labels(const ClassifierOptions& o, const IrMetadata& m, int64_t classes,
                                      const std::string& file) {
  if (!o.labels.empty()) {
    if (static_cast<int64_t>(o.labels.size()) != classes)
      throw Error(fmt::format("labels: {} names for a model of {} classes ({})", o.labels.size(), classes, file));
    return o.labels;
  }
  if (!m.labels.empty()) {
    if (static_cast<int64_t>(m.labels.size()) != classes)
      throw Error(fmt::format("{}: its metadata has {} labels for {} classes", file, m.labels.size(), classes));
    return m.labels;
  }
  std::vector<std::string> numbers;
  for (int64_t i = 0; i < classes; ++i) numbers.push_back(std::to_string(i));
  return numbers;
}

}  // namespace

std::vector<TopK> Classifier::Impl::top_k(const ov::Tensor& output) const {
  if (output.get_element_type() != ov::element::f32)
    throw Error(fmt::format("{}: the output is {}, not f32", file, output.get_element_type().get_type_name()));
  const ov::Shape shape = output.get_shape();
  const size_t rows = shape.at(0), classes = shape.at(1);
  const size_t k = std::min<size_t>(options.top_k, classes);
  const float* data = output.data<const float>();
  std::vector<TopK> all;
  std::vector<float> p(classes);
  std::vector<size_t> order(classes);
  for (size_t r = 0; r < rows; ++r) {
    const float* row = data + r * classes;
    if (outputs_probabilities) {
      std::copy(row, row + classes, p.begin());
    } else {
      const float top = *std::max_element(row, row + classes);  // stable softmax
      double sum = 0;
      for (size_t c = 0; c < classes; ++c) sum += p[c] = std::exp(row[c] - top);
      for (auto& v : p) v = static_cast<float>(v / sum);
    }
    std::iota(order.begin(), order.end(), size_t{0});
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](size_t a, size_t b) { return p[a] > p[b] || (p[a] == p[b] && a < b); });
    TopK top;
    for (size_t i = 0; i < k; ++i)
      top.push_back({static_cast<int64_t>(order[i]), labels[order[i]], p[order[i]]});
    all.push_back(std::move(top));
  }
  return all;
}

Classifier::Classifier(const std::filesystem::path& model_file, const ClassifierOptions& options)
    : impl_(std::make_unique<Impl>()) {
  check_options(options);
  Impl& d = *impl_;
  d.file = model_file.string();
  d.options = options;
  auto model = read_model_file(model_file);
  d.metadata = read_ir_metadata(*model);
  const int64_t classes = output_classes(*model, d.file);
  d.labels = class_labels(options, d.metadata, classes, d.file);
  d.outputs_probabilities = ends_in_softmax(*model);
  const InputSpec spec = options.input.value_or(d.metadata.input);
  model = classify::with_image_input(model, spec, d.file, d.input);
  try {
    d.compiled = compile_model(model, options.run);
    d.request = d.compiled.create_infer_request();
  } catch (const ov::Exception& e) {
    throw Error(fmt::format("{}: OpenVINO cannot compile the model for {}: {}", d.file, options.run.device, e.what()));
  }
}

Classifier::~Classifier() = default;

TopK Classifier::classify(const std::filesystem::path& image_file) {
  const Image image = read_image(image_file);
  return classify(std::vector{view_of(image)}, image_file.string()).front();
}

TopK Classifier::classify(const ImageView& image) { return classify(std::vector{image}).front(); }

std::vector<TopK> Classifier::classify(const std::vector<ImageView>& images) { return classify(images, "image"); }

std::vector<TopK> Classifier::classify(const std::vector<ImageView>& images, const std::string& what) {
  Impl& d = *impl_;
  const ov::Tensor input = classify::image_tensor(images, d.input, what);
  std::lock_guard lock(d.request_mutex);
  try {
    d.request.set_input_tensor(input);
    d.request.infer();
  } catch (const ov::Exception& e) {
    throw Error(fmt::format("{}: inference failed: {}", what, e.what()));
  }
  return d.top_k(d.request.get_output_tensor());
}

const IrMetadata& Classifier::metadata() const { return impl_->metadata; }
const std::vector<std::string>& Classifier::labels() const { return impl_->labels; }
int64_t Classifier::num_classes() const { return static_cast<int64_t>(impl_->labels.size()); }
const ClassifierOptions& Classifier::options() const { return impl_->options; }

}  // namespace torchvino
