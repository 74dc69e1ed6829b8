// Human-facing outputs of a run, made from its metrics.json: a Markdown table row that sits
// beside the paper's number, the confusion matrices as CSV, and SVG plots (learning curves,
// confusion heat map) that open in any browser.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mgr::train {

void write_reports(const std::string& run_dir, const nlohmann::json& metrics);

// The Markdown table header and the row for one run (also used by table tools).
std::string table_header();
std::string table_row(const nlohmann::json& metrics);

std::string svg_learning_curves(const nlohmann::json& history);

// One line of a chart: points (x[i], y[i]); non-finite y are skipped.
struct ChartSeries {
  std::string name, color, dash;  // dash: SVG stroke-dasharray ("" solid, "6,4" dashed)
  std::vector<double> x, y;
};
// Lines over a shared x axis with a legend; the y range is [y_lo, y_hi], or the data's when
// y_lo >= y_hi (the default).
std::string svg_line_chart(const std::vector<ChartSeries>& series, const std::string& title,
                           const std::string& x_label, double y_lo = 0, double y_hi = 0);
std::string svg_confusion(const nlohmann::json& confusion, const nlohmann::json& class_names,
                          const std::string& title);

}  // namespace mgr::train
