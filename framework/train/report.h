// Human-facing outputs of a run, made from its metrics.json: a Markdown table row that sits
// beside the paper's number, the confusion matrices as CSV, and SVG plots (learning curves,
// confusion heat map) that open in any browser.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mgr::train {

void write_reports(const std::string& run_dir, const nlohmann::json& metrics);

// The Markdown table header and the row for one run (also used by table tools).
std::string table_header();
std::string table_row(const nlohmann::json& metrics);

std::string svg_learning_curves(const nlohmann::json& history);
std::string svg_confusion(const nlohmann::json& confusion, const nlohmann::json& class_names,
                          const std::string& title);

}  // namespace mgr::train
