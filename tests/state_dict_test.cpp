// Loading PyTorch state dicts written in Python (fixtures: tests/fixtures/make_state_dict_fixtures.py).
#include <caffe2/serialize/in_memory_adapter.h>
#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>

#include "test_paths.hpp"
#include "test_support.hpp"
#include "torchvino/error.hpp"
#include "torchvino/state_dict.hpp"

namespace fs = std::filesystem;
using torchvino::Error;
using torchvino::StateDict;

namespace {

const fs::path kFixtures = fs::path(TORCHVINO_SOURCE_DIR) / "tests/fixtures/state_dict";

using test_support::read_bytes;
using test_support::TempDir;
using test_support::write_string;

torch::Tensor read_floats(const fs::path& file, std::vector<int64_t> shape) {
  const std::string bytes = read_bytes(file);
  auto t = torch::empty(shape, torch::kFloat);
  EXPECT_EQ(bytes.size(), static_cast<size_t>(t.numel()) * sizeof(float)) << file;
  std::memcpy(t.data_ptr<float>(), bytes.data(), std::min<size_t>(bytes.size(), t.nbytes()));
  return t;
}


// Writes a state dict the way torch.save does (zip format), from C++.
void save(const StateDict& state, const fs::path& file) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [k, v] : state) dict.insert(k, v);
  const std::vector<char> bytes = torch::pickle_save(dict);
  write_string(file, std::string(bytes.begin(), bytes.end()));
}

using test_support::error_of;

torchvino::Model convnet(int64_t num_classes = 10) {
  torchvino::ModelSpec spec;
  spec.num_classes = num_classes;
  auto model = torchvino::create_model(spec);
  model.module().eval();
  return model;
}

torch::Tensor logits_of(torchvino::Model& model) {
  torch::NoGradGuard no_grad;
  return model.forward(read_floats(kFixtures / "input.bin", {3, 1, 28, 28}));
}

const StateDict& plain() {
  static const StateDict state = torchvino::read_state_dict(kFixtures / "convnet_plain.pt");
  return state;
}

torch::Tensor param(torchvino::Model& model, const std::string& name) {
  for (const auto& p : model.module().named_parameters()) {
    if (p.key() == name) return p.value();
  }
  for (const auto& b : model.module().named_buffers()) {
    if (b.key() == name) return b.value();
  }
  ADD_FAILURE() << "no tensor " << name;
  return {};
}

}  // namespace

// Both ways users save: torch.save(model.state_dict()) (an OrderedDict with _metadata) and
// torch.save(dict(model.state_dict())).
class StateDictFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(StateDictFixture, LogitsMatchPython) {
  auto model = convnet();
  const auto result = torchvino::load_state_dict(model, kFixtures / GetParam());
  EXPECT_EQ(result.loaded.size(), 16u);  // 10 parameters + 6 BatchNorm buffers
  EXPECT_TRUE(result.skipped().empty());
  EXPECT_TRUE(result.unexpected.empty());
  EXPECT_TRUE(result.defaulted.empty());

  const auto expected = read_floats(kFixtures / "logits.bin", {3, 10});
  const auto got = logits_of(model);
  const double diff = (got - expected).abs().max().item<double>();
  EXPECT_LE(diff, 1e-5) << "max |C++ − Python| over the logits";
  // num_batches_tracked is int64 on both sides and arrives intact.
  EXPECT_EQ(param(model, "layer2.1.num_batches_tracked").item<int64_t>(), 123);
}

INSTANTIATE_TEST_SUITE_P(Forms, StateDictFixture,
                         ::testing::Values("convnet_ordered.pt", "convnet_plain.pt"),
                         [](const auto& info) {
                           return info.param == "convnet_ordered.pt" ? std::string("OrderedDict")
                                                                     : std::string("PlainDict");
                         });

TEST(StateDict, ReadKeepsPythonOrderAndDtypes) {
  const StateDict& state = plain();
  ASSERT_EQ(state.size(), 16u);
  EXPECT_EQ(state.front().first, "layer1.0.weight");
  EXPECT_EQ(state[4].first, "layer1.1.running_mean");
  EXPECT_EQ(state[6].first, "layer1.1.num_batches_tracked");
  EXPECT_EQ(state[6].second.scalar_type(), torch::kLong);
  EXPECT_EQ(state[6].second.dim(), 0);
  EXPECT_EQ(state.back().first, "fc.bias");
  EXPECT_EQ(state.back().second.sizes(), (std::vector<int64_t>{10}));
  const StateDict ordered = torchvino::read_state_dict(kFixtures / "convnet_ordered.pt");
  ASSERT_EQ(ordered.size(), state.size());
  for (size_t i = 0; i < state.size(); ++i) {
    EXPECT_EQ(ordered[i].first, state[i].first);
    EXPECT_TRUE(torch::equal(ordered[i].second, state[i].second)) << state[i].first;
  }
}

TEST(StateDict, ConvertsDtypes) {
  StateDict doubled;
  for (const auto& [k, v] : plain()) {
    doubled.emplace_back(k, v.is_floating_point() ? v.to(torch::kDouble) : v.to(torch::kInt));
  }
  TempDir dir;
  save(doubled, dir / "double.pt");
  auto model = convnet();
  torchvino::load_state_dict(model, dir / "double.pt");
  EXPECT_EQ(param(model, "fc.weight").scalar_type(), torch::kFloat);
  EXPECT_EQ(param(model, "layer1.1.num_batches_tracked").scalar_type(), torch::kLong);
  const auto expected = read_floats(kFixtures / "logits.bin", {3, 10});
  EXPECT_LE((logits_of(model) - expected).abs().max().item<double>(), 1e-5);
}

// A dtype copy_ cannot convert used to escape as a LibTorch error in mid-load (found by
// fuzz_checkpoint with a bit-packed type); now nothing is loaded and the error names the tensor.
TEST(StateDict, TensorsOfDtypesAModelCannotHoldAreErrors) {
  StateDict state = plain();
  for (auto& [k, v] : state)
    if (k == "fc.weight") v = torch::complex(v, torch::zeros_like(v));
  TempDir dir;
  save(state, dir / "complex.pt");
  auto model = convnet();
  const auto before = param(model, "layer1.0.weight").clone();
  const std::string message = error_of([&] { torchvino::load_state_dict(model, dir / "complex.pt"); });
  EXPECT_NE(message.find((dir / "complex.pt").string() + ": tensor 'fc.weight' has dtype ComplexFloat, which cannot be "
                         "loaded into the model's Float tensor"),
            std::string::npos)
      << message;
  EXPECT_TRUE(torch::equal(param(model, "layer1.0.weight"), before)) << "nothing is loaded";
}

TEST(StateDict, MissingKeyIsAnErrorNamingFileAndKey) {
  StateDict state = plain();
  state.pop_back();  // fc.bias
  TempDir dir;
  save(state, dir / "missing.pt");
  auto model = convnet();
  const auto before = param(model, "fc.weight").clone();
  const std::string msg = error_of([&] { torchvino::load_state_dict(model, dir / "missing.pt"); });
  EXPECT_NE(msg.find((dir / "missing.pt").string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("1 missing key (in the model, not in the file): fc.bias"), std::string::npos)
      << msg;
  EXPECT_TRUE(torch::equal(param(model, "fc.weight"), before)) << "strict: nothing is loaded";
}

TEST(StateDict, UnexpectedKeyIsAnError) {
  StateDict state = plain();
  state.emplace_back("fc2.weight", torch::zeros({2, 2}));
  TempDir dir;
  save(state, dir / "extra.pt");
  auto model = convnet();
  const std::string msg = error_of([&] { torchvino::load_state_dict(model, dir / "extra.pt"); });
  EXPECT_NE(msg.find("extra.pt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("1 unexpected key (in the file, not in the model): fc2.weight"),
            std::string::npos)
      << msg;
  // Non-strict: ignored, everything else loaded.
  const auto result = torchvino::load_state_dict(model, dir / "extra.pt", /*strict=*/false);
  EXPECT_EQ(result.unexpected, std::vector<std::string>{"fc2.weight"});
  EXPECT_EQ(result.loaded.size(), 16u);
}

TEST(StateDict, WrongShapeIsAnError) {
  StateDict state = plain();
  for (auto& [k, v] : state) {
    if (k == "fc.weight") v = torch::zeros({5, 1568});
  }
  TempDir dir;
  save(state, dir / "shape.pt");
  auto model = convnet();
  const std::string msg = error_of([&] { torchvino::load_state_dict(model, dir / "shape.pt"); });
  EXPECT_NE(msg.find("1 shape mismatch: fc.weight: file 5×1568, model 10×1568"), std::string::npos)
      << msg;
}

TEST(StateDict, LongKeyListsAreCut) {
  StateDict state;
  for (const auto& [k, v] : plain()) {
    if (k.starts_with("fc.")) state.emplace_back(k, v);
  }
  TempDir dir;
  save(state, dir / "fc_only.pt");
  auto model = convnet();
  const std::string msg = error_of([&] { torchvino::load_state_dict(model, dir / "fc_only.pt"); });
  // 12 missing: 8 parameters + 4 running statistics of layer1 and layer2 (the two
  // num_batches_tracked are defaulted, not missing); the first five are listed.
  EXPECT_NE(msg.find("12 missing keys"), std::string::npos) << msg;
  EXPECT_NE(msg.find("layer1.0.weight, layer1.0.bias"), std::string::npos) << msg;
  EXPECT_NE(msg.find("… and 7 more"), std::string::npos) << msg;
}

TEST(StateDict, NonStrictSkipsTheClassifierForFineTuning) {
  auto model = convnet(5);  // another number of classes: fc differs
  const auto fc_before = param(model, "fc.weight").clone();
  const std::string msg =
      error_of([&] { torchvino::load_state_dict(model, kFixtures / "convnet_plain.pt"); });
  EXPECT_NE(msg.find("2 shape mismatches: fc.weight: file 10×1568, model 5×1568, fc.bias: file "
                     "10, model 5"),
            std::string::npos)
      << msg;

  const auto result =
      torchvino::load_state_dict(model, kFixtures / "convnet_plain.pt", /*strict=*/false);
  EXPECT_EQ(result.skipped(), (std::vector<std::string>{"fc.weight", "fc.bias"}));
  EXPECT_EQ(result.loaded.size(), 14u);
  EXPECT_TRUE(torch::equal(param(model, "fc.weight"), fc_before));
  for (const auto& [k, v] : plain()) {
    if (!k.starts_with("fc.")) {
      EXPECT_TRUE(torch::equal(param(model, k), v)) << k;
    }
  }
}

TEST(StateDict, NonStrictWithNoMatchingEntryIsAnError) {
  TempDir dir;
  save({{"encoder.weight", torch::zeros({3})}, {"encoder.bias", torch::zeros({3})}},
       dir / "other.pt");
  auto model = convnet();
  const auto before = param(model, "fc.weight").clone();
  const std::string msg = error_of(
      [&] { torchvino::load_state_dict(model, dir / "other.pt", /*strict=*/false); });
  EXPECT_NE(msg.find("other.pt: no entry matches the model's parameters (first keys: "
                     "encoder.weight, encoder.bias)"),
            std::string::npos)
      << msg;
  EXPECT_TRUE(torch::equal(param(model, "fc.weight"), before));
}

TEST(StateDict, MissingBatchCountersAreZeroedNotErrors) {
  StateDict state;
  for (const auto& [k, v] : plain()) {
    if (!k.ends_with("num_batches_tracked")) state.emplace_back(k, v);
  }
  TempDir dir;
  save(state, dir / "old.pt");
  auto model = convnet();
  const auto result = torchvino::load_state_dict(model, dir / "old.pt");
  EXPECT_EQ(result.defaulted, (std::vector<std::string>{"layer1.1.num_batches_tracked",
                                                        "layer2.1.num_batches_tracked"}));
  EXPECT_TRUE(result.missing.empty());
  EXPECT_EQ(param(model, "layer1.1.num_batches_tracked").item<int64_t>(), 0);
}

TEST(StateDict, DataParallelPrefixAndCheckpointDicts) {
  TempDir dir;
  StateDict prefixed;
  for (const auto& [k, v] : plain()) prefixed.emplace_back("module." + k, v);
  save(prefixed, dir / "dp.pt");
  auto model = convnet();
  EXPECT_EQ(torchvino::load_state_dict(model, dir / "dp.pt").loaded.size(), 16u);

  // {"epoch": 3, "model_state_dict": {...}}
  c10::impl::GenericDict inner(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [k, v] : plain()) inner.insert(k, v);
  c10::impl::GenericDict outer(c10::StringType::get(), c10::AnyType::get());
  outer.insert("epoch", int64_t{3});
  outer.insert("model_state_dict", inner);
  const auto bytes = torch::pickle_save(outer);
  write_string(dir / "checkpoint.pt", std::string(bytes.begin(), bytes.end()));
  auto model2 = convnet();
  torchvino::load_state_dict(model2, dir / "checkpoint.pt");
  const auto expected = read_floats(kFixtures / "logits.bin", {3, 10});
  EXPECT_LE((logits_of(model2) - expected).abs().max().item<double>(), 1e-5);
}

TEST(StateDict, UnreadableFilesGetClearErrors) {
  TempDir dir;
  auto model = convnet();
  auto load = [&](const fs::path& f) {
    return error_of([&] { torchvino::load_state_dict(model, f); });
  };

  EXPECT_NE(load(dir / "absent.pt").find("absent.pt: state dict not found"), std::string::npos);

  const std::string legacy = load(kFixtures / "legacy.pt");
  EXPECT_NE(legacy.find("legacy.pt: saved in PyTorch's legacy format"), std::string::npos) << legacy;

  const std::string whole = read_bytes(kFixtures / "convnet_plain.pt");
  for (const size_t keep : {whole.size() / 2, whole.size() - 30, size_t{100}}) {
    write_string(dir / "truncated.pt", whole.substr(0, keep));
    const std::string msg = load(dir / "truncated.pt");
    EXPECT_NE(msg.find("truncated.pt: cannot be read as a torch.save file"), std::string::npos)
        << keep << ": " << msg;
  }

  std::mt19937 rng(5);
  std::string noise(4096, '\0');
  for (auto& c : noise) c = static_cast<char>(rng());
  write_string(dir / "noise.pt", noise);
  EXPECT_NE(load(dir / "noise.pt").find("noise.pt: not a PyTorch state dict"), std::string::npos);
  write_string(dir / "noise_zip.pt", "PK\x03\x04" + noise);
  EXPECT_NE(load(dir / "noise_zip.pt").find("noise_zip.pt: cannot be read"), std::string::npos);

  write_string(dir / "empty.pt", "");
  EXPECT_NE(load(dir / "empty.pt").find("empty.pt: the state dict file is empty"), std::string::npos);

  // A bare tensor, and a LibTorch archive (what torchvino 0.1 checkpoints were).
  const auto tensor_bytes = torch::pickle_save(torch::zeros({2}));
  write_string(dir / "tensor.pt", std::string(tensor_bytes.begin(), tensor_bytes.end()));
  EXPECT_NE(load(dir / "tensor.pt").find("holds a tensor, not a state dict"), std::string::npos)
      << load(dir / "tensor.pt");
  torch::serialize::OutputArchive archive;
  archive.write("fc.bias", torch::zeros({10}));
  archive.save_to((dir / "checkpoint.pt").string());
  const std::string ckpt = load(dir / "checkpoint.pt");
  EXPECT_NE(ckpt.find("not a state dict saved with torch.save"), std::string::npos) << ckpt;
}

namespace {

// The records of a torch.save zip (without the archive prefix), and the zip rebuilt from them:
// crafted files are made by editing the records of a real one.
using Records = std::map<std::string, std::string>;

Records records_of(const std::vector<char>& zip) {
  caffe2::serialize::PyTorchStreamReader reader(
      std::make_shared<caffe2::serialize::MemoryReadAdapter>(zip.data(), zip.size()));
  Records records;
  for (const auto& name : reader.getAllRecords()) {
    auto [data, size] = reader.getRecord(name);
    records[name] = std::string(static_cast<const char*>(data.get()), size);
  }
  return records;
}

void write_zip(const Records& records, const fs::path& file) {
  std::string bytes;
  {
    caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t n) {
      bytes.append(static_cast<const char*>(data), n);
      return n;
    });
    // The writer adds the version and serialization id records itself.
    for (const auto& [name, data] : records) {
      if (name == "version" || name == ".data/version") {
        writer.setMinVersion(std::stoull(data));
      } else if (name != ".data/serialization_id") {
        writer.writeRecord(name, data.data(), data.size());
      }
    }
    writer.writeEndOfFile();
  }
  write_string(file, bytes);
}

Records saved_records(const torch::Tensor& weight) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  dict.insert("fc.weight", weight);
  return records_of(torch::pickle_save(dict));
}

}  // namespace

TEST(StateDict, TensorsOverClaimingTheirStorageAreErrors) {
  TempDir dir;
  // The storage record cut to 4 of its 16 bytes: the tensor still claims 4 floats.
  Records cut = saved_records(torch::arange(4, torch::kFloat));
  ASSERT_EQ(cut.at("data/0").size(), 16u);
  cut["data/0"].resize(4);
  write_zip(cut, dir / "cut.pt");
  const std::string msg = error_of([&] { torchvino::read_state_dict(dir / "cut.pt"); });
  EXPECT_NE(msg.find("cut.pt: tensor 'fc.weight' needs 16 bytes of storage 'data/0', which holds 4"),
            std::string::npos)
      << msg;

  // A view at storage offset 4 of 8 floats, whose record is cut to the 4 floats the view has:
  // the offset takes it past the end.
  Records offset = saved_records(torch::arange(8, torch::kFloat).slice(0, 4, 8));
  ASSERT_EQ(offset.at("data/0").size(), 32u);
  offset["data/0"].resize(16);
  write_zip(offset, dir / "offset.pt");
  const std::string msg2 = error_of([&] { torchvino::read_state_dict(dir / "offset.pt"); });
  EXPECT_NE(msg2.find("offset.pt: tensor 'fc.weight' needs 32 bytes of storage 'data/0', which "
                      "holds 16"),
            std::string::npos)
      << msg2;

  // Untouched, the same records load.
  write_zip(saved_records(torch::arange(4, torch::kFloat)), dir / "good.pt");
  EXPECT_EQ(torchvino::read_state_dict(dir / "good.pt").at(0).second.sum().item<float>(), 6.0f);
}

TEST(StateDict, CraftedPicklesAreErrorsNotHangsOrCrashes) {
  TempDir dir;
  Records records = saved_records(torch::arange(4, torch::kFloat));
  auto load_pickle = [&](const std::string& pkl) {
    records["data.pkl"] = pkl;
    write_zip(records, dir / "crafted.pt");
    return error_of([&] { torchvino::read_state_dict(dir / "crafted.pt"); });
  };

  // 30 bytes: PROTO 2, BINUNICODE8 claiming 2^64 - 11 bytes (which would wrap the cursor back to
  // the start), padding.
  std::string huge = "\x80\x02\x8d";
  const uint64_t length = ~uint64_t{0} - 10;
  for (int i = 0; i < 8; ++i) huge += static_cast<char>((length >> (8 * i)) & 0xff);
  huge.resize(30, 'x');
  const auto start = std::chrono::steady_clock::now();
  const std::string msg = load_pickle(huge);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_NE(msg.find("crafted.pt: data.pkl: opcode 0x8d at byte 2 needs 18446744073709551605 more "
                     "bytes, but only 19 are left"),
            std::string::npos)
      << msg;

  // SHORT_BINUNICODE and a memo get running past the end.
  EXPECT_NE(load_pickle("\x80\x02\x8c\x40" "abc").find("crafted.pt: data.pkl: opcode 0x8c at byte 2"),
            std::string::npos);
  EXPECT_NE(load_pickle("\x80\x02j\x01").find("crafted.pt: data.pkl: opcode 0x6a at byte 2 needs 4"),
            std::string::npos);

  // 100000 nested lists, by MARK + LIST and by EMPTY_LIST + APPEND.
  const std::string marks =
      "\x80\x02" + std::string(100000, '(') + std::string(100000, 'l') + ".";
  const std::string appends =
      "\x80\x02" + std::string(100000, ']') + std::string(99999, 'a') + ".";
  for (const std::string& deep : {marks, appends}) {
    const std::string m = load_pickle(deep);
    EXPECT_NE(m.find("crafted.pt: data.pkl: nested more than 1000 levels deep"), std::string::npos)
        << m;
  }
}
