#include "framework/tasks/tree/class_tree.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <deque>
#include <map>

#include "framework/config/did_you_mean.h"
#include "kernels/error.h"

namespace mgr::tree {

std::string TreeNode::child_name(int c, const std::vector<std::string>& genre_names,
                                 const std::vector<TreeNode>& nodes) const {
  const size_t i = static_cast<size_t>(c);
  return child_genre[i] >= 0 ? genre_names[static_cast<size_t>(child_genre[i])]
                             : nodes[static_cast<size_t>(child_node[i])].name;
}

ClassTree::ClassTree(const std::vector<config::TreeNodeSpec>& specs,
                     std::vector<std::string> genres)
    : genres_(std::move(genres)) {
  std::vector<std::string> errors;
  const std::string tree_where = specs.empty() ? std::string("model.tree") : specs[0].where;
  if (specs.empty()) throw Error("model.tree: a tree needs at least one node");

  std::map<std::string, int> node_index, genre_index;
  for (size_t g = 0; g < genres_.size(); ++g) genre_index[genres_[g]] = static_cast<int>(g);
  std::vector<std::string> names;
  for (const config::TreeNodeSpec& s : specs) {
    const std::string& where = s.at("name");
    if (genre_index.count(s.name)) {
      errors.push_back(fmt::format(
          "{}: model.tree node '{}': a node cannot be named after a genre (children would be "
          "ambiguous)",
          where, s.name));
    } else if (!node_index.emplace(s.name, static_cast<int>(node_index.size())).second) {
      errors.push_back(fmt::format("{}: model.tree: a second node named '{}'", where, s.name));
    }
    names.push_back(s.name);
  }
  if (!errors.empty()) throw Error(fmt::format("{}", fmt::join(errors, "\n")));

  nodes_.resize(specs.size());
  std::vector<std::string> genre_parent(genres_.size());  // the node that has it as a leaf
  std::vector<std::string> node_parent(specs.size());
  std::vector<std::string> candidates = names;
  candidates.insert(candidates.end(), genres_.begin(), genres_.end());
  for (size_t k = 0; k < specs.size(); ++k) {
    const config::TreeNodeSpec& s = specs[k];
    const std::string& where = s.at("children");
    TreeNode& n = nodes_[k];
    n.name = s.name;
    if (s.children.size() < 2)
      errors.push_back(fmt::format(
          "{}: model.tree node '{}': a node must split into at least 2 children, got {}", where,
          s.name, s.children.size()));
    for (const std::string& c : s.children) {
      if (auto g = genre_index.find(c); g != genre_index.end()) {
        std::string& owner = genre_parent[static_cast<size_t>(g->second)];
        if (!owner.empty())
          errors.push_back(fmt::format(
              "{}: model.tree node '{}': genre '{}' is already a leaf of node '{}' (each genre "
              "is a leaf exactly once)",
              where, s.name, c, owner));
        owner = s.name;
        n.child_node.push_back(-1);
        n.child_genre.push_back(g->second);
      } else if (auto m = node_index.find(c); m != node_index.end()) {
        std::string& owner = node_parent[static_cast<size_t>(m->second)];
        if (m->second == static_cast<int>(k))
          errors.push_back(
              fmt::format("{}: model.tree node '{}': a node cannot be its own child", where, c));
        else if (!owner.empty())
          errors.push_back(fmt::format(
              "{}: model.tree node '{}': node '{}' is already a child of node '{}' (a tree "
              "node has one parent)",
              where, s.name, c, owner));
        owner = s.name;
        n.child_node.push_back(m->second);
        n.child_genre.push_back(-1);
      } else {
        const std::string guess = config::closest_match(c, candidates);
        errors.push_back(fmt::format(
            "{}: model.tree node '{}': child '{}' is neither a node nor one of the dataset's "
            "genres ({}){}",
            where, s.name, c, fmt::join(genres_, ", "),
            guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
      }
    }
  }
  std::vector<std::string> missing;
  for (size_t g = 0; g < genres_.size(); ++g)
    if (genre_parent[g].empty()) missing.push_back(genres_[g]);
  if (!missing.empty())
    errors.push_back(fmt::format(
        "{}: model.tree: the leaves must be the dataset's genres, each exactly once; not in the "
        "tree: {}",
        tree_where, fmt::join(missing, ", ")));
  std::vector<std::string> roots;
  for (size_t k = 0; k < specs.size(); ++k)
    if (node_parent[k].empty()) {
      roots.push_back(specs[k].name);
      root_ = static_cast<int>(k);
    }
  if (roots.size() > 1)
    errors.push_back(fmt::format(
        "{}: model.tree: more than one root (nodes that are nobody's child): {}; connect them "
        "under one node",
        tree_where, fmt::join(roots, ", ")));
  if (!errors.empty()) throw Error(fmt::format("{}", fmt::join(errors, "\n")));
  if (roots.empty())
    throw Error(
        fmt::format("{}: model.tree: every node is some node's child: the tree has a "
                    "cycle and no root",
                    tree_where));

  // Breadth first from the root; a node not reached lies on a cycle.
  std::deque<int> queue{root_};
  std::vector<bool> seen(nodes_.size(), false);
  seen[static_cast<size_t>(root_)] = true;
  while (!queue.empty()) {
    const int k = queue.front();
    queue.pop_front();
    order_.push_back(k);
    for (int c : nodes_[static_cast<size_t>(k)].child_node) {
      if (c < 0 || seen[static_cast<size_t>(c)]) continue;
      seen[static_cast<size_t>(c)] = true;
      nodes_[static_cast<size_t>(c)].parent = k;
      nodes_[static_cast<size_t>(c)].depth = nodes_[static_cast<size_t>(k)].depth + 1;
      queue.push_back(c);
    }
  }
  std::vector<std::string> cyclic;
  for (size_t k = 0; k < nodes_.size(); ++k)
    if (!seen[k]) cyclic.push_back(nodes_[k].name);
  if (!cyclic.empty())
    throw Error(fmt::format("{}: model.tree: nodes {} form a cycle, unreachable from the root '{}'",
                            specs[static_cast<size_t>(node_index.at(cyclic[0]))].where,
                            fmt::join(cyclic, ", "), nodes_[static_cast<size_t>(root_)].name));

  // Genres below each child, leaves first (reverse breadth-first order).
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    TreeNode& n = nodes_[static_cast<size_t>(*it)];
    n.child_genres.assign(n.child_node.size(), {});
    for (size_t c = 0; c < n.child_node.size(); ++c) {
      n.child_genres[c] = n.child_genre[c] >= 0
                              ? std::vector<int>{n.child_genre[c]}
                              : nodes_[static_cast<size_t>(n.child_node[c])].genres;
      n.genres.insert(n.genres.end(), n.child_genres[c].begin(), n.child_genres[c].end());
    }
    std::sort(n.genres.begin(), n.genres.end());
  }
  child_of_.assign(nodes_.size(), std::vector<int>(genres_.size(), -1));
  for (size_t k = 0; k < nodes_.size(); ++k)
    for (size_t c = 0; c < nodes_[k].child_genres.size(); ++c)
      for (int g : nodes_[k].child_genres[c])
        child_of_[k][static_cast<size_t>(g)] = static_cast<int>(c);
  paths_.assign(genres_.size(), {});
  for (size_t g = 0; g < genres_.size(); ++g) {
    for (int k = root_; k >= 0;) {
      const int c = child_of_[static_cast<size_t>(k)][g];
      paths_[g].emplace_back(k, c);
      k = nodes_[static_cast<size_t>(k)].child_node[static_cast<size_t>(c)];
    }
  }
}

int ClassTree::child_of(int node, int genre) const {
  return child_of_[static_cast<size_t>(node)][static_cast<size_t>(genre)];
}

int ClassTree::find(const std::string& name) const {
  for (size_t k = 0; k < nodes_.size(); ++k)
    if (nodes_[k].name == name) return static_cast<int>(k);
  return -1;
}

namespace {
void check_probs(const std::vector<std::vector<float>>& node_probs,
                 const std::vector<TreeNode>& nodes, int n) {
  MGR_CHECK(node_probs.size() == nodes.size(), "tree routing: " << node_probs.size()
                                                                << " probability tables for "
                                                                << nodes.size() << " nodes");
  for (size_t k = 0; k < nodes.size(); ++k)
    MGR_CHECK(node_probs[k].size() == static_cast<size_t>(n) * nodes[k].child_node.size(),
              "tree routing: node '" << nodes[k].name << "' has " << node_probs[k].size()
                                     << " probabilities for " << n << " clips x "
                                     << nodes[k].child_node.size() << " children");
}
}  // namespace

std::vector<int> ClassTree::route_hard(const std::vector<std::vector<float>>& node_probs,
                                       int n) const {
  check_probs(node_probs, nodes_, n);
  std::vector<int> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    int k = root_;
    for (;;) {
      const TreeNode& node = nodes_[static_cast<size_t>(k)];
      const int m = node.children();
      const float* p = node_probs[static_cast<size_t>(k)].data() + static_cast<size_t>(i) * m;
      // argmax; ties to the lower child index (as argmax_rows).
      const int c = static_cast<int>(std::max_element(p, p + m) - p);
      if (node.child_genre[static_cast<size_t>(c)] >= 0) {
        out[static_cast<size_t>(i)] = node.child_genre[static_cast<size_t>(c)];
        break;
      }
      k = node.child_node[static_cast<size_t>(c)];
    }
  }
  return out;
}

std::vector<float> ClassTree::route_soft(const std::vector<std::vector<float>>& node_probs,
                                         int n) const {
  check_probs(node_probs, nodes_, n);
  const size_t G = genres_.size();
  std::vector<float> out(static_cast<size_t>(n) * G);
  for (int i = 0; i < n; ++i)
    for (size_t g = 0; g < G; ++g) {
      double p = 1.0;
      for (const auto& [k, c] : paths_[g]) {
        const int m = nodes_[static_cast<size_t>(k)].children();
        p *= node_probs[static_cast<size_t>(k)][static_cast<size_t>(i) * m + c];
      }
      out[static_cast<size_t>(i) * G + g] = static_cast<float>(p);
    }
  return out;
}

}  // namespace mgr::tree
