// The registry of `train.augment` transform types: each type's name, what it acts on, its
// keys with their defaults, ranges and docs. Declared once (augment_types.cpp); the YAML reader
// (augment_yaml.h) checks entries against it, the docs table is generated from it, and
// framework/features/augment.cpp applies the types.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/config/augment_spec.h"

namespace mgr::config {

struct AugmentKey {
  std::string name;
  std::string kind;                  // int | float | choice
  std::string def;                   // the default as YAML flow text
  double lo = 0, hi = 0;             // int, float: the inclusive range
  std::vector<std::string> choices;  // choice: the values allowed
  std::string doc;
};

struct AugmentType {
  std::string name;
  std::string acts_on;  // audio (before the features; features.mode on_the_fly) | features
  double p = 1.0;       // the default probability
  std::string p_doc;    // what p is the probability of
  std::string doc;
  std::vector<AugmentKey> keys;
  // A rule among the type's keys (min <= max); the complaint, or nothing.
  std::function<std::optional<std::string>(const AugmentSpec&)> rule;
};

const std::vector<AugmentType>& augment_types();
const AugmentType* find_augment_type(std::string_view name);
std::vector<std::string> augment_type_names();

// The value `text` (YAML flow text) checked against `key`: the complaint, or nothing. On
// success `canonical` is the value as written back (numbers in their shortest exact form).
std::optional<std::string> check_augment_value(const AugmentKey& key, const std::string& text,
                                               std::string& canonical);
std::string augment_key_allowed(const AugmentKey& key);  // "an integer in [1, 64]", ...

// The reference of the types (Markdown) that docs/config.md embeds.
std::string augment_types_markdown();

}  // namespace mgr::config
