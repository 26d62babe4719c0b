// Checkpoints are torch.save files PyTorch opens with weights_only=True: read back here with
// LibTorch's own unpickler (torch::pickle_load), independent of torchvino's reader.
#include <caffe2/serialize/in_memory_adapter.h>
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/serialize.h>
#include <torch/torch.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "test_paths.hpp"
#include "test_support.hpp"
#include "torchvino/error.hpp"
#include "torchvino/models.hpp"
#include "torchvino/state_dict.hpp"

namespace fs = std::filesystem;
using test_support::read_bytes;
using test_support::TempDir;
using test_support::write_string;
using torchvino::Error;
using torchvino::Model;
using torchvino::ModelSpec;

namespace {

using test_support::error_of;

// A model whose every parameter and buffer is distinct from a fresh one's.
Model trained_looking(const ModelSpec& spec) {
  Model model = torchvino::create_model(spec);
  torch::NoGradGuard no_grad;
  for (auto& b : model.module().named_buffers()) {
    if (b.value().is_floating_point()) b.value().uniform_(0.5, 1.5);
    else b.value().fill_(7);
  }
  model.metadata.dataset = "fashion-mnist";
  model.metadata.mean = {0.2860f};
  model.metadata.std = {0.3530f};
  for (int64_t i = 0; i < spec.num_classes; ++i) model.metadata.labels.push_back("class " + std::to_string(i));
  return model;
}

c10::IValue unpickled(const fs::path& file) {
  const std::string bytes = read_bytes(file);
  return torch::pickle_load(std::vector<char>(bytes.begin(), bytes.end()));
}

c10::IValue entry(const c10::IValue& dict, const std::string& key) {
  const auto d = dict.toGenericDict();
  const auto it = d.find(key);
  if (it == d.end()) {
    ADD_FAILURE() << "no key " << key;
    return {};
  }
  return it->value();
}

// data.pkl of a checkpoint, and the checkpoint rebuilt with another data.pkl.
std::map<std::string, std::string> records_of(const fs::path& file) {
  const std::string bytes = read_bytes(file);
  caffe2::serialize::PyTorchStreamReader reader(
      std::make_shared<caffe2::serialize::MemoryReadAdapter>(bytes.data(), bytes.size()));
  std::map<std::string, std::string> records;
  for (const auto& name : reader.getAllRecords()) {
    auto [data, size] = reader.getRecord(name);
    records[name] = std::string(static_cast<const char*>(data.get()), size);
  }
  return records;
}

// The old checkpoint format, as save_checkpoint wrote it before.
void save_legacy_checkpoint(const Model& model, const fs::path& file) {
  torch::serialize::OutputArchive archive;
  const nlohmann::json spec = {{"arch", model.spec.arch},
                               {"in_channels", model.spec.in_channels},
                               {"num_classes", model.spec.num_classes},
                               {"image_size", model.spec.image_size}};
  archive.write("torchvino.spec", torch::IValue(spec.dump()));
  for (const auto& p : model.module().named_parameters()) archive.write(p.key(), p.value());
  for (const auto& b : model.module().named_buffers()) archive.write(b.key(), b.value(), true);
  archive.save_to(file.string());
}

void expect_same_tensors(Model& a, Model& b) {
  auto pb = b.module().named_parameters();
  for (const auto& p : a.module().named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
  auto bb = b.module().named_buffers();
  for (const auto& x : a.module().named_buffers())
    EXPECT_TRUE(torch::equal(x.value(), bb[x.key()])) << x.key();
}

}  // namespace

TEST(CheckpointFormat, IsATorchSaveDictOfStateDictAndPlainMetadata) {
  TempDir dir("ckpt_format");
  Model model = trained_looking({});
  torchvino::save_checkpoint(model, dir / "convnet.pt");

  const c10::IValue top = unpickled(dir / "convnet.pt");
  ASSERT_TRUE(top.isGenericDict());
  EXPECT_EQ(top.toGenericDict().size(), 2u);

  const c10::IValue meta = entry(top, "torchvino");
  ASSERT_TRUE(meta.isGenericDict());
  EXPECT_EQ(entry(meta, "format_version").toInt(), torchvino::kCheckpointFormatVersion);
  EXPECT_EQ(entry(meta, "architecture").toStringRef(), "convnet");
  EXPECT_EQ(entry(meta, "in_channels").toInt(), 1);
  EXPECT_EQ(entry(meta, "num_classes").toInt(), 10);
  EXPECT_EQ(entry(meta, "image_size").toInt(), 28);
  EXPECT_EQ(entry(meta, "dataset").toStringRef(), "fashion-mnist");
  ASSERT_EQ(entry(meta, "mean").toListRef().size(), 1u);
  EXPECT_NEAR(entry(meta, "mean").toListRef()[0].toDouble(), 0.2860, 1e-6);
  EXPECT_NEAR(entry(meta, "std").toListRef()[0].toDouble(), 0.3530, 1e-6);
  ASSERT_EQ(entry(meta, "labels").toListRef().size(), 10u);
  EXPECT_EQ(entry(meta, "labels").toListRef()[3].toStringRef(), "class 3");
  EXPECT_FALSE(entry(meta, "torchvino_version").toStringRef().empty());

  // PyTorch's names and shapes: layer1.0.weight, layer1.1.running_mean, ..., fc.bias.
  const auto state = entry(top, "state_dict").toGenericDict();
  std::map<std::string, torch::Tensor> expected;
  for (const auto& p : model.module().named_parameters()) expected[p.key()] = p.value();
  for (const auto& b : model.module().named_buffers()) expected[b.key()] = b.value();
  EXPECT_EQ(state.size(), expected.size());
  for (const auto& [name, tensor] : expected) {
    const auto it = state.find(name);
    ASSERT_NE(it, state.end()) << name;
    EXPECT_TRUE(torch::equal(it->value().toTensor(), tensor)) << name;
    EXPECT_FALSE(it->value().toTensor().requires_grad()) << name;
  }
  EXPECT_EQ(state.find(std::string("layer1.1.num_batches_tracked"))->value().toTensor().item<int64_t>(), 7);

  // weights_only=True unpickles builtins and tensors only: no typed-list helpers of TorchScript.
  const std::string pkl = records_of(dir / "convnet.pt").at("data.pkl");
  EXPECT_EQ(pkl.find("torch.jit"), std::string::npos);
  EXPECT_EQ(pkl.find("restore_type_tag"), std::string::npos);
  EXPECT_NE(pkl.find("_rebuild_tensor_v2"), std::string::npos);  // the check can see globals
}

TEST(CheckpointFormat, RoundTripKeepsSpecMetadataAndWeights) {
  TempDir dir("ckpt_roundtrip");
  ModelSpec spec;
  spec.arch = "resnet18";
  spec.in_channels = 3;
  spec.num_classes = 4;
  spec.image_size = 32;
  Model a = trained_looking(spec);
  a.metadata.mean = {0.485f, 0.456f, 0.406f};
  a.metadata.std = {0.229f, 0.224f, 0.225f};
  torchvino::save_checkpoint(a, dir / "r18.pt");
  Model b = torchvino::load_checkpoint(dir / "r18.pt");
  EXPECT_EQ(b.spec.arch, "resnet18");
  EXPECT_EQ(b.spec.in_channels, 3);
  EXPECT_EQ(b.spec.num_classes, 4);
  EXPECT_EQ(b.spec.image_size, 32);
  EXPECT_EQ(b.metadata.dataset, a.metadata.dataset);
  EXPECT_EQ(b.metadata.mean, a.metadata.mean);
  EXPECT_EQ(b.metadata.std, a.metadata.std);
  EXPECT_EQ(b.metadata.labels, a.metadata.labels);
  expect_same_tensors(a, b);
  EXPECT_TRUE(entry(entry(unpickled(dir / "r18.pt"), "torchvino"), "small_input_stem").toBool());
  a.module().eval();
  b.module().eval();
  torch::NoGradGuard no_grad;
  const auto x = torch::randn({2, 3, 32, 32});
  EXPECT_TRUE(torch::equal(a.forward(x), b.forward(x)));

  // The state dict inside is what read_state_dict and --weights accept too.
  Model c = torchvino::create_model(spec);
  EXPECT_EQ(torchvino::load_state_dict(c, dir / "r18.pt").loaded.size(),
            a.module().named_parameters().size() + a.module().named_buffers().size());
}

TEST(CheckpointFormat, OldTorchScriptCheckpointsStillLoadWithANote) {
  TempDir dir("ckpt_legacy");
  Model a = trained_looking({});
  save_legacy_checkpoint(a, dir / "old.pt");
  testing::internal::CaptureStderr();
  Model b = torchvino::load_checkpoint(dir / "old.pt");
  const std::string note = testing::internal::GetCapturedStderr();
  expect_same_tensors(a, b);
  EXPECT_NE(note.find("old.pt"), std::string::npos) << note;
  EXPECT_NE(note.find("deprecated"), std::string::npos) << note;
  EXPECT_EQ(std::count(note.begin(), note.end(), '\n'), 1) << note;
  EXPECT_TRUE(b.metadata.labels.empty());  // the old format did not record them

  // Saving it again converts it.
  torchvino::save_checkpoint(b, dir / "old.pt");
  testing::internal::CaptureStderr();
  torchvino::load_checkpoint(dir / "old.pt");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

// Found by fuzz_checkpoint: an old-format checkpoint whose code does not parse makes LibTorch
// unpickle the code's .debug_pkl record to quote the source; one claiming a 4 GB string made it
// reserve 4 GB. That record goes through the bounded pickle walk first, like data.pkl.
TEST(CheckpointFormat, AnOldCheckpointsDebugPickleIsCheckedBeforeLibTorchReadsIt) {
  const fs::path file = fs::path(TORCHVINO_SOURCE_DIR) / "tests/fuzz/corpus/checkpoint/oom-legacy-debug-pkl-string-length";
  testing::internal::CaptureStderr();
  const std::string msg = error_of([&] { torchvino::load_checkpoint(file); });
  testing::internal::GetCapturedStderr();
  EXPECT_NE(msg.find(file.string() + ": not a torchvino checkpoint (code/__torch__.py.debug_pkl: "), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("needs 4294967064 more bytes, but only 99 are left"), std::string::npos) << msg;
}

TEST(CheckpointFormat, TruncatedCorruptOrForeignFilesAreErrorsNamingTheFile) {
  TempDir dir("ckpt_bad");
  torchvino::save_checkpoint(trained_looking({}), dir / "good.pt");
  const std::string whole = read_bytes(dir / "good.pt");
  for (const size_t keep : {whole.size() / 2, whole.size() - 10, size_t{100}}) {
    write_string(dir / "cut.pt", whole.substr(0, keep));
    const std::string msg = error_of([&] { torchvino::load_checkpoint(dir / "cut.pt"); });
    EXPECT_NE(msg.find("cut.pt: "), std::string::npos) << keep << ": " << msg;
  }

  // A plain state dict is not a checkpoint (no spec to build the model from).
  c10::impl::GenericDict plain(c10::StringType::get(), c10::TensorType::get());
  plain.insert("fc.bias", torch::zeros({10}));
  const auto plain_bytes = torch::pickle_save(plain);
  write_string(dir / "plain.pt", std::string(plain_bytes.begin(), plain_bytes.end()));
  EXPECT_NE(error_of([&] { torchvino::load_checkpoint(dir / "plain.pt"); })
                .find("plain.pt: a PyTorch file without torchvino metadata"),
            std::string::npos);

  // Metadata edited into nonsense, a newer format, tensors that do not fit the spec.
  auto with_meta = [&](const std::string& name, const std::function<void(c10::impl::GenericDict&)>& edit) {
    auto top = unpickled(dir / "good.pt").toGenericDict();
    auto meta = top.find(std::string("torchvino"))->value().toGenericDict();
    edit(meta);
    const auto bytes = torch::pickle_save(top);
    write_string(dir / name, std::string(bytes.begin(), bytes.end()));
    return error_of([&] { torchvino::load_checkpoint(dir / name); });
  };
  EXPECT_NE(with_meta("newer.pt", [](auto& m) { m.insert_or_assign("format_version", int64_t{99}); })
                .find("newer.pt: checkpoint format version 99"),
            std::string::npos);
  EXPECT_NE(with_meta("no_arch.pt", [](auto& m) { EXPECT_EQ(m.erase("architecture"), 1u); })
                .find("no_arch.pt: corrupt torchvino checkpoint: no 'architecture'"),
            std::string::npos);
  EXPECT_NE(with_meta("bad_type.pt", [](auto& m) { m.insert_or_assign("num_classes", "ten"); })
                .find("bad_type.pt: corrupt torchvino checkpoint: metadata 'num_classes' is not an integer"),
            std::string::npos);
  const std::string wrong = with_meta("wrong_classes.pt", [](auto& m) {
    m.insert_or_assign("num_classes", int64_t{5});
    m.insert_or_assign("labels", c10::impl::GenericList(c10::AnyType::get()));
  });
  EXPECT_NE(wrong.find("wrong_classes.pt: the state dict does not match the model"), std::string::npos)
      << wrong;
  EXPECT_NE(wrong.find("fc.weight: file 10×1568, model 5×1568"), std::string::npos) << wrong;
}

// A spec read from a file sizes the model's allocations: beyond the limits it is an error, not a
// many-gigabyte allocation (found by fuzz_checkpoint).
TEST(CheckpointFormat, SpecsBeyondTheLimitsAreRefusedBeforeAllocating) {
  auto message = [](ModelSpec spec) { return error_of([&] { torchvino::create_model(spec); }); };
  EXPECT_NE(message({.arch = "resnet18", .in_channels = 3, .num_classes = 1'000'000, .image_size = 32})
                .find("num_classes 1000000"), std::string::npos);
  EXPECT_NE(message({.arch = "convnet", .in_channels = 1, .num_classes = 10, .image_size = 100'000})
                .find("at most 64, 100000 and 4096"), std::string::npos);
  EXPECT_NE(message({.arch = "convnet", .in_channels = 1, .num_classes = 1000, .image_size = 4096})
                .find("more than 2^28 weights"), std::string::npos);
  EXPECT_EQ(torchvino::create_model({.arch = "convnet", .in_channels = 1, .num_classes = 10, .image_size = 28})
                .spec.num_classes, 10);
}

TEST(CheckpointFormat, InconsistentMetadataIsRefusedOnSave) {
  TempDir dir("ckpt_meta");
  Model model = trained_looking({});
  model.metadata.labels.pop_back();
  EXPECT_NE(error_of([&] { torchvino::save_checkpoint(model, dir / "m.pt"); }).find("9 labels for 10 classes"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "m.pt"));
}
