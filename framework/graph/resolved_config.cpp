#include "framework/graph/resolved_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "framework/config/augment_yaml.h"
#include "framework/config/field_table.h"
#include "framework/config/tree_yaml.h"
#include "framework/graph/graph_model.h"

namespace mgr::graph {

std::string layers_to_yaml(const std::vector<config::LayerSpec>& layers, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  std::string out;
  for (const config::LayerSpec& l : layers) {
    std::string line = pad + "- {name: " + l.name + ", type: " + l.type;
    if (!l.in.empty()) {
      if (l.in_is_list || l.in.size() > 1)
        line += ", in: [" + fmt::format("{}", fmt::join(l.in, ", ")) + "]";
      else
        line += ", in: " + l.in[0];
    }
    for (const auto& [k, v] : resolved_keys(l)) line += ", " + k + ": " + v;
    out += line + "}\n";
  }
  return out;
}

bool layers_equal(const std::vector<config::LayerSpec>& a,
                  const std::vector<config::LayerSpec>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].type != b[i].type || a[i].in != b[i].in) return false;
    if (resolved_keys(a[i]) != resolved_keys(b[i])) return false;
  }
  return true;
}

bool configs_equal(const config::ExperimentConfig& a, const config::ExperimentConfig& b) {
  return differing_keys(a, b).empty();
}

std::vector<std::string> differing_keys(const config::ExperimentConfig& a,
                                        const config::ExperimentConfig& b) {
  std::vector<std::string> keys;
  for (const config::Field& f : config::experiment_fields()) {
    if (!f.equal(a, b)) keys.push_back(f.key);
  }
  if (!config::augment_equal(a.train.augment, b.train.augment)) keys.push_back("train.augment");
  if (!layers_equal(a.model.layers, b.model.layers)) keys.push_back("model.layers");
  if (!config::trees_equal(a.model.tree, b.model.tree)) keys.push_back("model.tree");
  if (!layers_equal(a.model.generator, b.model.generator)) keys.push_back("model.generator");
  if (!layers_equal(a.model.discriminator, b.model.discriminator))
    keys.push_back("model.discriminator");
  return keys;
}

std::string to_yaml(const config::ExperimentConfig& c) {
  struct Line {
    std::string code, comment;
  };
  std::vector<Line> lines;
  auto section_doc = [](const std::string& path) {
    for (const config::Section& s : config::experiment_sections()) {
      if (s.path == path) return s.doc;
    }
    return std::string();
  };
  auto split = [](const std::string& path) {
    std::vector<std::string> parts;
    std::stringstream ss(path);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    return parts;
  };

  lines.push_back(
      {"# mgr experiment configuration, resolved: every key is listed, defaults "
       "included.",
       ""});
  lines.push_back(
      {"# Loading this file again gives the same configuration. Key reference: "
       "docs/config.md",
       ""});
  lines.push_back({"# top level: " + section_doc(""), ""});
  // model.layers and model.tree are lists outside the field table: written inside the model
  // section, after its fields.
  auto model_lists = [&]() {
    lines.push_back({"  layers:", "every layer type and key: docs/config.md"});
    std::stringstream ls(layers_to_yaml(c.model.layers, 4));
    for (std::string l; std::getline(ls, l);) lines.push_back({l, ""});
    if (!c.model.tree.empty()) {
      lines.push_back({"  tree:", "nodes: name, children, train and layer overrides"});
      std::stringstream ts(config::tree_to_yaml(c.model.tree, 4));
      for (std::string l; std::getline(ts, l);) lines.push_back({l, ""});
    }
    for (const auto& [name, list] : {std::pair{"generator", &c.model.generator},
                                     std::pair{"discriminator", &c.model.discriminator}}) {
      if (list->empty()) continue;
      lines.push_back({std::string("  ") + name + ":", "gan: a layer list like model.layers"});
      std::stringstream gs(layers_to_yaml(*list, 4));
      for (std::string l; std::getline(gs, l);) lines.push_back({l, ""});
    }
  };
  // train.augment: a list outside the field table, after the train section's fields.
  auto train_lists = [&]() {
    if (c.train.augment.empty()) {
      lines.push_back({"  augment: []", "training augmentation: docs/config.md"});
      return;
    }
    lines.push_back({"  augment:", "training augmentation: docs/config.md"});
    std::stringstream as(config::augment_to_yaml(c.train.augment, 4));
    for (std::string l; std::getline(as, l);) lines.push_back({l, ""});
  };
  std::vector<std::string> current;
  for (const config::Field& f : config::experiment_fields()) {
    const std::vector<std::string> parts = split(f.section());
    if (!current.empty() && current[0] == "model" && (parts.empty() || parts[0] != "model"))
      model_lists();
    if (!current.empty() && current[0] == "train" && (parts.empty() || parts[0] != "train"))
      train_lists();
    if (parts != current) {
      size_t common = 0;
      while (common < parts.size() && common < current.size() && parts[common] == current[common])
        ++common;
      for (size_t i = common; i < parts.size(); ++i) {
        std::string path;
        for (size_t j = 0; j <= i; ++j) path += (j ? "." : "") + parts[j];
        const std::string indent(2 * i, ' ');
        if (i == 0) lines.push_back({"", ""});
        lines.push_back({indent + "# " + path + ": " + section_doc(path), ""});
        lines.push_back({indent + parts[i] + ":", ""});
      }
      current = parts;
    }
    const std::string indent(2 * parts.size(), ' ');
    lines.push_back({indent + f.name() + ": " + f.yaml(c),
                     f.doc + (f.allowed == "any" ? "" : "; " + f.allowed)});
  }

  size_t width = 0;
  for (const Line& l : lines) {
    if (!l.comment.empty()) width = std::max(width, l.code.size());
  }
  width = std::min<size_t>(width, 40);
  std::string out;
  for (const Line& l : lines) {
    out += l.code;
    if (!l.comment.empty()) {
      out +=
          std::string(l.code.size() < width ? width - l.code.size() : 0, ' ') + "  # " + l.comment;
    }
    out += "\n";
  }
  return out;
}

}  // namespace mgr::graph
