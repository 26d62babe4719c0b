// What this CPU can execute: ISA extensions (cpuid), what the OpenVINO CPU plugin offers, and
// TORCHVINO_HIDE_ISA, which hides extensions to test the paths for CPUs without them.
#include <openvino/runtime/properties.hpp>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "torchvino/error.hpp"
#include "torchvino/runtime.hpp"

namespace torchvino {

namespace {
std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}
}  // namespace

bool isa_hidden(const std::string& isa) {
  const char* env = std::getenv("TORCHVINO_HIDE_ISA");
  if (!env) return false;
  std::stringstream list(env);
  for (std::string item; std::getline(list, item, ',');)
    if (lower(item) == lower(isa)) return true;
  return false;
}

bool cpu_has_vnni() {
  if (isa_hidden("vnni")) return false;
#if defined(__x86_64__) || defined(__i386__)
  // AVX512-VNNI: leaf 7 ECX bit 11 (AMX CPUs report it too); AVX-VNNI: leaf 7.1 EAX bit 4. Read
  // with cpuid: not every compiler's __builtin_cpu_supports knows "avxvnni" (clang 14 does not).
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  if (c & (1u << 11)) return true;
  return a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4));
#else
  return false;
#endif
}

std::optional<std::string> bf16_unsupported_reason(const RuntimeContext& runtime) {
  if (isa_hidden("bf16")) return "bf16 is hidden by TORCHVINO_HIDE_ISA";
  // The plugin's own word: it lists BF16 only where it has bf16 kernels (AVX512-BF16, AMX).
  const auto capabilities = openvino_core().get_property(runtime.device, ov::device::capabilities);
  if (std::find(capabilities.begin(), capabilities.end(), ov::device::capability::BF16) == capabilities.end())
    return "the OpenVINO " + runtime.device + " plugin does not offer bf16 on this CPU (no AVX512-BF16 or AMX)";
  return std::nullopt;
}

bool cpu_has_bf16(const RuntimeContext& runtime) { return !bf16_unsupported_reason(runtime); }

RuntimeContext runtime_for(Mode mode, const RuntimeContext& runtime) {
  RuntimeContext r = runtime;
  r.inference_precision = InferencePrecision::F32;
  if (mode == Mode::BF16) {
    if (auto why = bf16_unsupported_reason(runtime)) throw Error("mode bf16 cannot run: " + *why);
    r.inference_precision = InferencePrecision::BF16;
  }
  return r;
}

}  // namespace torchvino
