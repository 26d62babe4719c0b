// The scatter and range charts of the HTML reports (the bar charts are in chart.cpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/chart.hpp"

namespace torchvino::report {

namespace {

constexpr int kLeft = 70, kRight = 30, kTop = 40, kBottom = 50;

std::string svg_open(int width, int height) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
}

// Axis limits padded by 5 % of the span (or of the value, for a single value).
std::pair<double, double> padded(double lo, double hi) {
  const double span = hi > lo ? hi - lo : std::max(std::abs(hi), 1.0);
  return {lo - 0.05 * span, hi + 0.05 * span};
}

// Tick labels: whole numbers from 100 up (no exponents), else 3 significant digits.
std::string number(double v) { return std::abs(v) >= 100 ? fmt::format("{:.0f}", v) : fmt::format("{:.3g}", v); }

}  // namespace

std::string scatter_svg(const std::string& title, const std::string& x_title, const std::string& y_title,
                        const std::vector<Point>& points) {
  constexpr int width = 480, height = 320;
  const int plot_w = width - kLeft - kRight, plot_h = height - kTop - kBottom;
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  if (!points.empty()) {
    const auto [xmin, xmax] = std::minmax_element(points.begin(), points.end(),
                                                  [](const Point& a, const Point& b) { return a.x < b.x; });
    const auto [ymin, ymax] = std::minmax_element(points.begin(), points.end(),
                                                  [](const Point& a, const Point& b) { return a.y < b.y; });
    std::tie(x_lo, x_hi) = padded(std::min(0.0, xmin->x), xmax->x);
    if (xmin->x >= 0) x_lo = 0;  // throughput-like axes start at zero
    std::tie(y_lo, y_hi) = padded(ymin->y, ymax->y);
  }
  auto px = [&](double x) { return kLeft + (x - x_lo) / (x_hi - x_lo) * plot_w; };
  auto py = [&](double y) { return kTop + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h; };
  std::string svg = svg_open(width, height);
  svg += fmt::format("<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n",
                     width / 2, escape_xml(title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n", kLeft,
                     kTop, plot_w, plot_h);
  for (int i = 0; i <= 4; ++i) {  // ticks: 5 values per axis
    const double x = x_lo + (x_hi - x_lo) * i / 4, y = y_lo + (y_hi - y_lo) * i / 4;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(x), kTop + plot_h + 16,
                       number(x));
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 6, py(y) + 4, number(y));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", kLeft + plot_w / 2, height - 10,
                     escape_xml(x_title));
  svg += fmt::format("<text x=\"14\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {})\">{}</text>\n",
                     kTop + plot_h / 2, kTop + plot_h / 2, escape_xml(y_title));
  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"6\" fill=\"{}\"/>\n", px(p.x), py(p.y),
                       kSeriesColors[i % std::size(kSeriesColors)]);
    // Labels alternate above and below their points, so that neighbours do not overprint.
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", px(p.x) + 8, py(p.y) + (i % 2 ? 18 : -9),
                       escape_xml(p.label));
  }
  return svg + "</svg>\n";
}

std::string ranges_svg(const std::string& title, const std::string& axis_title, const std::vector<Range>& rows) {
  constexpr int width = 640, row_h = 26, label_w = 200;
  const int height = kTop + int(rows.size()) * row_h + kBottom;
  const int plot_w = width - label_w - kRight;
  double hi = 0;
  for (const auto& r : rows) hi = std::max({hi, r.high, r.q3, r.mid});
  if (hi <= 0) hi = 1;
  hi *= 1.05;
  auto px = [&](double v) { return label_w + v / hi * plot_w; };
  auto or_mid = [](double v, const Range& r) { return v > 0 ? v : r.mid; };
  std::string svg = svg_open(width, height);
  svg += fmt::format("<text x=\"{}\" y=\"20\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\n", width / 2,
                     escape_xml(title));
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const int y = kTop + int(i) * row_h + row_h / 2;
    const char* color = kSeriesColors[i % std::size(kSeriesColors)];
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", label_w - 8, y + 4,
                       escape_xml(r.label));
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"{}\"/>\n",
                       px(or_mid(r.low, r)), y, px(or_mid(r.high, r)), y, color);
    const double q1 = or_mid(r.q1, r), q3 = or_mid(r.q3, r);
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"12\" fill=\"{}\" opacity=\"0.5\"/>\n",
                       px(q1), y - 6, std::max(1.0, px(q3) - px(q1)), color);
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\" stroke=\"#222\" stroke-width=\"2\"/>\n",
                       px(r.mid), y - 8, px(r.mid), y + 8);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", px(or_mid(r.high, r)) + 6, y + 4, number(r.mid));
  }
  const int axis_y = kTop + int(rows.size()) * row_h + 4;
  svg += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", label_w, axis_y,
                     label_w + plot_w, axis_y);
  for (int i = 0; i <= 4; ++i)
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", px(hi * i / 4), axis_y + 16,
                       number(hi * i / 4));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", label_w + plot_w / 2,
                     height - 8, escape_xml(axis_title));
  return svg + "</svg>\n";
}

}  // namespace torchvino::report
