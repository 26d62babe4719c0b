#pragma once
// A self-contained HTML page (inline CSS and SVG, nothing fetched), built piece by piece: the
// reports people open in a browser, written without a templating library.
#include <string>
#include <vector>

namespace torchvino::report {

std::string escape_html(const std::string& text);

class HtmlPage {
 public:
  explicit HtmlPage(const std::string& title);
  void heading(const std::string& text, int level = 2);
  void paragraph(const std::string& text);
  // Cells are text (escaped); columns after the first are right-aligned when `numeric`.
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
             bool numeric = true);
  void list(const std::vector<std::string>& items);
  // An SVG document from chart.hpp, inlined (its XML prolog-free text).
  void figure(const std::string& svg, const std::string& caption);
  std::string str() const;

 private:
  std::string body_;
  std::string title_;
};

}  // namespace torchvino::report
