#include "framework/config/augment_yaml.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "framework/config/augment_types.h"
#include "framework/config/did_you_mean.h"
#include "framework/config/field_table.h"
#include "framework/config/layers_yaml.h"

namespace mgr::config {

namespace {

std::string got(const YAML::Node& n) {
  if (n.IsScalar()) return excerpt("\"" + n.Scalar() + "\"");
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing (null)";
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string m = closest_match(word, candidates);
  return m.empty() ? "" : " (did you mean '" + m + "'?)";
}

std::vector<std::string> key_names(const AugmentType& t) {
  std::vector<std::string> out = {"type", "p"};
  for (const AugmentKey& k : t.keys) out.push_back(k.name);
  return out;
}

const AugmentKey* find_key(const AugmentType& t, const std::string& name) {
  for (const AugmentKey& k : t.keys)
    if (k.name == name) return &k;
  return nullptr;
}

const AugmentKey& p_key() {
  static const AugmentKey k{"p", "float", "1", 0, 1, {}, "probability"};
  return k;
}

// Sets `key` of entry `s` (of type `t`) from the flow text `value`; a complaint goes to errors.
bool set_key(AugmentSpec& s, const AugmentType& t, const std::string& key, const std::string& value,
             const std::string& where, const std::string& what, std::vector<std::string>& errors) {
  const AugmentKey* k = key == "p" ? &p_key() : find_key(t, key);
  if (!k) {
    errors.push_back(where + ": " + what + " (" + t.name + "): unknown key '" + key + "'" +
                     suggestion(key, key_names(t)) + "; its keys are " +
                     fmt::format("{}", fmt::join(key_names(t), ", ")));
    return false;
  }
  std::string canonical;
  if (auto problem = check_augment_value(*k, value, canonical)) {
    errors.push_back(where + ": " + what + "." + key + ": " + *problem);
    return false;
  }
  if (key == "p") {
    s.p = std::strtod(canonical.c_str(), nullptr);
    s.key_where["p"] = where;
  } else {
    s.set(key, canonical, where);
  }
  return true;
}

// The entry's keys in declaration order, defaults filled in.
void fill_defaults(AugmentSpec& s, const AugmentType& t) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const AugmentKey& k : t.keys) {
    const std::string* v = s.find(k.name);
    keys.emplace_back(k.name, v ? *v : k.def);
  }
  s.keys = std::move(keys);
}

bool check_rule(const AugmentSpec& s, const AugmentType& t, const std::string& what,
                std::vector<std::string>& errors) {
  if (!t.rule) return true;
  if (auto problem = t.rule(s)) {
    errors.push_back(s.where + ": " + what + " (" + t.name + "): " + *problem);
    return false;
  }
  return true;
}

std::string scalar_text(const YAML::Node& v) { return v.IsScalar() ? v.Scalar() : flow_text(v); }

}  // namespace

std::vector<AugmentSpec> parse_augment(const YAML::Node& node, const YAML::Mark& key_mark,
                                       const std::function<std::string(const YAML::Mark&)>& at,
                                       std::vector<std::string>& errors) {
  std::vector<AugmentSpec> out;
  if (node.IsNull()) return out;
  if (!node.IsSequence()) {
    errors.push_back(at(key_mark.is_null() ? node.Mark() : node.Mark()) +
                     ": train.augment: expected a list of transforms ({type: ..., p: ..., "
                     "...}), got " +
                     got(node));
    return out;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node e = node[i];
    const std::string where = at(e.Mark());
    const std::string what = fmt::format("train.augment[{}]", i);
    if (!e.IsMap()) {
      errors.push_back(where + ": " + what + ": expected a mapping {type: ..., p: ..., ...}, got " +
                       got(e));
      continue;
    }
    AugmentSpec s;
    s.where = where;
    // The type first: it decides which keys the entry may have.
    const AugmentType* t = nullptr;
    bool has_type = false;
    for (const auto& kv : e) {
      const YAML::Node k = kv.first;
      if (!k.IsScalar() || k.Scalar() != "type") continue;
      has_type = true;
      const YAML::Node v = kv.second;
      if (!v.IsScalar() || v.Scalar().empty()) {
        errors.push_back(at(k.Mark()) + ": " + what + ".type: expected a transform type (" +
                         fmt::format("{}", fmt::join(augment_type_names(), ", ")) + "), got " +
                         got(v));
      } else if (!(t = find_augment_type(v.Scalar()))) {
        errors.push_back(at(v.Mark()) + ": " + what + ": unknown transform type '" + v.Scalar() +
                         "'" + suggestion(v.Scalar(), augment_type_names()) + "; the types are " +
                         fmt::format("{}", fmt::join(augment_type_names(), ", ")));
      } else {
        s.type = t->name;
        s.p = t->p;
        s.key_where["type"] = at(k.Mark());
      }
    }
    if (!has_type) {
      errors.push_back(where + ": " + what + ": every transform needs a type (" +
                       fmt::format("{}", fmt::join(augment_type_names(), ", ")) + ")");
      continue;
    }
    if (!t) continue;
    bool good = true;
    std::set<std::string> seen;
    for (const auto& kv : e) {
      const YAML::Node k = kv.first;
      const YAML::Node v = kv.second;
      if (!k.IsScalar()) {
        errors.push_back(at(k.Mark()) + ": " + what + ": expected a key name, got " + got(k));
        good = false;
        continue;
      }
      const std::string key = k.Scalar();
      if (!seen.insert(key).second) {
        errors.push_back(at(k.Mark()) + ": " + what + ": duplicate key '" + key + "'");
        good = false;
        continue;
      }
      if (key == "type") continue;
      if (!v.IsScalar()) {
        errors.push_back(at(k.Mark()) + ": " + what + "." + key +
                         ": expected a single value, got " + got(v));
        good = false;
        continue;
      }
      good &= set_key(s, *t, key, scalar_text(v), at(k.Mark()), what, errors);
    }
    fill_defaults(s, *t);
    if (good && check_rule(s, *t, what, errors)) out.push_back(std::move(s));
  }
  return out;
}

void apply_augment_override(std::vector<AugmentSpec>& list, const std::string& rest,
                            const std::string& value_text, const std::string& where,
                            std::vector<std::string>& errors) {
  const size_t dot = rest.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size()) {
    errors.push_back(where +
                     ": expected train.augment.<index or type>.<key>=value, or "
                     "train.augment=[...] for the whole list");
    return;
  }
  const std::string which = rest.substr(0, dot), key = rest.substr(dot + 1);
  size_t index = list.size();
  if (std::all_of(which.begin(), which.end(), [](char c) { return std::isdigit(uint8_t(c)); })) {
    index = which.size() > 6 ? list.size() : std::stoul(which);
    if (index >= list.size()) {
      errors.push_back(where + ": train.augment has " + std::to_string(list.size()) +
                       " entries; no entry " + which);
      return;
    }
  } else {
    std::vector<std::string> types;
    int matches = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      types.push_back(list[i].type);
      if (list[i].type == which) index = i, ++matches;
    }
    if (matches == 0) {
      errors.push_back(where + ": train.augment has no transform of type '" + which + "'" +
                       suggestion(which, types) +
                       (types.empty()
                            ? std::string("; the list is empty")
                            : "; its types are " + fmt::format("{}", fmt::join(types, ", "))));
      return;
    }
    if (matches > 1) {
      errors.push_back(where + ": train.augment has " + std::to_string(matches) +
                       " transforms of type '" + which + "'; name one by its index " +
                       "(train.augment.<index>." + key + ")");
      return;
    }
  }
  AugmentSpec& s = list[index];
  const std::string what = fmt::format("train.augment[{}]", index);
  if (key == "type") {
    errors.push_back(where + ": " + what +
                     ": the type cannot be overridden (replace the list: train.augment=[...])");
    return;
  }
  YAML::Node v;
  try {
    v = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    errors.push_back(where + ": the value is not valid YAML: " + e.msg);
    return;
  }
  if (!v.IsScalar()) {
    errors.push_back(where + ": " + what + "." + key + ": expected a single value, got " + got(v));
    return;
  }
  const AugmentType* t = find_augment_type(s.type);
  if (!t) return;
  AugmentSpec changed = s;
  if (!set_key(changed, *t, key, v.Scalar(), where, what, errors)) return;
  changed.where = where;
  if (check_rule(changed, *t, what, errors)) {
    changed.where = s.where;
    s = std::move(changed);
  }
}

std::string augment_to_yaml(const std::vector<AugmentSpec>& list, int indent) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  std::string out;
  for (const AugmentSpec& s : list) {
    std::string line = pad + "- {type: " + s.type + ", p: " + fmt::format("{}", s.p);
    for (const auto& [k, v] : s.keys) line += ", " + k + ": " + v;
    out += line + "}\n";
  }
  return out;
}

bool augment_equal(const std::vector<AugmentSpec>& a, const std::vector<AugmentSpec>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].type != b[i].type || a[i].p != b[i].p || a[i].keys != b[i].keys) return false;
  return true;
}

std::vector<std::string> augment_issues(const ExperimentConfig& c) {
  std::vector<std::string> out;
  const std::vector<std::string>& clip_level = clip_level_feature_types();
  const bool vectors =
      c.features.type == "vectors" ||
      std::find(clip_level.begin(), clip_level.end(), c.features.type) != clip_level.end();
  for (size_t i = 0; i < c.train.augment.size(); ++i) {
    const AugmentSpec& s = c.train.augment[i];
    const AugmentType* t = find_augment_type(s.type);
    const std::string head = (s.where.empty() ? std::string("train.augment") : s.where) +
                             fmt::format(": train.augment[{}] ({})", i, s.type);
    if (!t) {
      out.push_back(head + ": unknown transform type");
      continue;
    }
    if (t->acts_on == "audio" && c.features.mode != "on_the_fly")
      out.push_back(head +
                    ": acts on the audio before the features, which needs features.mode "
                    "on_the_fly (features.mode is " +
                    c.features.mode + ": the features are computed once, before training)");
    if ((s.type == "freq_mask" || s.type == "time_mask") && vectors)
      out.push_back(head +
                    ": masks bands or frames of time-frequency features [C, D, T]; "
                    "features.type " +
                    c.features.type + " gives clip-level vectors [D]");
  }
  return out;
}

}  // namespace mgr::config
