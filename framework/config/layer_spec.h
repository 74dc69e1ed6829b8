// One entry of `model.layers` as the user wrote it: the layer's name, type, inputs and its
// type-specific keys as YAML text, with where each came from (file:line:column or the --set
// argument). The keys are interpreted and checked by the layer registry (framework/graph/), which
// knows each type's keys, defaults and ranges; the config layer only keeps and locates them.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mgr::config {

struct LayerSpec {
  std::string name;
  std::string type;
  std::vector<std::string> in;  // as written; empty: the previous layer (`input` for the first)
  bool in_is_list = false;      // `in` was written as a YAML list (concat)
  // Type-specific keys in the order written, each value as one line of YAML flow text
  // ("3", "[3, 5]", "same", "num_classes", "true").
  std::vector<std::pair<std::string, std::string>> keys;
  // Where the layer entry and each of its keys were set: "file.yaml:12:5" or "--set ...".
  std::string where;
  std::map<std::string, std::string> key_where;

  const std::string* find(const std::string& key) const {
    for (const auto& kv : keys)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  void set(const std::string& key, const std::string& text, const std::string& origin) {
    key_where[key] = origin;
    for (auto& kv : keys)
      if (kv.first == key) {
        kv.second = text;
        return;
      }
    keys.emplace_back(key, text);
  }
  // Location of a key's value, else of the layer.
  const std::string& at(const std::string& key) const {
    auto it = key_where.find(key);
    return it == key_where.end() ? where : it->second;
  }
};

}  // namespace mgr::config
