// The pipeline report: report.json, report.md and report.svg, the printed table, and one record
// as JSON, from a PipelineReport built by hand (no training or evaluation).
#include <gtest/gtest.h>

#include <algorithm>
#include <sys/wait.h>

#include <cstdio>
#include <cctype>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"
#include "report/chart.hpp"
#include "torchvino/benchmark.hpp"
#include "torchvino/data.hpp"
#include "torchvino/report.hpp"

using nlohmann::json;
using test_support::read_bytes;
using test_support::TempDir;
using test_support::write_string;

namespace {

torchvino::ModeRecord record(torchvino::Mode mode, double accuracy, double throughput, uint64_t weights_kb) {
  torchvino::ModeRecord r;
  r.mode = mode;
  r.model_file = "runs/" + to_string(mode) + ".xml";
  r.weights_bytes = weights_kb * 1024;
  r.size_bytes = r.weights_bytes + 2048;
  r.requests = 2;
  r.eval.backend = to_string(mode);
  r.eval.images = 1000;
  r.eval.batch_size = 50;
  r.eval.accuracy = accuracy;
  r.eval.top5 = 0.995;
  r.eval.loss = 0.25;
  r.eval.throughput = throughput;
  r.eval.latency_mean_ms = 1.5;
  r.eval.latency_median_ms = 1.25;
  r.eval.latency_p90_ms = 2.75;
  r.eval.seconds = 0.5;
  r.eval.warmup_seconds = 0.125;
  return r;
}

// `fp32_reason` empty: the layer runs in INT8.
torchvino::QuantizedLayer quantized_layer(const std::string& name, const std::string& type,
                                          const std::string& fp32_reason = "") {
  torchvino::QuantizedLayer layer;
  layer.name = name;
  layer.type = type;
  layer.int8 = fp32_reason.empty();
  layer.reason = fp32_reason;
  return layer;
}

torchvino::PipelineReport sample_report() {
  torchvino::PipelineReport report;
  report.options.spec.arch = "convnet";
  report.options.data.name = "fashion-mnist";
  report.runtime.threads = 4;
  report.options.requests = 2;
  report.training.push_back({.epoch = 1, .loss = 0.5, .accuracy = 0.8, .test_accuracy = 0.85,
                             .seconds = 12});
  using torchvino::Mode;
  report.records = {record(Mode::PyTorch, 0.9094, 1000, 100), record(Mode::FP32, 0.9091, 2500, 100),
                    record(Mode::INT8, 0.9052, 5000, 25)};
  report.records[2].executed = {{"conv1", "Convolution", "u8", "layer1.0", {}},
                                {"reorder", "Reorder", "f32", "", {}},
                                {"fc", "FullyConnected", "f32", "fc", {}}};
  report.parity = {{Mode::FP32, 1e-5, 10, 1.0}, {Mode::INT8, 0.25, 10, 0.995}};
  report.quantized_layers = {quantized_layer("conv1", "Convolution"),
                             quantized_layer("fc", "MatMul", "in the ignored scope")};
  report.quantize_seconds = 3.5;
  report.warnings = {"fc does not execute in INT8", "R&D <note>"};
  return report;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Checks the XML that the SVG charts use: elements, quoted attributes, text and comments (no
// DTD, CDATA or processing instructions besides an optional declaration). Written here to keep
// the tests free of an XML library.
class XmlChecker {
 public:
  explicit XmlChecker(std::string_view xml) : xml_(xml) {}

  // Empty when well-formed; otherwise the first problem found and its offset.
  std::string problem() {
    skip_space();
    if (starts_with("<?xml")) {
      pos_ = xml_.find("?>", pos_);
      if (pos_ == std::string_view::npos) return "unterminated XML declaration";
      pos_ += 2;
      skip_space();
    }
    if (!starts_with("<")) return at("no root element");
    if (!element(&root_)) return error_;
    skip_space();
    if (pos_ != xml_.size()) return at("content after the root element");
    return "";
  }
  const std::string& root() const { return root_; }
  // How many elements of each name the document has.
  const std::map<std::string, int>& counts() const { return counts_; }

 private:
  bool element(std::string* name_out) {
    ++pos_;  // '<'
    const std::string name = read_name();
    if (name.empty()) return fail("'<' not starting a tag");
    ++counts_[name];
    if (name_out) *name_out = name;
    std::set<std::string> attributes;
    for (;;) {
      const bool spaced = skip_space();
      if (starts_with("/>")) {
        pos_ += 2;
        return true;
      }
      if (starts_with(">")) {
        ++pos_;
        return content(name);
      }
      if (!spaced) return fail("<" + name + "> attributes not separated by spaces");
      if (!attribute(name, attributes)) return false;
    }
  }

  bool attribute(const std::string& element, std::set<std::string>& seen) {
    const std::string name = read_name();
    if (name.empty()) return fail("<" + element + "> has a malformed attribute");
    if (!seen.insert(name).second) return fail("<" + element + "> repeats " + name);
    skip_space();
    if (!starts_with("=")) return fail(name + " has no value");
    ++pos_;
    skip_space();
    if (pos_ >= xml_.size() || (xml_[pos_] != '"' && xml_[pos_] != '\'')) {
      return fail(name + "'s value is not quoted");
    }
    const char quote = xml_[pos_++];
    const size_t end = xml_.find(quote, pos_);
    if (end == std::string_view::npos) return fail(name + "'s value is never closed");
    const std::string_view value = xml_.substr(pos_, end - pos_);
    if (value.find('<') != std::string_view::npos) return fail(name + "'s value holds '<'");
    if (!entities_ok(value)) return fail(name + "'s value holds a raw '&'");
    pos_ = end + 1;
    return true;
  }

  // Text and child elements up to the end tag of `name`.
  bool content(const std::string& name) {
    while (pos_ < xml_.size()) {
      if (starts_with("</")) return end_tag(name);
      if (starts_with("<!--")) {
        const size_t end = xml_.find("-->", pos_);
        if (end == std::string_view::npos) return fail("unterminated comment");
        pos_ = end + 3;
      } else if (xml_[pos_] == '<') {
        if (!element(nullptr)) return false;
      } else {
        const size_t end = std::min(xml_.find('<', pos_), xml_.size());
        if (!entities_ok(xml_.substr(pos_, end - pos_))) return fail("raw '&' in text");
        pos_ = end;
      }
    }
    return fail("<" + name + "> is never closed");
  }

  bool end_tag(const std::string& name) {
    pos_ += 2;
    const std::string closing = read_name();
    skip_space();
    if (closing != name) return fail("</" + closing + "> closes <" + name + ">");
    if (!starts_with(">")) return fail("</" + name + " is not closed by '>'");
    ++pos_;
    return true;
  }

  static bool entities_ok(std::string_view text) {
    static const std::set<std::string_view> kNamed = {"lt", "gt", "amp", "quot", "apos"};
    for (size_t amp = text.find('&'); amp != std::string_view::npos;
         amp = text.find('&', amp + 1)) {
      const size_t semi = text.find(';', amp);
      if (semi == std::string_view::npos) return false;
      const std::string_view entity = text.substr(amp + 1, semi - amp - 1);
      const bool numeric = entity.size() > 1 && entity[0] == '#' &&
                           entity.find_first_not_of("0123456789", 1) == std::string_view::npos;
      if (!numeric && !kNamed.contains(entity)) return false;
    }
    return true;
  }

  std::string read_name() {
    const size_t begin = pos_;
    while (pos_ < xml_.size() && is_name_char(xml_[pos_])) ++pos_;
    const std::string name(xml_.substr(begin, pos_ - begin));
    if (!name.empty() && (std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '-' ||
                          name[0] == '.')) {
      return "";
    }
    return name;
  }

  static bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':' || c == '.' ||
           c == '-';
  }

  bool skip_space() {
    const size_t begin = pos_;
    while (pos_ < xml_.size() && std::isspace(static_cast<unsigned char>(xml_[pos_]))) ++pos_;
    return pos_ > begin;
  }
  bool starts_with(std::string_view s) const { return xml_.substr(pos_).starts_with(s); }
  std::string at(const std::string& what) const {
    return what + " at offset " + std::to_string(pos_);
  }
  bool fail(const std::string& what) {
    error_ = at(what);
    return false;
  }

  std::string_view xml_;
  size_t pos_ = 0;
  std::string error_;
  std::string root_;
  std::map<std::string, int> counts_;
};

class ReportFiles : public ::testing::Test {
 protected:
  void SetUp() override { torchvino::write_report(report_, dir_.path()); }

  torchvino::PipelineReport report_ = sample_report();
  TempDir dir_{"report"};
};

}  // namespace

TEST_F(ReportFiles, WritesJsonMarkdownSvgAndHtmlAndNothingElse) {
  std::set<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_TRUE(entry.is_regular_file()) << entry.path();
    EXPECT_GT(entry.file_size(), 0u) << entry.path();
    files.insert(entry.path().filename().string());
  }
  // No temporaries of the atomic writes are left behind.
  EXPECT_EQ(files, (std::set<std::string>{"report.html", "report.json", "report.md", "report.svg"}));
}

TEST_F(ReportFiles, JsonHasEveryRecordWithItsFigures) {
  const json j = json::parse(read_bytes(dir_ / "report.json"));
  ASSERT_EQ(j.at("records").size(), 3u);
  for (size_t i = 0; i < report_.records.size(); ++i) {
    const auto& want = report_.records[i];
    const json& got = j["records"][i];
    SCOPED_TRACE(to_string(want.mode));
    EXPECT_EQ(got.at("mode"), to_string(want.mode));
    EXPECT_EQ(got.at("model_file"), want.model_file.string());
    EXPECT_EQ(got.at("size_bytes"), want.size_bytes);
    EXPECT_EQ(got.at("weights_bytes"), want.weights_bytes);
    EXPECT_EQ(got.at("images"), 1000);
    EXPECT_EQ(got.at("batch"), 50);
    EXPECT_EQ(got.at("requests"), 2);
    EXPECT_DOUBLE_EQ(got.at("accuracy").get<double>(), want.eval.accuracy);
    EXPECT_DOUBLE_EQ(got.at("top5").get<double>(), 0.995);
    EXPECT_DOUBLE_EQ(got.at("loss").get<double>(), 0.25);
    EXPECT_DOUBLE_EQ(got.at("throughput").get<double>(), want.eval.throughput);
    EXPECT_DOUBLE_EQ(got.at("latency_mean_ms").get<double>(), 1.5);
    EXPECT_DOUBLE_EQ(got.at("latency_median_ms").get<double>(), 1.25);
    EXPECT_DOUBLE_EQ(got.at("latency_p90_ms").get<double>(), 2.75);
    EXPECT_DOUBLE_EQ(got.at("seconds").get<double>(), 0.5);
    EXPECT_DOUBLE_EQ(got.at("warmup_seconds").get<double>(), 0.125);
  }
  // Only modes that ran on OpenVINO list layers, and only the quantizable ones.
  EXPECT_FALSE(j["records"][0].contains("executed_layers"));
  const json& layers = j["records"][2].at("executed_layers");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0], (json{{"name", "conv1"}, {"type", "Convolution"}, {"precision", "u8"}}));
  EXPECT_EQ(layers[1].at("precision"), "f32");
}

TEST_F(ReportFiles, JsonHasSettingsParityTrainingQuantizationAndWarnings) {
  const json j = json::parse(read_bytes(dir_ / "report.json"));
  EXPECT_EQ(j.at("settings").at("model"), "convnet");
  EXPECT_EQ(j.at("settings").at("dataset"), "fashion-mnist");
  EXPECT_EQ(j.at("settings").at("threads"), 4);
  EXPECT_EQ(j.at("settings").at("requests"), 2);
  for (const char* library : {"torchvino", "libtorch", "openvino"}) {
    EXPECT_FALSE(j.at("versions").at(library).get<std::string>().empty()) << library;
  }

  ASSERT_EQ(j.at("parity").size(), 2u);
  EXPECT_EQ(j["parity"][1].at("mode"), "int8");
  EXPECT_DOUBLE_EQ(j["parity"][1].at("max_abs_diff").get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["parity"][1].at("max_abs_logit").get<double>(), 10);
  EXPECT_DOUBLE_EQ(j["parity"][1].at("argmax_agreement").get<double>(), 0.995);

  ASSERT_EQ(j.at("training").size(), 1u);
  EXPECT_EQ(j["training"][0].at("epoch"), 1);
  EXPECT_DOUBLE_EQ(j["training"][0].at("test_accuracy").get<double>(), 0.85);

  EXPECT_DOUBLE_EQ(j.at("quantization").at("seconds").get<double>(), 3.5);
  const json& layers = j["quantization"].at("layers");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].at("int8"), true);
  EXPECT_EQ(layers[1], (json{{"name", "fc"}, {"type", "MatMul"}, {"int8", false},
                             {"reason", "in the ignored scope"}}));

  EXPECT_EQ(j.at("warnings"), (json{"fc does not execute in INT8", "R&D <note>"}));
}

TEST_F(ReportFiles, MarkdownTableHasAHeaderAndOneRowPerMode) {
  const auto lines = lines_of(read_bytes(dir_ / "report.md"));
  const std::string header =
      "| mode | accuracy | Δ vs pytorch | loss | images/s | speed-up | latency (ms/batch, mean / "
      "median / p90) | weights | on disk |";
  const auto at = std::find(lines.begin(), lines.end(), header);
  ASSERT_NE(at, lines.end()) << "no table header";
  ASSERT_GE(lines.end() - at, 5) << "table cut short";
  EXPECT_EQ(at[1], "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  EXPECT_EQ(at[2],
            "| pytorch | 90.94 % | +0.00 | 0.2500 | 1000 | 1.00× | 1.500 / 1.250 / 2.750 | "
            "100.0 KB | 102.0 KB |");
  EXPECT_EQ(at[3],
            "| fp32 | 90.91 % | -0.03 | 0.2500 | 2500 | 2.50× | 1.500 / 1.250 / 2.750 | "
            "100.0 KB | 102.0 KB |");
  EXPECT_EQ(at[4],
            "| int8 | 90.52 % | -0.42 | 0.2500 | 5000 | 5.00× | 1.500 / 1.250 / 2.750 | "
            "25.0 KB | 27.0 KB |");
  EXPECT_TRUE(at + 5 == lines.end() || at[5].empty()) << "a row too many: " << at[5];
}

TEST_F(ReportFiles, MarkdownListsParityLayersLeftInFp32AndWarnings) {
  const std::string md = read_bytes(dir_ / "report.md");
  EXPECT_NE(md.find("![accuracy and throughput per mode](report.svg)"), std::string::npos);
  EXPECT_NE(md.find("| int8 | 0.25 | 0.025 | 99.500 % |"), std::string::npos) << md;
  EXPECT_NE(md.find("1 of 2 quantizable layers in INT8 (3.5 s)."), std::string::npos) << md;
  EXPECT_NE(md.find("- `fc` (MatMul) stays FP32: in the ignored scope\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("`conv1`"), std::string::npos) << "INT8 layers are not listed";
  EXPECT_NE(md.find("## Warnings\n\n- fc does not execute in INT8\n- R&D <note>\n"),
            std::string::npos)
      << md;
}

TEST_F(ReportFiles, SvgIsWellFormedWithOneBarPerModeAndChart) {
  const std::string svg = read_bytes(dir_ / "report.svg");
  XmlChecker xml(svg);
  EXPECT_EQ(xml.problem(), "");
  EXPECT_EQ(xml.root(), "svg");
  EXPECT_EQ(xml.counts().at("svg"), 1);
  // The white background, then accuracy and throughput bars for each of the three modes.
  EXPECT_EQ(xml.counts().at("rect"), 1 + 2 * 3);
  EXPECT_NE(svg.find(">90.94</text>"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">5000</text>"), std::string::npos) << svg;
}

// The page is XHTML-shaped (every element closed), so the XML checker can check all of it.
std::string html_body(const std::string& page) {
  const std::string doctype = "<!DOCTYPE html>\n";
  EXPECT_EQ(page.rfind(doctype, 0), 0u);
  return page.substr(std::min(page.size(), doctype.size()));
}

TEST_F(ReportFiles, HtmlIsOneWellFormedSelfContainedPage) {
  const std::string page = read_bytes(dir_ / "report.html");
  const std::string body = html_body(page);  // the checker keeps a view of it
  XmlChecker xml(body);
  EXPECT_EQ(xml.problem(), "");
  EXPECT_EQ(xml.root(), "html");
  // Charts: accuracy against throughput, the bars (accuracy, throughput, speed-up), latency.
  EXPECT_EQ(xml.counts().at("svg"), 3);
  EXPECT_EQ(xml.counts().at("circle"), 3);  // one point per mode
  EXPECT_GE(xml.counts().at("table"), 2);   // modes, parity
  for (const char* fetched : {"src=", "href=", "<script", "@import", "url("})
    EXPECT_EQ(page.find(fetched), std::string::npos) << fetched;
  for (const char* cell : {"<td>pytorch</td>", "<td>int8</td>", "<td>90.94 %</td>", "Speed-up over fp32"})
    EXPECT_NE(page.find(cell), std::string::npos) << cell;
}

TEST(ReportHtml, MarkupInWarningsAndNamesIsEscaped) {
  auto report = sample_report();
  report.warnings = {"layer <script>alert(1)</script> & co"};
  TempDir dir("report_html_escape");
  torchvino::write_report(report, dir.path());
  const std::string page = read_bytes(dir / "report.html");
  EXPECT_EQ(XmlChecker(html_body(page)).problem(), "");
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("layer &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), std::string::npos);
}

TEST(ReportHtml, BenchPageHasMachineTableAndCharts) {
  torchvino::MachineInfo machine;
  machine.cpu_model = "Test CPU <x>";
  machine.microarchitecture = "Zen 5";
  torchvino::BenchSettings settings;
  std::vector<torchvino::BenchResult> results(2);
  results[0].model = "m.xml", results[0].mode = torchvino::Mode::FP32, results[0].throughput = 1000;
  results[1].model = "m.xml", results[1].mode = torchvino::Mode::BF16, results[1].throughput = 2500;
  results[0].latency = {.min = 1, .median = 2, .mean = 2.5, .p90 = 3, .p99 = 4, .max = 9};
  results[1].latency = {.min = 0.5, .median = 0.8, .mean = 1, .p90 = 1.2, .p99 = 2, .max = 5};
  const std::string page = torchvino::bench_to_html(machine, 3.9, settings, results);
  const std::string body = html_body(page);
  XmlChecker xml(body);
  EXPECT_EQ(xml.problem(), "");
  EXPECT_EQ(xml.counts().at("svg"), 2);  // bars (throughput, speed-up), latency ranges
  EXPECT_NE(page.find("Test CPU &lt;x&gt;"), std::string::npos);
  EXPECT_NE(page.find(">2.50×</text>"), std::string::npos) << "bf16 over fp32";
  EXPECT_NE(page.find("<td>2500.0</td>"), std::string::npos);
}

// Debian's headless Chromium opens the page: it must render something (not a blank screenshot)
// and log nothing to the console (the page has no script, so any console line is an error).
class ReportInBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kChromium))
      GTEST_SKIP() << kChromium << " not found: Debian's chromium package is needed (apt-get install chromium)";
  }
  struct Rendered {
    int exit_code = -1;
    std::vector<std::string> console;  // console messages the browser logged
    torch::Tensor screenshot;         // H×W×3 uint8
  };
  Rendered render(const std::filesystem::path& page) {
    const auto png = dir_ / (page.stem().string() + ".png");
    const std::string command = std::string(kChromium) +
                                " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1600"
                                " --enable-logging=stderr --v=0 --screenshot=" + png.string() + " file://" +
                                std::filesystem::absolute(page).string() + " 2>&1";
    Rendered out;
    FILE* pipe = ::popen(command.c_str(), "r");
    std::string log;
    char buffer[4096];
    for (size_t n; pipe && (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) log.append(buffer, n);
    out.exit_code = pipe ? WEXITSTATUS(::pclose(pipe)) : -1;
    for (const auto& line : lines_of(log))
      if (line.find(":CONSOLE") != std::string::npos) out.console.push_back(line);
    if (std::filesystem::exists(png)) out.screenshot = torchvino::decode_image(png);
    return out;
  }
  // Share of pixels that are not (near) white.
  static double inked(const torch::Tensor& rgb) {
    return (rgb.to(torch::kInt).amin(2) < 200).to(torch::kFloat).mean().item<double>();
  }
  static constexpr const char* kChromium = "/usr/bin/chromium";
  TempDir dir_{"report_browser"};
};

TEST_F(ReportInBrowser, PipelinePageRendersChartsWithoutConsoleErrors) {
  torchvino::write_report(sample_report(), dir_.path());
  const auto r = render(dir_ / "report.html");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.console.empty()) << r.console.front();
  ASSERT_TRUE(r.screenshot.defined());
  EXPECT_GT(inked(r.screenshot), 0.02) << "the screenshot is (nearly) blank";
  // The chart colours are on screen: the palette's blue (#4e79a7) somewhere.
  const auto px = r.screenshot.to(torch::kInt);
  const auto blue = ((px.select(2, 0) - 0x4e).abs() < 8) & ((px.select(2, 1) - 0x79).abs() < 8) &
                    ((px.select(2, 2) - 0xa7).abs() < 8);
  EXPECT_GT(blue.sum().item<int64_t>(), 100);
}

// The checks above must be able to fail: a blank page and a page with a script error.
TEST_F(ReportInBrowser, TheChecksSeeABlankPageAndAConsoleError) {
  write_string(dir_ / "blank.html", "<!DOCTYPE html><html><body></body></html>");
  write_string(dir_ / "error.html", "<!DOCTYPE html><html><body><p>x</p><script>console.error('boom')</script></body></html>");
  const auto blank = render(dir_ / "blank.html");
  ASSERT_TRUE(blank.screenshot.defined());
  EXPECT_LT(inked(blank.screenshot), 0.001);
  EXPECT_EQ(render(dir_ / "error.html").console.size(), 1u);
}

TEST(ReportSvg, MarkupInLabelsIsEscaped) {
  const std::string svg =
      torchvino::report::bar_charts_svg({{"Top-1 <accuracy>", {{"fp16 <R&D>", 90.5}, {"int8", 90.1}}, "{:.1f}"}});
  EXPECT_EQ(XmlChecker(svg).problem(), "") << svg;
  EXPECT_NE(svg.find("fp16 &lt;R&amp;D&gt;"), std::string::npos) << svg;
}

// The checker above must be able to fail, or the SVG tests prove nothing.
TEST(ReportSvg, XmlCheckerRejectsMalformedDocuments) {
  EXPECT_EQ(XmlChecker("<svg a=\"1\" b='2'><g><text>x &amp; y</text></g><rect/></svg>").problem(),
            "");
  for (const char* bad : {
           "",                                  // no root
           "<svg><g></svg>",                    // <g> never closed
           "<svg></g>",                         // wrong end tag
           "<svg width=10></svg>",              // unquoted attribute
           "<svg a=\"1\"a=\"2\"></svg>",        // attributes run together
           "<svg a=\"1\" a=\"2\"></svg>",       // repeated attribute
           "<svg><text>R&D</text></svg>",       // raw '&'
           "<svg><text>1 < 2</text></svg>",     // raw '<'
           "<svg a=\"<\"></svg>",               // '<' in an attribute
           "<svg></svg><svg></svg>",            // two roots
           "<svg>",                             // unterminated
       }) {
    EXPECT_NE(XmlChecker(bad).problem(), "") << bad;
  }
}

TEST(ReportTable, OneLinePerModeUnderAHeader) {
  const auto lines = lines_of(torchvino::format_table(sample_report()));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[0].starts_with("mode ")) << lines[0];
  EXPECT_NE(lines[0].find("accuracy"), std::string::npos);
  EXPECT_NE(lines[0].find("speed-up"), std::string::npos);
  const std::vector<std::vector<std::string>> rows = {
      {"pytorch ", "90.94%", "+0.00", "1000", "1.00x", "100.0 KB", "102.0 KB"},
      {"fp32 ", "90.91%", "-0.03", "2500", "2.50x", "100.0 KB", "102.0 KB"},
      {"int8 ", "90.52%", "-0.42", "5000", "5.00x", "25.0 KB", "27.0 KB"}};
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string& line = lines[i + 1];
    EXPECT_TRUE(line.starts_with(rows[i][0])) << line;
    for (const auto& figure : rows[i]) EXPECT_NE(line.find(figure), std::string::npos) << line;
  }
}

TEST(ReportTable, WithoutAPytorchModeTheComparisonsAreDashes) {
  torchvino::PipelineReport report = sample_report();
  report.records.erase(report.records.begin());
  const auto lines = lines_of(torchvino::format_table(report));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].find("x "), std::string::npos) << "no speed-up: " << lines[1];
  EXPECT_NE(lines[1].find(" - "), std::string::npos) << lines[1];
}

TEST(ReportRecordJson, RoundTripsTheKeyFigures) {
  const torchvino::ModeRecord want = sample_report().records[2];
  const std::string text = torchvino::record_to_json(want);
  EXPECT_TRUE(text.ends_with("}\n"));
  const json got = json::parse(text);
  EXPECT_EQ(got.at("mode").get<std::string>(), to_string(want.mode));
  EXPECT_EQ(got.at("model_file").get<std::string>(), want.model_file.string());
  EXPECT_EQ(got.at("size_bytes").get<uint64_t>(), want.size_bytes);
  EXPECT_EQ(got.at("weights_bytes").get<uint64_t>(), want.weights_bytes);
  EXPECT_EQ(got.at("images").get<int64_t>(), want.eval.images);
  EXPECT_EQ(got.at("batch").get<int64_t>(), want.eval.batch_size);
  EXPECT_EQ(got.at("requests").get<int>(), want.requests);
  EXPECT_EQ(got.at("accuracy").get<double>(), want.eval.accuracy);
  EXPECT_EQ(got.at("throughput").get<double>(), want.eval.throughput);
  EXPECT_EQ(got.at("latency_median_ms").get<double>(), want.eval.latency_median_ms);
  EXPECT_EQ(got.at("executed_layers").size(), 2u);
}
