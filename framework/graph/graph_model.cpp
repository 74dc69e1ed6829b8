#include "framework/graph/graph_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "framework/config/did_you_mean.h"

namespace mgr::graph {

namespace {

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string m = config::closest_match(word, candidates);
  return m.empty() ? "" : " (did you mean '" + m + "'?)";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> resolved_keys(const config::LayerSpec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  const LayerType* t = find_layer_type(spec.type);
  if (!t) return spec.keys;
  for (const KeyDecl& k : t->keys) {
    if (const std::string* v = spec.find(k.name)) {
      out.emplace_back(k.name, *v);
    } else if (!k.default_text.empty()) {
      out.emplace_back(k.name, k.default_text);
    }
  }
  for (const auto& kv : spec.keys) {
    const bool declared = std::any_of(t->keys.begin(), t->keys.end(),
                                      [&](const KeyDecl& k) { return k.name == kv.first; });
    if (!declared) out.push_back(kv);
  }
  return out;
}

uint64_t layer_seed(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + h;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::shared_ptr<const GraphPlan> plan_graph(const std::vector<config::LayerSpec>& specs,
                                            const Shape& input, int num_classes, int children,
                                            const Shape& condition, const std::string& list) {
  auto plan = std::make_shared<GraphPlan>();
  plan->specs = specs;  // never resized again: PlannedLayer points into it
  plan->input = input;
  plan->condition = condition;
  plan->num_classes = num_classes;
  plan->children = children;
  std::vector<std::string> errors;
  if (specs.empty()) throw Error(list + ": the model has no layers");

  static const std::regex name_re("[A-Za-z_][A-Za-z0-9_]*");
  std::map<std::string, int> index_of;
  std::vector<bool> ok(specs.size(), false);
  std::vector<bool> used(specs.size(), false);
  std::vector<Shape> out_of(specs.size());  // each planned layer's output shape
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);

  for (size_t li = 0; li < plan->specs.size(); ++li) {
    const config::LayerSpec& spec = plan->specs[li];
    const std::string head = fmt::format("layer '{}' ({})", spec.name, spec.type);
    auto fail = [&](const std::string& key, const std::string& msg) {
      errors.push_back(spec.at(key) + ": " + head + ": " + (key.empty() ? "" : key + ": ") + msg);
    };
    PlannedLayer pl;
    pl.spec = &spec;
    bool good = true;
    // -- name and type
    if (!std::regex_match(spec.name, name_re) || spec.name == "input" || spec.name == "condition") {
      fail("name",
           "a layer name is letters, digits and '_', not starting with a digit, and not 'input' "
           "or 'condition'");
      good = false;
    } else if (index_of.count(spec.name)) {
      fail("name", fmt::format("duplicate layer name (first at {})",
                               plan->specs[index_of[spec.name]].where));
      good = false;
    }
    if (good) index_of[spec.name] = static_cast<int>(li);
    pl.type = find_layer_type(spec.type);
    if (!pl.type) {
      fail("type", "unknown layer type '" + spec.type + "'" +
                       did_you_mean(spec.type, layer_type_names()) +
                       "; the types are listed in docs/config.md");
      continue;
    }
    // -- keys
    std::vector<std::string> own;
    for (const KeyDecl& k : pl.type->keys) own.push_back(k.name);
    std::vector<std::pair<std::string, YAML::Node>> values;
    for (const auto& entry : spec.keys) {
      // Not a structured binding: clang 14 (the sanitizer build) cannot capture those.
      const std::string& key = entry.first;
      const auto decl = std::find_if(pl.type->keys.begin(), pl.type->keys.end(),
                                     [&](const KeyDecl& k) { return k.name == key; });
      if (decl == pl.type->keys.end()) {
        std::string hint = did_you_mean(key, own);
        if (hint.empty())
          hint = own.empty()
                     ? " (" + spec.type + " has no keys besides name, type and in)"
                     : " (" + spec.type + " keys: " + fmt::format("{}", fmt::join(own, ", ")) + ")";
        fail(key, "unknown key for a " + spec.type + " layer" + hint);
        good = false;
      }
    }
    for (const KeyDecl& k : pl.type->keys) {
      const std::string* text = spec.find(k.name);
      if (!text && k.default_text.empty()) {
        fail("", "missing required key '" + k.name + "' (" + k.doc + ")");
        good = false;
        continue;
      }
      YAML::Node node;
      try {
        node = YAML::Load(text ? *text : k.default_text);
      } catch (const YAML::Exception& e) {
        fail(k.name, "not valid YAML: " + e.msg);
        good = false;
        continue;
      }
      const std::string complaint = k.check(node);
      if (!complaint.empty()) {
        fail(k.name, complaint);
        good = false;
        continue;
      }
      values.emplace_back(k.name, node);
    }
    // -- inputs
    std::vector<std::string> in = spec.in;
    if (in.empty()) in.push_back(li == 0 ? "input" : plan->specs[li - 1].name);
    if (static_cast<int>(in.size()) < pl.type->min_inputs ||
        static_cast<int>(in.size()) > pl.type->max_inputs) {
      fail("in", pl.type->max_inputs == 1
                     ? fmt::format("a {} layer takes one input, got {}", spec.type, in.size())
                     : fmt::format("a {} layer takes at least {} inputs (a list of layer names), "
                                   "got {}",
                                   spec.type, pl.type->min_inputs, in.size()));
      good = false;
    }
    bool inputs_ok = true;
    for (const std::string& src : in) {
      if (src == "input") {
        pl.inputs.push_back(-1);
        continue;
      }
      if (src == "condition") {
        if (condition.empty()) {
          fail("in",
               "'condition' is the genre of a conditional GAN (model.type gan with "
               "model.gan.conditional: true); this network has no condition input");
          good = false;
        } else {
          pl.inputs.push_back(-2);
        }
        continue;
      }
      auto it = index_of.find(src);
      if (it != index_of.end() && it->second < static_cast<int>(li)) {
        pl.inputs.push_back(it->second);
        used[it->second] = true;
        if (!ok[it->second]) inputs_ok = false;  // reported at that layer already
        continue;
      }
      auto later = std::find(names.begin() + static_cast<long>(li), names.end(), src);
      if (later != names.end()) {
        fail("in", fmt::format("'{}' is {} (at {}); a layer reads only the layers above it, so "
                               "forward references and cycles are not possible",
                               src,
                               later == names.begin() + static_cast<long>(li) ? "this layer itself"
                                                                              : "declared later",
                               plan->specs[later - names.begin()].where));
      } else {
        std::vector<std::string> earlier(names.begin(), names.begin() + static_cast<long>(li));
        earlier.push_back("input");
        fail("in", "no layer named '" + src + "' above this one" + did_you_mean(src, earlier));
      }
      good = false;
    }
    if (!good || !inputs_ok) continue;
    // -- shape
    // By spec index: plan->layers holds only the layers planned so far, fewer than li when an
    // earlier layer (not read here) failed (found by fuzz_experiment_config).
    std::vector<Shape> in_shapes;
    for (int i : pl.inputs)
      in_shapes.push_back(i < 0 ? plan->shape_of(i) : out_of[static_cast<size_t>(i)]);
    try {
      pl.args = std::make_shared<LayerArgs>(spec, values, num_classes, children);
      pl.out = pl.type->infer(*pl.args, in_shapes);
      for (int64_t d : pl.out) {
        if (d < 1) {
          std::string ins;
          for (const Shape& s : in_shapes) ins += (ins.empty() ? "" : ", ") + shape_text(s);
          throw LayerError(
              "", fmt::format("the output {} would be empty (input {})", shape_text(pl.out), ins));
        }
      }
    } catch (const LayerError& e) {
      fail(e.key(), e.what());
      continue;
    }
    ok[li] = true;
    out_of[li] = pl.out;
    plan->layers.push_back(std::move(pl));
  }
  if (errors.empty()) {
    for (size_t li = 0; li + 1 < specs.size(); ++li) {
      if (!used[li])
        errors.push_back(fmt::format(
            "{}: layer '{}' ({}): its output is not used by any later layer (only the last layer "
            "is the model's output); remove it or name it in a later layer's 'in'",
            specs[li].where, specs[li].name, specs[li].type));
    }
  }
  if (!errors.empty()) {
    std::string msg;
    for (size_t i = 0; i < errors.size(); ++i) msg += (i ? "\n" : "") + errors[i];
    throw Error(msg);
  }
  return plan;
}

GraphModel::GraphModel(std::shared_ptr<const GraphPlan> plan, uint64_t seed)
    : plan_(std::move(plan)) {
  for (const PlannedLayer& pl : plan_->layers) {
    std::vector<Shape> in_shapes;
    for (int i : pl.inputs) in_shapes.push_back(plan_->shape_of(i));
    BuiltLayer b = pl.type->build(*pl.args, in_shapes, layer_seed(seed, pl.spec->name));
    if (b.module) register_module(pl.spec->name, b.module);
    layers_.push_back(std::move(b));
  }
}

Var GraphModel::forward(const Var& x, const Var& condition) {
  return forward_all(x, condition).back();
}

std::vector<Var> GraphModel::forward_all(const Var& x, const Var& condition) {
  const Shape& xs = x.value().shape();
  const Shape clip(xs.begin() + (xs.empty() ? 0 : 1), xs.end());
  MGR_CHECK(xs.size() == plan_->input.size() + 1 && clip == plan_->input,
            "model: expected input [batch] + " << shape_text(plan_->input) << " per clip, got "
                                               << shape_text(xs));
  if (!plan_->condition.empty()) {
    MGR_CHECK(condition.defined(), "model: this network needs its condition input "
                                       << shape_text(plan_->condition) << " per clip");
    const Shape& cs = condition.value().shape();
    MGR_CHECK(cs.size() == plan_->condition.size() + 1 && cs[0] == xs[0] &&
                  Shape(cs.begin() + 1, cs.end()) == plan_->condition,
              "model: expected condition [" << xs[0] << "] + " << shape_text(plan_->condition)
                                            << ", got " << shape_text(cs));
  }
  std::vector<Var> outs(layers_.size());
  for (size_t li = 0; li < layers_.size(); ++li) {
    std::vector<Var> in;
    for (int i : plan_->layers[li].inputs)
      in.push_back(i == -1 ? x : i == -2 ? condition : outs[i]);
    outs[li] = layers_[li].forward(in);
  }
  return outs;
}

nn::Module* GraphModel::layer_module(const std::string& name) {
  for (size_t li = 0; li < layers_.size(); ++li)
    if (plan_->layers[li].spec->name == name) return layers_[li].module.get();
  return nullptr;
}

std::vector<GraphModel::SummaryRow> GraphModel::summary() {
  std::vector<SummaryRow> rows;
  for (size_t li = 0; li < layers_.size(); ++li) {
    const PlannedLayer& pl = plan_->layers[li];
    SummaryRow r;
    r.name = pl.spec->name;
    r.type = pl.spec->type;
    for (int i : pl.inputs)
      r.inputs += (r.inputs.empty() ? "" : ",") + (i == -1   ? std::string("input")
                                                   : i == -2 ? std::string("condition")
                                                             : plan_->layers[i].spec->name);
    r.shape = shape_text(pl.out);
    r.parameters = layers_[li].module ? layers_[li].module->num_parameters() : 0;
    rows.push_back(r);
  }
  return rows;
}

std::string GraphModel::summary_text() {
  const std::vector<SummaryRow> rows = summary();
  size_t wn = 5, wt = 4, wi = 2, ws = 12;
  for (const auto& r : rows) {
    wn = std::max(wn, r.name.size());
    wt = std::max(wt, r.type.size());
    wi = std::max(wi, r.inputs.size());
    ws = std::max(ws, r.shape.size());
  }
  std::string out = fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>12}\n", "layer", wn, "type", wt,
                                "in", wi, "output/clip", ws, "parameters");
  out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>12}\n", "", wn, "", wt, "input", wi,
                     shape_text(plan_->input), ws, "");
  if (!plan_->condition.empty())
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>12}\n", "", wn, "", wt, "condition", wi,
                       shape_text(plan_->condition), ws, "");
  int64_t total = 0;
  for (const auto& r : rows) {
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>12}\n", r.name, wn, r.type, wt, r.inputs,
                       wi, r.shape, ws, r.parameters);
    total += r.parameters;
  }
  out += fmt::format("total parameters: {}\n", total);
  return out;
}

}  // namespace mgr::graph
