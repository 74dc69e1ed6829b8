// A network declared as data: the layers of `model.layers` checked, shaped and wired into one
// nn::Module. plan_graph() does everything that needs no weights (names, types, keys, inputs,
// per-clip shapes) and reports every problem with the layer's name and file:line, so a config
// whose graph does not fit fails before any audio is loaded. GraphModel builds the modules from
// a plan and runs the layers in declaration order.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/config/layer_spec.h"
#include "framework/graph/layer_registry.h"
#include "framework/nn/module.h"

namespace mgr::graph {

struct PlannedLayer {
  const config::LayerSpec* spec = nullptr;  // into GraphPlan::specs
  const LayerType* type = nullptr;
  std::vector<int> inputs;  // indices of earlier layers; -1 is the model input, -2 the condition
  Shape out;                // per clip
  std::shared_ptr<LayerArgs> args;
};

struct GraphPlan {
  std::vector<config::LayerSpec> specs;
  Shape input;      // per clip
  Shape condition;  // per clip, the second model input `condition`; empty: none
  int num_classes = 0;
  int children = 0;
  std::vector<PlannedLayer> layers;

  const Shape& output() const { return layers.back().out; }
  // The shape of layer input index i (-1: input, -2: condition, else layer i's output).
  const Shape& shape_of(int i) const {
    return i == -1 ? input : i == -2 ? condition : layers[static_cast<size_t>(i)].out;
  }
};

// Checks and shapes the graph for a per-clip input shape. Throws mgr::Error listing every
// problem, one per line: "<file:line:col>: layer 'c2' (conv2d): kernel: expected ...".
// `children` is the class count of a tree node (the `children` placeholder), 0 elsewhere.
// A non-empty `condition` is a second model input that layers name as `in: condition` (a
// conditional GAN's one-hot genre). `list` names the layer list in messages.
std::shared_ptr<const GraphPlan> plan_graph(const std::vector<config::LayerSpec>& specs,
                                            const Shape& input, int num_classes, int children = 0,
                                            const Shape& condition = {},
                                            const std::string& list = "model.layers");

// The keys of one layer resolved against its type (defaults filled in), as YAML flow text, in
// the type's declaration order; unknown keys are kept as written (validation reports them).
std::vector<std::pair<std::string, std::string>> resolved_keys(const config::LayerSpec& spec);

// splitmix64 finaliser over (seed, FNV-1a of the name): a layer's initialisation depends on the
// experiment seed and its own name only.
uint64_t layer_seed(uint64_t seed, const std::string& name);

class GraphModel : public nn::Module {
 public:
  // Builds every layer's module (registered under the layer's name, so parameters are named
  // "<layer>.<param>"); each layer's initialisation is seeded by (seed, layer name), so adding a
  // layer does not change how the others start.
  GraphModel(std::shared_ptr<const GraphPlan> plan, uint64_t seed);

  // x [B, input...] -> [B, output...] (logits for a classifier). `condition` [B, condition...]
  // is required exactly when the plan has one.
  Var forward(const Var& x, const Var& condition = Var());
  // Every layer's output, in declaration order (the last is forward's result).
  std::vector<Var> forward_all(const Var& x, const Var& condition = Var());

  const GraphPlan& plan() const { return *plan_; }
  // The module of the layer named `name` (its parameters and train/eval mode), or nullptr for
  // a layer without state or an unknown name.
  nn::Module* layer_module(const std::string& name);

  struct SummaryRow {
    std::string name, type, inputs, shape;
    int64_t parameters = 0;
  };
  std::vector<SummaryRow> summary();
  // The summary as a fixed-width table with the total, for the log and the run directory.
  std::string summary_text();

 private:
  std::shared_ptr<const GraphPlan> plan_;
  std::vector<BuiltLayer> layers_;
};

}  // namespace mgr::graph
