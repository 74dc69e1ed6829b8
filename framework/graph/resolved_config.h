// The resolved experiment configuration as text, and its comparison. Here rather than in
// framework/config because a layer's resolved keys (its declared keys with their defaults) come
// from the layer registry (graph::resolved_keys), one floor above the YAML reader.
#pragma once

#include <string>
#include <vector>

#include "framework/config/experiment_config.h"

namespace mgr::graph {

// The resolved config (every field, defaults included, with a comment per section and field)
// as YAML text that config::load_experiment reads back to an equal config.
std::string to_yaml(const config::ExperimentConfig& c);

// Keys whose values differ ("model.layers" etc. for the layer lists); empty when equal.
std::vector<std::string> differing_keys(const config::ExperimentConfig& a,
                                        const config::ExperimentConfig& b);
bool configs_equal(const config::ExperimentConfig& a, const config::ExperimentConfig& b);

// The resolved list as YAML lines (one flow mapping per layer, defaults filled in), indented
// by `indent` spaces.
std::string layers_to_yaml(const std::vector<config::LayerSpec>& layers, int indent);

// Same names, types, inputs and resolved keys (locations are not compared).
bool layers_equal(const std::vector<config::LayerSpec>& a, const std::vector<config::LayerSpec>& b);

}  // namespace mgr::graph
