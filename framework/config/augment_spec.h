// One entry of `train.augment` as read from YAML: a named transform, its probability and its
// keys, every declared key present (defaults filled in by the reader), each value as one line of
// YAML flow text, with where each came from. The transform types, their keys, defaults and
// ranges are declared once in framework/config/augment_types.cpp; the reader checks them there
// (file:line, did-you-mean) and framework/features/augment.h applies them.
#pragma once

#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mgr::config {

struct AugmentSpec {
  std::string type;  // one of augment_types(): freq_mask, mixup, crop, speed, gain, noise, ...
  double p = 1.0;    // probability per clip (per batch for mixup)
  // The type's declared keys in declaration order, each as flow text ("8", "-6", "circular").
  std::vector<std::pair<std::string, std::string>> keys;
  // Where the entry and each key were set: "file.yaml:12:5" or "--set ...".
  std::string where;
  std::map<std::string, std::string> key_where;

  const std::string* find(const std::string& key) const {
    for (const auto& kv : keys)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  // A declared key's value as text / as a number (the reader has checked it parses).
  std::string text(const std::string& key) const {
    const std::string* v = find(key);
    return v ? *v : std::string();
  }
  double number(const std::string& key) const {
    const std::string* v = find(key);
    return v ? std::strtod(v->c_str(), nullptr) : 0.0;
  }
  void set(const std::string& key, const std::string& value, const std::string& origin) {
    key_where[key] = origin;
    for (auto& kv : keys)
      if (kv.first == key) {
        kv.second = value;
        return;
      }
    keys.emplace_back(key, value);
  }
  const std::string& at(const std::string& key) const {
    auto it = key_where.find(key);
    return it == key_where.end() ? where : it->second;
  }
};

}  // namespace mgr::config
