// `model.tree` in YAML: reading the list of nodes (name, children, per-node train and layer
// overrides, each located), `--set model.tree.<node>.<key>=value`, writing the tree back,
// comparing two trees, and the configuration one node trains with. Whether the tree fits the
// dataset's genres is framework/tasks/tree/class_tree.h's business.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"

namespace mgr::config {

// Reads a YAML sequence of node mappings {name, children, train: {...}, layers: {layer: {...}}}.
// Problems of form (not a list, a node without name or children, an unknown node key) go to
// `errors`, located by `at`.
std::vector<TreeNodeSpec> parse_tree(const YAML::Node& node, const YAML::Mark& key_mark,
                                     const std::function<std::string(const YAML::Mark&)>& at,
                                     std::vector<std::string>& errors);

// `rest` is what follows "model.tree." in an override key: "<node>.children",
// "<node>.train.<key>" or "<node>.layers.<layer>.<key>".
void apply_tree_override(std::vector<TreeNodeSpec>& tree, const std::string& rest,
                         const std::string& value_text, const std::string& where,
                         std::vector<std::string>& errors);

// The tree as YAML lines (one flow mapping per node), indented by `indent` spaces.
std::string tree_to_yaml(const std::vector<TreeNodeSpec>& tree, int indent);

// Same names, children and overrides (locations are not compared).
bool trees_equal(const std::vector<TreeNodeSpec>& a, const std::vector<TreeNodeSpec>& b);

// The experiment as node `n` trains it: `c` with the node's train.* and layer overrides applied.
// Unknown keys, values of the wrong type and out-of-range train values are reported in
// `errors`, located at the override.
ExperimentConfig node_config(const ExperimentConfig& c, const TreeNodeSpec& n,
                             std::vector<std::string>& errors);

}  // namespace mgr::config
