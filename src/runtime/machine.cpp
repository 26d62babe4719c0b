// The machine a benchmark runs on: cpuid flags, cores, clock under load, and the peak
// multiply-accumulate rate per core and precision (docs/benchmarking.md explains the table).
#include <fmt/format.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "torchvino/benchmark.hpp"
#include "torchvino/report.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace torchvino {

namespace {

struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned subleaf = 0) {
  Regs r;
#if defined(__x86_64__) || defined(__i386__)
  if (!__get_cpuid_count(leaf, subleaf, &r.a, &r.b, &r.c, &r.d)) return Regs{};
#else
  (void)leaf;
  (void)subleaf;
#endif
  return r;
}

bool bit(unsigned value, int n) { return (value >> n) & 1u; }

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  const auto last = s.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

std::string brand_string() {
  if (cpuid(0x80000000).a < 0x80000004) return "unknown CPU";
  std::string brand;
  for (unsigned leaf = 0x80000002; leaf <= 0x80000004; ++leaf) {
    const Regs r = cpuid(leaf);
    for (unsigned v : {r.a, r.b, r.c, r.d})
      for (int i = 0; i < 4; ++i) brand += char((v >> (8 * i)) & 0xff);
  }
  return trim(brand.c_str());  // stops at the first NUL
}

int read_int(const std::string& path) {
  std::ifstream in(path);
  int v = -1;
  in >> v;
  return in ? v : -1;
}

// Logical CPUs this process may run on, and the distinct (package, core) pairs among them.
std::pair<int, int> usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) {
    const int n = int(std::thread::hardware_concurrency());
    return {n, n};
  }
  std::set<std::pair<int, int>> cores;
  int logical = 0;
  bool topology = true;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    ++logical;
    const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    const int package = read_int(dir + "physical_package_id"), core = read_int(dir + "core_id");
    if (package < 0 || core < 0) topology = false;
    cores.insert({package, core});
  }
  return {logical, topology ? int(cores.size()) : logical};
}

std::string microarchitecture(const MachineInfo& m) {
  if (m.vendor == "AuthenticAMD") {
    if (m.family == 0x17) return "Zen/Zen 2";
    if (m.family == 0x19) return m.avx512f ? "Zen 4" : "Zen 3";
    if (m.family == 0x1A) return "Zen 5";
  }
  if (m.vendor == "GenuineIntel" && m.family == 6) {
    // Server cores by model number; a hypervisor may hide some of their extensions (AMX, bf16),
    // which the ISA list shows.
    switch (m.model) {
      case 0x55: return "Skylake-SP/Cascade Lake";
      case 0x6A:
      case 0x6C: return "Ice Lake-SP";
      case 0x8F: return "Sapphire Rapids";
      case 0xCF: return "Emerald Rapids";
      case 0xAD:
      case 0xAE: return "Granite Rapids";
      default: break;
    }
    if (m.amx_tile) return "Intel with AMX (Sapphire Rapids or later)";
    if (m.avx512f) return "Intel with AVX-512";
    if (m.avx2) return "Intel with AVX2";
  }
  return "unknown";
}

}  // namespace

std::string MachineInfo::isa_list() const {
  std::string out;
  auto add = [&](bool has, const char* name) {
    if (!has) return;
    if (!out.empty()) out += ' ';
    out += name;
  };
  add(avx2, "AVX2");
  add(fma, "FMA");
  add(avx512f, "AVX-512F");
  add(avx512bw, "AVX-512BW");
  add(avx512_vnni, "AVX512-VNNI");
  add(avx_vnni, "AVX-VNNI");
  add(avx512_bf16, "AVX512-BF16");
  add(amx_tile, "AMX-TILE");
  add(amx_bf16, "AMX-BF16");
  add(amx_int8, "AMX-INT8");
  return out.empty() ? "none of AVX2/AVX-512/VNNI/BF16/AMX" : out;
}

MachineInfo machine_info() {
  MachineInfo m;
  const Regs v = cpuid(0);
  for (unsigned reg : {v.b, v.d, v.c})
    for (int i = 0; i < 4; ++i) m.vendor += char((reg >> (8 * i)) & 0xff);
  m.cpu_model = brand_string();
  const Regs l1 = cpuid(1);
  const int base_family = int((l1.a >> 8) & 0xf), base_model = int((l1.a >> 4) & 0xf);
  m.family = base_family == 0xf ? base_family + int((l1.a >> 20) & 0xff) : base_family;
  m.model = (base_family == 0x6 || base_family == 0xf) ? (int((l1.a >> 16) & 0xf) << 4) + base_model : base_model;
  m.fma = bit(l1.c, 12);
  const unsigned max_leaf = v.a;
  if (max_leaf >= 7) {
    const Regs l7 = cpuid(7, 0);
    m.avx2 = bit(l7.b, 5);
    m.avx512f = bit(l7.b, 16);
    m.avx512bw = bit(l7.b, 30);
    m.avx512_vnni = bit(l7.c, 11);
    m.amx_bf16 = bit(l7.d, 22);
    m.amx_tile = bit(l7.d, 24);
    m.amx_int8 = bit(l7.d, 25);
    if (l7.a >= 1) {
      const Regs l71 = cpuid(7, 1);
      m.avx_vnni = bit(l71.a, 4);
      m.avx512_bf16 = bit(l71.a, 5);
    }
  }
  // The same switches the runtime honours, so a hidden extension is hidden everywhere.
  if (isa_hidden("avx512")) m.avx512f = m.avx512bw = m.avx512_vnni = m.avx512_bf16 = false;
  if (isa_hidden("vnni")) m.avx512_vnni = m.avx_vnni = false;
  if (isa_hidden("bf16")) m.avx512_bf16 = m.amx_bf16 = false;
  if (isa_hidden("amx")) m.amx_tile = m.amx_bf16 = m.amx_int8 = false;
  m.microarchitecture = microarchitecture(m);
  std::tie(m.logical_cpus, m.physical_cores) = usable_cpus();
  m.openvino_version = openvino_version();
  m.libtorch_version = torch_version();
  return m;
}

double measure_clock_ghz(int threads, double seconds) {
#if defined(__x86_64__)
  threads = std::max(threads, 1);
  std::vector<double> ghz(size_t(threads), 0.0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&ghz, t, seconds] {
      // The thread's CPU time, not the wall time: on a busy machine the thread is descheduled
      // part of the time, and only the cycles it really ran count.
      auto cpu_seconds = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
      };
      const double start = cpu_seconds();
      uint64_t adds = 0, x = 0;
      const uint64_t one = 1;
      double elapsed = 0;
      do {
        // 1000 adds, each waiting for the one before: one per cycle on every x86 core. The loop
        // counter runs in parallel to the chain and costs no cycles of it. Register operands, not
        // an immediate: Intel's cores since Golden Cove fold chains of add-immediate at rename and
        // retire several per cycle (such a probe read 8-16 GHz on a Xeon of family 6 model 207).
        for (int i = 0; i < 10; ++i) asm volatile(".rept 100\n\tadd %1, %0\n\t.endr" : "+r"(x) : "r"(one));
        adds += 1000;
        if (adds % 1'000'000 == 0) elapsed = cpu_seconds() - start;
      } while (elapsed < seconds);
      ghz[size_t(t)] = double(adds) / elapsed / 1e9;
    });
  for (auto& w : workers) w.join();
  double sum = 0;
  for (double g : ghz) sum += g;
  return sum / threads;
#else
  (void)threads;
  (void)seconds;
  return 0;
#endif
}

ov::element::Type compute_precision(Mode mode) {
  switch (mode) {
    case Mode::BF16: return ov::element::bf16;
    case Mode::INT8: return ov::element::i8;
    default: return ov::element::f32;  // fp16: FP16 weights, f32 compute
  }
}

CorePeak core_peak(const MachineInfo& m, ov::element::Type precision) {
  // Two vector FMA pipes per core on every x86 core we target (Zen 2-5, Intel's big cores; a few
  // Xeon Bronze/Silver parts have one AVX-512 FMA unit and reach half of this).
  const int pipes = 2;
  const int register_bits = m.avx512f ? 512 : m.avx2 ? 256 : 128;
  // Zen 4 executes a 512-bit instruction as two 256-bit halves; Zen 5 (server, desktop) at full width.
  const bool half_pumped = m.microarchitecture == "Zen 4";
  const int datapath_bits = half_pumped ? 256 : register_bits;
  const double f32_lanes = datapath_bits / 32.0;
  const std::string units = fmt::format("{}×{}-bit pipes{}", pipes, datapath_bits,
                                        half_pumped ? " (512-bit ops as two 256-bit halves)" : "");
  if (precision == ov::element::bf16) {
    if (m.amx_bf16) return {512, "AMX-BF16 TMUL: 16×16×32 MACs every 16 cycles"};
    if (m.avx512_bf16)
      return {pipes * f32_lanes * 2, units + ", VDPBF16PS: 2 bf16 MACs per f32 lane"};
    return {0, "no bf16 instructions"};
  }
  if (precision == ov::element::i8 || precision == ov::element::u8) {
    if (m.amx_int8) return {1024, "AMX-INT8 TMUL: 16×16×64 MACs every 16 cycles"};
    if (m.avx512_vnni) return {pipes * f32_lanes * 4, units + ", VPDPBUSD: 4 u8×s8 MACs per i32 lane"};
    if (m.avx_vnni) return {pipes * 8.0 * 4, "2×256-bit pipes, AVX-VNNI VPDPBUSD: 4 MACs per i32 lane"};
    return {pipes * f32_lanes * 4 / 3, units + ", no VNNI: VPMADDUBSW+VPMADDWD+VPADDD, 3 instructions per 4 MACs/lane"};
  }
  if (m.fma) return {pipes * f32_lanes, units + ", FMA: 1 f32 MAC per lane"};
  return {pipes * f32_lanes / 2, units + ", no FMA: separate multiply and add"};
}

}  // namespace torchvino
