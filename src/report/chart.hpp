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

}  // namespace torchvino::report
