#include "report/html_page.hpp"

#include <fmt/format.h>

namespace torchvino::report {

std::string escape_html(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

HtmlPage::HtmlPage(const std::string& title) : title_(title) { heading(title, 1); }

void HtmlPage::heading(const std::string& text, int level) {
  body_ += fmt::format("<h{0}>{1}</h{0}>\n", level, escape_html(text));
}

void HtmlPage::paragraph(const std::string& text) { body_ += "<p>" + escape_html(text) + "</p>\n"; }

void HtmlPage::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                     bool numeric) {
  body_ += numeric ? "<table class=\"numeric\">\n<tr>" : "<table>\n<tr>";
  for (const auto& h : header) body_ += "<th>" + escape_html(h) + "</th>";
  body_ += "</tr>\n";
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (const auto& cell : row) body_ += "<td>" + escape_html(cell) + "</td>";
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
}

void HtmlPage::list(const std::vector<std::string>& items) {
  body_ += "<ul>\n";
  for (const auto& item : items) body_ += "<li>" + escape_html(item) + "</li>\n";
  body_ += "</ul>\n";
}

void HtmlPage::figure(const std::string& svg, const std::string& caption) {
  body_ += "<figure>\n" + svg + "<figcaption>" + escape_html(caption) + "</figcaption>\n</figure>\n";
}

std::string HtmlPage::str() const {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>" + escape_html(title_) +
         "</title>\n<style>\n"
         "body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1200px; }\n"
         "table { border-collapse: collapse; margin: 1em 0; }\n"
         "th, td { border: 1px solid #ccc; padding: 4px 8px; }\n"
         "th { background: #f0f0f0; }\n"
         "table.numeric td:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }\n"
         "figure { display: inline-block; margin: 1em 1em 1em 0; }\n"
         "figcaption { color: #555; font-size: 90%; }\n"
         "</style>\n</head>\n<body>\n" +
         body_ + "</body>\n</html>\n";
}

}  // namespace torchvino::report
