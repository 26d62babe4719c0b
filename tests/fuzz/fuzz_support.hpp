#pragma once
// What every fuzz target shares. The readers under test take paths, so each input is written to a
// private scratch folder and read back through the same entry point the CLI uses: the file checks
// (regular file, size, limits) are fuzzed too. A torchvino::Error is the clean refusal every bad
// input must get; any other exception escapes, aborts, and is reported as a finding, like a crash.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "torchvino/error.hpp"
#include "torchvino/image.hpp"

namespace torchvino::fuzz {

// Limits small enough that a fuzzer's memory cap is never what stops a run: the limit checks
// themselves are under test (a header claiming 20000×20000 pixels must be refused, not tried).
inline constexpr InputLimits kLimits{.max_decompressed_bytes = 64u << 20, .max_image_pixels = 4'000'000};

// The process's scratch folder (on /dev/shm when it exists), removed at exit.
const std::filesystem::path& scratch();
// Writes `size` bytes to scratch()/name and returns the path.
std::filesystem::path write_scratch(std::string_view name, const uint8_t* data, size_t size);

// Runs `read`, treating torchvino::Error as the expected outcome of a bad input.
template <typename Read>
void refuse_cleanly(Read&& read) {
  try {
    read();
  } catch (const Error&) {
  }
}

}  // namespace torchvino::fuzz

// Called once by libFuzzer and by the replay main before any input.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
