// One entry of `model.tree` as the user wrote it: a tree node (a classifier built from
// model.layers) named `name`, whose `children` are other nodes or genres, with per-node
// overrides of train.* keys and of layer keys. The config layer keeps and locates what was
// written; framework/tasks/tree/class_tree.h checks the tree against the dataset's genres and
// framework/graph/model_check.h plans each node's network.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mgr::config {

struct TreeNodeSpec {
  std::string name;
  std::vector<std::string> children;  // node names or genre names, in label order
  // train.* overrides ("epochs" -> "35"), values as YAML flow text, in the order written.
  std::vector<std::pair<std::string, std::string>> train;
  // Layer key overrides ("lstm1.units" -> "64"), as flow text, in the order written.
  std::vector<std::pair<std::string, std::string>> layers;
  // The node accuracy the paper reported, as a fraction, for the per-node table; < 0: none.
  double paper_accuracy = -1;
  // Where the node entry and each of its keys were set ("file.yaml:12:5" or "--set ...");
  // keys: "name", "children", "train.<key>", "layers.<layer>.<key>".
  std::string where;
  std::map<std::string, std::string> key_where;

  const std::string& at(const std::string& key) const {
    auto it = key_where.find(key);
    return it == key_where.end() ? where : it->second;
  }
};

}  // namespace mgr::config
