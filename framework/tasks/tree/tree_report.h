// Pictures and tables of a tree run, made from its metrics.json: the tree as an SVG (each node
// with its test accuracy on its own genres beside the paper's, each genre leaf with its recall
// under the headline routing) and the per-node table as Markdown (paper 000's Fig. 12 table).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mgr::train {

std::string svg_tree(const nlohmann::json& metrics);
std::string tree_table(const nlohmann::json& metrics);

// The tree's section of the HTML report: the tree picture, the per-node table with the final
// accuracies under both routings and the flat baseline's, and every node's learning curves.
std::string tree_report_section(const std::string& run_dir, const nlohmann::json& metrics);

}  // namespace mgr::train
