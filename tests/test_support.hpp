#pragma once
// Helpers tests of every stage need: a temporary folder, files written and read as bytes, and an
// OpenVINO model run on a tensor.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <openvino/openvino.hpp>
#include <string>
#include <vector>

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace test_support {

// Runs f, expecting a torchvino::Error whose message contains every one of `parts`.
inline void expect_error(const std::function<void()>& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected torchvino::Error, nothing was thrown";
  } catch (const torchvino::Error& e) {
    const std::string msg = e.what();
    for (const auto& part : parts)
      EXPECT_NE(msg.find(part), std::string::npos) << "'" << part << "' not in: " << msg;
  }
}

// A fresh folder, removed with everything in it at the end of the scope.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "test") {
    path_ = std::filesystem::temp_directory_path() /
            ("torchvino_" + prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

using Bytes = std::vector<uint8_t>;

// Writes `bytes` to `file`, creating its folder.
inline void write_bytes(const std::filesystem::path& file, const Bytes& bytes) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << file;
}

inline void write_string(const std::filesystem::path& file, const std::string& bytes) {
  write_bytes(file, Bytes(bytes.begin(), bytes.end()));
}

inline std::string read_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  EXPECT_TRUE(in) << file;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One compiled model run on batches of any size; float32 or uint8 input (a model with baked
// preprocessing). f32 compute: this CPU has avx512_bf16 and the plugin would otherwise run
// FP32 models in bf16 (errors ~1e-2).
class Runner {
 public:
  explicit Runner(const std::shared_ptr<ov::Model>& model)
      : compiled_(torchvino::openvino_core().compile_model(model, "CPU",
                                                           ov::hint::inference_precision(ov::element::f32))),
        request_(compiled_.create_infer_request()) {}

  torch::Tensor run(const torch::Tensor& input) {
    auto x = input.scalar_type() == torch::kUInt8 ? input.contiguous() : input.to(torch::kFloat).contiguous();
    const ov::Shape shape(x.sizes().begin(), x.sizes().end());
    if (x.scalar_type() == torch::kUInt8)
      request_.set_input_tensor(ov::Tensor(ov::element::u8, shape, x.data_ptr<uint8_t>()));
    else
      request_.set_input_tensor(ov::Tensor(ov::element::f32, shape, x.data_ptr<float>()));
    request_.infer();
    auto out = request_.get_output_tensor();
    const ov::Shape out_shape = out.get_shape();
    std::vector<int64_t> sizes(out_shape.begin(), out_shape.end());
    return torch::from_blob(out.data<float>(), sizes, torch::kFloat).clone();
  }

  const ov::CompiledModel& compiled() const { return compiled_; }

 private:
  ov::CompiledModel compiled_;
  ov::InferRequest request_;
};

// File writes beyond `bytes` fail with EFBIG, as on a full disk, for the scope's lifetime.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    previous_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previous_);
  }

 private:
  rlimit saved_{};
  void (*previous_)(int) = nullptr;
};

// The message of the torchvino::Error that `f` throws; "no error" if it throws nothing, and
// "not a torchvino::Error: ..." for any other exception, so assertions on the text fail clearly.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const torchvino::Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("not a torchvino::Error: ") + e.what();
  }
  return "no error";
}

}  // namespace test_support
