#pragma once
#include <string>
#include <vector>

namespace torchvino::report {

struct Bar {
  std::string label;
  double value = 0;
};

struct BarChart {
  std::string title;
  std::vector<Bar> bars;
  std::string value_format;  // fmt format for the value printed above each bar
};

// Side-by-side bar charts as one standalone SVG document (viewable in any browser and in
// Markdown renderers), so reports need no plotting library.
std::string bar_charts_svg(const std::vector<BarChart>& charts);

// One labelled point per item (e.g. a mode: throughput across, accuracy up), axes from the data.
struct Point {
  std::string label;
  double x = 0, y = 0;
};
std::string scatter_svg(const std::string& title, const std::string& x_title, const std::string& y_title,
                        const std::vector<Point>& points);

// One horizontal row per item: a line from `low` to `high`, a box from `q1` to `q3`, a mark at
// `mid` (e.g. latency: min to max, median to p90, median). Zero fields are drawn at `mid`.
struct Range {
  std::string label;
  double low = 0, q1 = 0, mid = 0, q3 = 0, high = 0;
};
std::string ranges_svg(const std::string& title, const std::string& axis_title, const std::vector<Range>& rows);

// XML text escaping for SVG labels.
std::string escape_xml(const std::string& text);

// The series colours every chart of a report shares, in order.
inline constexpr const char* kSeriesColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948"};

}  // namespace torchvino::report
