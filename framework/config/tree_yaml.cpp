#include "framework/config/tree_yaml.h"

#include <fmt/format.h>

#include <algorithm>

#include "framework/config/did_you_mean.h"
#include "framework/config/field_table.h"
#include "framework/config/layers_yaml.h"
#include "framework/config/text_check.h"

namespace mgr::config {

namespace {

std::vector<std::string> train_keys() {
  std::vector<std::string> keys;
  for (const Field& f : experiment_fields())
    if (f.section() == "train") keys.push_back(f.name());
  return keys;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& choices) {
  const std::string m = closest_match(word, choices);
  return m.empty() ? "" : " (did you mean '" + m + "'?)";
}

void set_pair(std::vector<std::pair<std::string, std::string>>& pairs, const std::string& key,
              const std::string& text) {
  for (auto& kv : pairs)
    if (kv.first == key) {
      kv.second = text;
      return;
    }
  pairs.emplace_back(key, text);
}

// children: a non-empty list of names.
bool read_children(const YAML::Node& v, std::vector<std::string>& out, const std::string& where,
                   const std::string& what, std::vector<std::string>& errors) {
  if (!v.IsSequence() || v.size() == 0) {
    errors.push_back(where + ": " + what +
                     ".children: expected a non-empty list of node or genre names, got " +
                     describe_node(v));
    return false;
  }
  out.clear();
  for (const auto& e : v) {
    if (!e.IsScalar() || e.Scalar().empty()) {
      errors.push_back(where + ": " + what + ".children: expected names, got " + describe_node(e));
      return false;
    }
    out.push_back(e.Scalar());
  }
  return true;
}

// A plain (unquoted) number in [0, 1].
bool fraction(const YAML::Node& n, double& out) {
  if (!n.IsScalar() || n.Tag() == "!") return false;
  try {
    out = n.as<double>();
  } catch (const YAML::BadConversion&) {
    return false;
  }
  return out >= 0 && out <= 1;
}

}  // namespace

std::vector<TreeNodeSpec> parse_tree(const YAML::Node& node, const YAML::Mark& key_mark,
                                     const std::function<std::string(const YAML::Mark&)>& at,
                                     std::vector<std::string>& errors) {
  std::vector<TreeNodeSpec> out;
  if (!node.IsSequence() || node.size() == 0) {
    errors.push_back(at(node.IsNull() ? key_mark : node.Mark()) +
                     ": model.tree: expected a non-empty list of nodes ({name: ..., children: "
                     "[...]}), got " +
                     describe_node(node));
    return out;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node n = node[i];
    const std::string what = fmt::format("model.tree[{}]", i);
    TreeNodeSpec s;
    s.where = at(n.Mark());
    if (!n.IsMap()) {
      errors.push_back(s.where + ": " + what + ": expected a mapping {name: ..., children: [...]}" +
                       ", got " + describe_node(n));
      continue;
    }
    bool good = true;
    for (const auto& kv : n) {
      const YAML::Node k = kv.first;
      const YAML::Node v = kv.second;
      const std::string kwhere = at(k.Mark());
      const std::string key = k.IsScalar() ? k.Scalar() : "";
      if (key == "name") {
        if (!v.IsScalar() || v.Scalar().empty()) {
          errors.push_back(kwhere + ": " + what + ".name: expected a non-empty string, got " +
                           describe_node(v));
          good = false;
          continue;
        }
        // A node's files go to nodes/<name>/: the name must stay inside that folder.
        if (auto problem = file_name_problem(v.Scalar())) {
          errors.push_back(kwhere + ": " + what + ".name: expected a folder name (no '/' or " +
                           "control characters, not . or ..), got " + *problem);
          good = false;
          continue;
        }
        s.name = v.Scalar();
        s.key_where["name"] = kwhere;
      } else if (key == "children") {
        good &= read_children(v, s.children, kwhere, what, errors);
        s.key_where["children"] = kwhere;
      } else if (key == "paper_accuracy") {
        double value = -1;
        if (!fraction(v, value)) {
          errors.push_back(kwhere + ": " + what +
                           ".paper_accuracy: expected a number in [0, 1], got " + describe_node(v));
          good = false;
          continue;
        }
        s.paper_accuracy = value;
        s.key_where["paper_accuracy"] = kwhere;
      } else if (key == "train") {
        if (!v.IsMap()) {
          errors.push_back(kwhere + ": " + what +
                           ".train: expected a mapping of train keys (e.g. {epochs: 35}), got " +
                           describe_node(v));
          good = false;
          continue;
        }
        for (const auto& t : v) {
          const std::string tk = t.first.IsScalar() ? t.first.Scalar() : "";
          s.train.emplace_back(tk, flow_text(t.second));
          s.key_where["train." + tk] = at(t.first.Mark());
        }
      } else if (key == "layers") {
        if (!v.IsMap()) {
          errors.push_back(kwhere + ": " + what +
                           ".layers: expected a mapping {layer name: {key: value}}, got " +
                           describe_node(v));
          good = false;
          continue;
        }
        for (const auto& l : v) {
          const std::string ln = l.first.IsScalar() ? l.first.Scalar() : "";
          if (!l.second.IsMap()) {
            errors.push_back(at(l.first.Mark()) + ": " + what + ".layers." + ln +
                             ": expected a mapping of that layer's keys, got " +
                             describe_node(l.second));
            good = false;
            continue;
          }
          for (const auto& lk : l.second) {
            const std::string path = ln + "." + (lk.first.IsScalar() ? lk.first.Scalar() : "");
            s.layers.emplace_back(path, flow_text(lk.second));
            s.key_where["layers." + path] = at(lk.first.Mark());
          }
        }
      } else {
        errors.push_back(
            kwhere + ": " + what + ": unknown key '" + key + "'" +
            did_you_mean(key, {"name", "children", "train", "layers", "paper_accuracy"}) +
            "; a node has name, children, train, layers and paper_accuracy");
        good = false;
      }
    }
    if (s.name.empty() || s.children.empty()) {
      if (good)
        errors.push_back(s.where + ": " + what + ": every node needs a name and children" +
                         (s.name.empty() ? "" : " (node '" + s.name + "' has no children)"));
      continue;
    }
    if (good) out.push_back(std::move(s));
  }
  return out;
}

void apply_tree_override(std::vector<TreeNodeSpec>& tree, const std::string& rest,
                         const std::string& value_text, const std::string& where,
                         std::vector<std::string>& errors) {
  const size_t dot = rest.find('.');
  const std::string name = rest.substr(0, dot);
  const std::string key = dot == std::string::npos ? "" : rest.substr(dot + 1);
  std::vector<std::string> names;
  for (const TreeNodeSpec& n : tree) names.push_back(n.name);
  auto it =
      std::find_if(tree.begin(), tree.end(), [&](const TreeNodeSpec& n) { return n.name == name; });
  if (it == tree.end()) {
    errors.push_back(where + ": model.tree has no node named '" + name + "'" +
                     did_you_mean(name, names) +
                     (names.empty() ? std::string("; the model has no tree")
                                    : fmt::format("; its nodes are {}", fmt::join(names, ", "))));
    return;
  }
  YAML::Node v;
  try {
    v = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    errors.push_back(where + ": the value is not valid YAML: " + e.msg);
    return;
  }
  if (key == "children") {
    read_children(v, it->children, where, "model.tree." + name, errors);
    it->key_where["children"] = where;
  } else if (key.rfind("train.", 0) == 0 && key.size() > 6) {
    set_pair(it->train, key.substr(6), flow_text(v));
    it->key_where[key] = where;
  } else if (key.rfind("layers.", 0) == 0 && key.find('.', 7) != std::string::npos) {
    set_pair(it->layers, key.substr(7), flow_text(v));
    it->key_where[key] = where;
  } else {
    errors.push_back(where + ": expected model.tree.<node>.children, model.tree.<node>.train." +
                     "<key> or model.tree.<node>.layers.<layer>.<key>");
  }
}

std::string tree_to_yaml(const std::vector<TreeNodeSpec>& tree, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  std::string out;
  for (const TreeNodeSpec& n : tree) {
    std::string line = pad + "- {name: " + n.name + ", children: [" +
                       fmt::format("{}", fmt::join(n.children, ", ")) + "]";
    if (n.paper_accuracy >= 0) line += fmt::format(", paper_accuracy: {}", n.paper_accuracy);
    if (!n.train.empty()) {
      line += ", train: {";
      for (size_t i = 0; i < n.train.size(); ++i)
        line += (i ? ", " : "") + n.train[i].first + ": " + n.train[i].second;
      line += "}";
    }
    if (!n.layers.empty()) {
      // Grouped by layer, in the order each layer first appears.
      std::vector<std::string> order;
      for (const auto& kv : n.layers) {
        const std::string l = kv.first.substr(0, kv.first.find('.'));
        if (std::find(order.begin(), order.end(), l) == order.end()) order.push_back(l);
      }
      line += ", layers: {";
      for (size_t i = 0; i < order.size(); ++i) {
        line += (i ? ", " : "") + order[i] + ": {";
        bool first = true;
        for (const auto& kv : n.layers) {
          const size_t d = kv.first.find('.');
          if (kv.first.substr(0, d) != order[i]) continue;
          line += (first ? "" : ", ") + kv.first.substr(d + 1) + ": " + kv.second;
          first = false;
        }
        line += "}";
      }
      line += "}";
    }
    out += line + "}\n";
  }
  return out;
}

bool trees_equal(const std::vector<TreeNodeSpec>& a, const std::vector<TreeNodeSpec>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].children != b[i].children || a[i].train != b[i].train ||
        a[i].layers != b[i].layers || a[i].paper_accuracy != b[i].paper_accuracy)
      return false;
  }
  return true;
}

ExperimentConfig node_config(const ExperimentConfig& c, const TreeNodeSpec& n,
                             std::vector<std::string>& errors) {
  ExperimentConfig out = c;
  const std::string what = "model.tree node '" + n.name + "'";
  const size_t errors_before = errors.size();
  for (const auto& [key, text] : n.train) {
    const std::string where = n.at("train." + key);
    const Field* f = find_field("train." + key);
    if (!f) {
      errors.push_back(where + ": " + what + ": unknown train key '" + key + "'" +
                       did_you_mean(key, train_keys()));
      continue;
    }
    try {
      f->read(out, YAML::Load(text));
    } catch (const ValueError& e) {
      errors.push_back(where + ": " + what + ": train." + key + ": " + e.what());
      continue;
    } catch (const YAML::Exception& e) {
      errors.push_back(where + ": " + what + ": train." + key + ": " + e.msg);
      continue;
    }
    if (auto msg = f->check(out))
      errors.push_back(where + ": " + what + ": train." + key + ": " + *msg);
  }
  // The rules among train keys alone (batch_size against accumulate) on the node's own values,
  // when the node sets one of their keys (and its keys are each in range).
  for (const CrossCheck& x : cross_checks()) {
    if (errors.size() != errors_before) break;
    if (!std::all_of(x.keys.begin(), x.keys.end(),
                     [](const std::string& k) { return k.rfind("train.", 0) == 0; }))
      continue;
    const auto set_here = std::find_if(x.keys.begin(), x.keys.end(), [&](const std::string& k) {
      return std::any_of(n.train.begin(), n.train.end(),
                         [&](const auto& kv) { return "train." + kv.first == k; });
    });
    if (set_here == x.keys.end()) continue;
    if (auto msg = x.check(out))
      errors.push_back(n.at(*set_here) + ": " + what + ": " + x.keys[0] + ": " + *msg);
  }
  for (const auto& [path, text] : n.layers)
    apply_layer_override(out.model.layers, path, text, n.at("layers." + path), errors);
  return out;
}

}  // namespace mgr::config
