#include "report/chart.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace torchvino::report {

namespace {
constexpr int kChartWidth = 360, kChartHeight = 260, kMargin = 40, kTitleHeight = 30;

std::string escape(const std::string& s) { return escape_xml(s); }
}  // namespace

std::string escape_xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

std::string bar_charts_svg(const std::vector<BarChart>& charts) {
  const int width = int(charts.size()) * kChartWidth;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, kChartHeight);
  for (size_t c = 0; c < charts.size(); ++c) {
    const auto& chart = charts[c];
    const int x0 = int(c) * kChartWidth + kMargin;
    const int plot_w = kChartWidth - 2 * kMargin;
    const int plot_h = kChartHeight - kTitleHeight - 2 * kMargin + 10;
    const int base_y = kTitleHeight + 20 + plot_h;
    double max_value = 0;
    for (const auto& b : chart.bars) max_value = std::max(max_value, b.value);
    if (max_value <= 0) max_value = 1;
    svg += fmt::format("<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n",
                       x0 + plot_w / 2, escape(chart.title));
    svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", x0, base_y,
                       x0 + plot_w, base_y);
    const int n = std::max<int>(1, int(chart.bars.size()));
    const int slot = plot_w / n;
    for (size_t i = 0; i < chart.bars.size(); ++i) {
      const auto& bar = chart.bars[i];
      const int h = int(double(plot_h) * bar.value / max_value);
      const int bx = x0 + int(i) * slot + slot / 6;
      const int bw = slot * 2 / 3;
      svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", bx,
                         base_y - h, bw, h, kSeriesColors[i % std::size(kSeriesColors)]);
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", bx + bw / 2,
                         base_y - h - 4, escape(fmt::format(fmt::runtime(chart.value_format), bar.value)));
      svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", bx + bw / 2,
                         base_y + 16, escape(bar.label));
    }
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace torchvino::report
