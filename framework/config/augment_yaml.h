// `train.augment` in YAML: reading the list (each entry's type, p and keys checked against the
// registry, augment_types.h, with file:line and did-you-mean), `--set train.augment...`, writing
// the resolved list back, comparing two lists, and the rules the list has with other sections.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"

namespace mgr::config {

// Reads a YAML sequence of transform mappings ({type: ..., p: ..., <keys>}); an empty list or
// null is no augmentation. Every declared key absent from an entry gets its default. `at` turns
// a mark into "file:line:col"; each problem goes to `errors` located at its entry or key.
std::vector<AugmentSpec> parse_augment(const YAML::Node& node, const YAML::Mark& key_mark,
                                       const std::function<std::string(const YAML::Mark&)>& at,
                                       std::vector<std::string>& errors);

// `rest` follows "train.augment." in an override key: "<index>.<key>" or "<type>.<key>" (the
// one entry of that type).
void apply_augment_override(std::vector<AugmentSpec>& list, const std::string& rest,
                            const std::string& value_text, const std::string& where,
                            std::vector<std::string>& errors);

// One flow mapping per entry, every key written, indented by `indent` spaces; "[]" lines for
// an empty list are the caller's.
std::string augment_to_yaml(const std::vector<AugmentSpec>& list, int indent);

// Same types, probabilities and keys (locations are not compared).
bool augment_equal(const std::vector<AugmentSpec>& a, const std::vector<AugmentSpec>& b);

// What the list asks of the rest of the config, each complaint located at its entry: audio
// transforms need features.mode on_the_fly, masks need time-frequency features.
std::vector<std::string> augment_issues(const ExperimentConfig& c);

}  // namespace mgr::config
