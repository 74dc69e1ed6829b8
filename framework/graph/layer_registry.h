// The registry of layer types for networks declared as data (`model.layers`). Each type
// declares its keys once (kind, default, range, one line of doc); from that one declaration come
// the validation of a YAML layer (unknown keys with "did you mean" from that type's own keys,
// wrong types, out-of-range values), the resolved config, and the reference in docs/config.md.
// A type also infers its per-clip output shape from its inputs' shapes (so a graph that does not
// fit is an error before any audio is loaded) and builds the module holding its parameters.
// Layer families register themselves in framework/graph/register_<family>.cpp, listed in
// layer_list.h (the pattern of framework/features/stage_list.h).
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "framework/autograd/var.h"
#include "framework/config/layer_spec.h"
#include "framework/nn/module.h"
#include "kernels/error.h"

namespace mgr::graph {

enum class KeyKind {
  Int,      // an integer
  Float,    // a number
  Bool,     // true | false
  Choice,   // one of `choices`
  IntPair,  // an integer or [a, b] (kernel, stride, dilation: height then width)
  Padding,  // same | valid | an integer | [h, w]
  Units,    // an integer or a placeholder the data decides (num_classes, children)
};

struct KeyDecl {
  std::string name;
  KeyKind kind = KeyKind::Int;
  std::string default_text;  // YAML text of the default; empty: the key is required
  std::string doc;
  double lo = -std::numeric_limits<double>::infinity();  // inclusive bounds of numbers (each
  double hi = std::numeric_limits<double>::infinity();   // entry of a pair)
  bool lo_open = false, hi_open = false;                 // exclusive bounds
  bool odd = false;                                      // integers must be odd
  std::vector<std::string> choices;                      // Choice

  std::string expected() const;  // "an integer >= 1", "one of {last, sequence}", ...
  // The complaint about `node` (wrong type or out of range), or "" when it is fine.
  std::string check(const YAML::Node& node) const;
};

// A layer's keys resolved to values (defaults filled in), with typed getters. Getters assume
// the values passed KeyDecl::check.
class LayerArgs {
 public:
  LayerArgs(const config::LayerSpec& spec, std::vector<std::pair<std::string, YAML::Node>> values,
            int num_classes, int children);
  const config::LayerSpec& spec() const { return *spec_; }
  const std::string& name() const { return spec_->name; }

  int i(const std::string& key) const;
  double f(const std::string& key) const;
  bool b(const std::string& key) const;
  std::string s(const std::string& key) const;
  std::array<int, 2> pair(const std::string& key) const;
  // Padding: {-1, -1} for `same`, the explicit values otherwise (`valid` is {0, 0}).
  std::array<int, 2> padding(const std::string& key) const;
  int units(const std::string& key) const;  // placeholders resolved
  const YAML::Node& node(const std::string& key) const;

 private:
  const config::LayerSpec* spec_;
  std::vector<std::pair<std::string, YAML::Node>> values_;
  int num_classes_, children_;
};

// A shape error of one layer; the graph planner adds the layer's name and location.
class LayerError : public Error {
 public:
  LayerError(std::string key, const std::string& message) : Error(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }  // the key at fault, "" for the layer itself

 private:
  std::string key_;
};

// What a built layer is: the module holding its parameters and buffers (named `<layer>.<param>`
// in checkpoints; null for a layer without state) and its forward function over batched inputs.
struct BuiltLayer {
  std::shared_ptr<nn::Module> module;
  std::function<Var(const std::vector<Var>&)> forward;
};

struct LayerType {
  std::string name;
  std::string doc;  // one line for docs/config.md
  std::vector<KeyDecl> keys;
  int min_inputs = 1, max_inputs = 1;  // concat: 2..many
  // Per-clip output shape from the per-clip input shapes; throws LayerError when they do not fit.
  std::function<Shape(const LayerArgs&, const std::vector<Shape>&)> infer;
  // The layer's module and forward function; `seed` makes its initialisation reproducible.
  std::function<BuiltLayer(const LayerArgs&, const std::vector<Shape>&, uint64_t seed)> build;
};

void register_layer_type(LayerType type);
const LayerType* find_layer_type(const std::string& name);  // nullptr when unknown
std::vector<std::string> layer_type_names();                // sorted
// The keys every layer has besides its type's own.
const std::vector<std::string>& common_layer_keys();

// The layer reference (one table per type) that docs/config.md embeds; a test keeps them equal.
std::string layers_markdown();

// Shape text for messages and summaries: [32, 64, 65].
std::string shape_text(const Shape& s);

}  // namespace mgr::graph
