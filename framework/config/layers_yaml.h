// `model.layers` in YAML: reading the list (each layer's name, type, in and its own keys, with
// the file position of each), applying `--set model.layers.<name>.<key>=value`, writing the
// resolved list back, and comparing two lists. What the keys mean is the layer registry's
// business (framework/graph/); it checks them when the graph is planned.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

#include "framework/config/layer_spec.h"

namespace mgr::config {

// One YAML value as flow text that reads back to the same value.
std::string flow_text(const YAML::Node& n);

// Reads a YAML sequence of layer mappings (`list`: the key named in messages, model.layers,
// model.generator or model.discriminator). `at` turns a mark into "file:line:col"; problems
// that are about the YAML's form (not a list, a layer without name or type) go to `errors`.
std::vector<LayerSpec> parse_layers(const YAML::Node& node, const YAML::Mark& key_mark,
                                    const std::function<std::string(const YAML::Mark&)>& at,
                                    std::vector<std::string>& errors,
                                    const std::string& list = "model.layers");

// `rest` is what follows "model.layers." in an override key: "<layer>.<key>". Unknown layer
// names get a did-you-mean from the list; the key itself is checked later with the graph.
void apply_layer_override(std::vector<LayerSpec>& layers, const std::string& rest,
                          const std::string& value_text, const std::string& where,
                          std::vector<std::string>& errors,
                          const std::string& list = "model.layers");

}  // namespace mgr::config
