// A tree of classifiers over the dataset's genres (paper 000's hierarchical LSTM): each node
// classifies a clip into one of its children; a child is another node or a genre. Built from
// model.tree and checked against the genres (every genre a leaf exactly once, one root, no
// cycle, every node used, at least two children per node), with every problem located at the
// node's file:line.
//
// Routing a clip from the nodes' softmax outputs:
// - hard (the paper's reading): from the root, follow each node's argmax child until a genre;
// - soft: the probability of a genre is the product of the probabilities along its path (the
//   path products of all genres sum to 1); the prediction is their argmax.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "framework/config/tree_spec.h"

namespace mgr::tree {

struct TreeNode {
  std::string name;
  // Per child, in label order: the node index, or -1 when the child is a genre.
  std::vector<int> child_node;
  // Per child: the genre index when the child is a genre, else -1.
  std::vector<int> child_genre;
  // Per child: the genres below it (one when the child is a genre), ascending.
  std::vector<std::vector<int>> child_genres;
  std::vector<int> genres;  // every genre below this node, ascending
  int parent = -1;          // node index; -1 at the root
  int depth = 0;            // 0 at the root

  int children() const { return static_cast<int>(child_node.size()); }
  std::string child_name(int c, const std::vector<std::string>& genre_names,
                         const std::vector<TreeNode>& nodes) const;
};

class ClassTree {
 public:
  // Throws mgr::Error listing every problem (one per line, located at the node).
  ClassTree(const std::vector<config::TreeNodeSpec>& specs, std::vector<std::string> genres);

  const std::vector<TreeNode>& nodes() const { return nodes_; }
  const std::vector<std::string>& genres() const { return genres_; }
  int root() const { return root_; }
  int num_genres() const { return static_cast<int>(genres_.size()); }
  // Node indices from the root, breadth first (parents before children).
  const std::vector<int>& order() const { return order_; }
  // The child of `node` below which `genre` lies, or -1 when the genre is not below it.
  int child_of(int node, int genre) const;
  // (node, child) steps from the root to `genre`.
  const std::vector<std::pair<int, int>>& path(int genre) const { return paths_[genre]; }
  // The index of the node named `name`, or -1.
  int find(const std::string& name) const;

  // Routing of n clips. node_probs[k] holds n rows of nodes()[k].children() probabilities.
  std::vector<int> route_hard(const std::vector<std::vector<float>>& node_probs, int n) const;
  // n rows of num_genres() path products.
  std::vector<float> route_soft(const std::vector<std::vector<float>>& node_probs, int n) const;

 private:
  std::vector<TreeNode> nodes_;
  std::vector<std::string> genres_;
  int root_ = -1;
  std::vector<int> order_;
  std::vector<std::vector<std::pair<int, int>>> paths_;
  std::vector<std::vector<int>> child_of_;  // [node][genre]
};

}  // namespace mgr::tree
