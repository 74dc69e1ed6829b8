// Layer types that work on any shape or on vectors: activations, dropout, flatten,
// to_sequence, dense and concat.
#include <fmt/format.h>

#include <algorithm>

#include "framework/graph/layer_util.h"
#include "framework/nn/dropout.h"
#include "framework/nn/linear.h"
#include "framework/ops/activation.h"
#include "framework/ops/shape_ops.h"

namespace mgr::graph {

namespace {

using namespace util;

Shape same_shape(const LayerArgs&, const std::vector<Shape>& in) { return in[0]; }

LayerType activation(const std::string& name, const std::string& doc, std::vector<KeyDecl> keys,
                     std::function<std::function<Var(const Var&)>(const LayerArgs&)> make) {
  LayerType t;
  t.name = name;
  t.doc = doc;
  t.keys = std::move(keys);
  t.infer = same_shape;
  t.build = [make](const LayerArgs& a, const std::vector<Shape>&, uint64_t) {
    return stateless(make(a));
  };
  return t;
}

LayerType dropout_type() {
  LayerType t;
  t.name = "dropout";
  t.doc = "Inverted dropout in training (the same mask on CPU and GPU), identity in evaluation.";
  t.keys = {float_key("rate", "0.5", "probability of zeroing an element", 0, 1, false, true)};
  t.infer = same_shape;
  t.build = [](const LayerArgs& a, const std::vector<Shape>&, uint64_t seed) {
    auto m = std::make_shared<nn::Dropout>(static_cast<float>(a.f("rate")), seed);
    return BuiltLayer{m, [m](const std::vector<Var>& x) { return m->forward(x[0]); }};
  };
  return t;
}

LayerType flatten_type() {
  LayerType t;
  t.name = "flatten";
  t.doc = "Any per-clip shape -> one vector, row-major (torch.flatten(x, 1)).";
  t.infer = [](const LayerArgs&, const std::vector<Shape>& in) -> Shape {
    return {shape_numel(in[0])};
  };
  t.build = [](const LayerArgs&, const std::vector<Shape>& in, uint64_t) {
    const int64_t n = shape_numel(in[0]);
    return stateless([n](const Var& x) { return ops::reshape(x, {x.dim(0), n}); });
  };
  return t;
}

LayerType unflatten_type() {
  LayerType t;
  t.name = "unflatten";
  t.doc =
      "[features] -> [channels, height, width], row-major (torch.nn.Unflatten; the inverse of "
      "flatten): a generator's dense output or latent vector becomes a map for "
      "conv_transpose2d. channels * height * width must equal the features.";
  t.keys = {int_key("channels", "0",
                    "channels of the map; 0: the input's features / (height * width) (a "
                    "conditional generator's z + genres, whatever the genre count)",
                    0, 1 << 24),
            int_key("height", "1", "height of the map", 1, 1 << 16),
            int_key("width", "1", "width of the map", 1, 1 << 16)};
  t.infer = [](const LayerArgs& a, const std::vector<Shape>& in) -> Shape {
    need_rank(in[0], 1, "[features] vector", "add a flatten layer before it");
    const int64_t hw = int64_t(a.i("height")) * a.i("width");
    const int64_t c = a.i("channels") > 0 ? a.i("channels") : std::max<int64_t>(1, in[0][0] / hw);
    const Shape out{c, a.i("height"), a.i("width")};
    if (shape_numel(out) != in[0][0])
      throw LayerError("channels", fmt::format("{} x {} x {} = {} values, but the input has {}",
                                               out[0], out[1], out[2], shape_numel(out), in[0][0]));
    return out;
  };
  t.build = [](const LayerArgs& a, const std::vector<Shape>& in, uint64_t) {
    const int64_t h = a.i("height"), w = a.i("width");
    const int64_t c = a.i("channels") > 0 ? a.i("channels") : in[0][0] / (h * w);
    return stateless([c, h, w](const Var& x) { return ops::reshape(x, {x.dim(0), c, h, w}); });
  };
  return t;
}

LayerType to_sequence_type() {
  LayerType t;
  t.name = "to_sequence";
  t.doc =
      "[channels, frequency, time] -> [time, channels * frequency]: each time step sees the "
      "whole spectrum column of every channel (feature index c * frequency + f), for a "
      "recurrent layer.";
  t.infer = [](const LayerArgs&, const std::vector<Shape>& in) -> Shape {
    need_rank(in[0], 3, "[channels, frequency, time]",
              in[0].size() == 2 ? "this is already a sequence" : "");
    return {in[0][2], in[0][0] * in[0][1]};
  };
  t.build = [](const LayerArgs&, const std::vector<Shape>&, uint64_t) {
    return stateless([](const Var& x) {
      const int64_t b = x.dim(0), c = x.dim(1), f = x.dim(2), time = x.dim(3);
      return ops::reshape(ops::permute(x, {0, 3, 1, 2}), {b, time, c * f});
    });
  };
  return t;
}

LayerType dense_type() {
  LayerType t;
  t.name = "dense";
  t.doc =
      "Fully connected layer (cuBLAS on the GPU) on a [features] vector, or on every step of a "
      "[time, features] sequence; Glorot-uniform weights, zero bias.";
  t.keys = {units_key("units", "output features; num_classes for the classifier layer"),
            bool_key("bias", "true", "add a learned bias")};
  t.infer = [](const LayerArgs& a, const std::vector<Shape>& in) -> Shape {
    if (in[0].size() != 1 && in[0].size() != 2)
      throw LayerError("", fmt::format("needs a [features] vector or a [time, features] sequence "
                                       "per clip, got {} (add a flatten, global pooling or "
                                       "to_sequence layer before it)",
                                       shape_text(in[0])));
    Shape out = in[0];
    out.back() = a.units("units");
    return out;
  };
  t.build = [](const LayerArgs& a, const std::vector<Shape>& in, uint64_t seed) {
    auto m = std::make_shared<nn::Linear>(static_cast<int>(in[0].back()), a.units("units"),
                                          a.b("bias"), seed);
    return BuiltLayer{m, [m](const std::vector<Var>& x) { return m->forward(x[0]); }};
  };
  return t;
}

LayerType concat_type() {
  LayerType t;
  t.name = "concat";
  t.doc =
      "Joins the outputs of the layers listed in `in` along one per-clip axis (parallel "
      "branches, e.g. PRCNN's CNN and bidirectional GRU); the other axes must agree.";
  t.min_inputs = 2;
  t.max_inputs = 64;
  t.keys = {
      int_key("axis", "-1", "per-clip axis to join along; negative counts from the end", -8, 7)};
  t.infer = [](const LayerArgs& a, const std::vector<Shape>& in) -> Shape {
    const int rank = static_cast<int>(in[0].size());
    int axis = a.i("axis");
    if (axis < -rank || axis >= rank)
      throw LayerError("axis", fmt::format("axis {} is outside the {}-d inputs {}", axis, rank,
                                           shape_text(in[0])));
    if (axis < 0) axis += rank;
    Shape out = in[0];
    for (size_t i = 1; i < in.size(); ++i) {
      bool fits = in[i].size() == in[0].size();
      for (int d = 0; fits && d < rank; ++d) fits = d == axis || in[i][d] == in[0][d];
      if (!fits) {
        const auto& names = a.spec().in;
        throw LayerError("in", fmt::format("'{}' gives {} and '{}' gives {}: all but axis {} must "
                                           "agree",
                                           names[0], shape_text(in[0]), names[i], shape_text(in[i]),
                                           a.i("axis")));
      }
      out[axis] += in[i][axis];
    }
    return out;
  };
  t.build = [](const LayerArgs& a, const std::vector<Shape>& in, uint64_t) {
    int axis = a.i("axis");
    if (axis < 0) axis += static_cast<int>(in[0].size());
    const int batch_axis = axis + 1;
    return BuiltLayer{
        nullptr, [batch_axis](const std::vector<Var>& x) { return ops::concat(x, batch_axis); }};
  };
  return t;
}

}  // namespace

void register_basic_layers() {
  register_layer_type(activation("relu", "max(x, 0).", {}, [](const LayerArgs&) {
    return [](const Var& x) { return ops::relu(x); };
  }));
  register_layer_type(activation("leaky_relu", "x for x >= 0, slope * x below.",
                                 {float_key("slope", "0.01", "slope of the negative part", 0, 1)},
                                 [](const LayerArgs& a) {
                                   const float s = static_cast<float>(a.f("slope"));
                                   return [s](const Var& x) { return ops::leaky_relu(x, s); };
                                 }));
  register_layer_type(
      activation("elu", "x for x > 0, alpha * (exp(x) - 1) below.",
                 {float_key("alpha", "1.0", "scale of the negative part", 0, 1e6, true)},
                 [](const LayerArgs& a) {
                   const float al = static_cast<float>(a.f("alpha"));
                   return [al](const Var& x) { return ops::elu(x, al); };
                 }));
  register_layer_type(activation("tanh", "Hyperbolic tangent.", {}, [](const LayerArgs&) {
    return [](const Var& x) { return ops::tanh(x); };
  }));
  register_layer_type(activation("sigmoid", "1 / (1 + exp(-x)).", {}, [](const LayerArgs&) {
    return [](const Var& x) { return ops::sigmoid(x); };
  }));
  register_layer_type(dropout_type());
  register_layer_type(flatten_type());
  register_layer_type(unflatten_type());
  register_layer_type(to_sequence_type());
  register_layer_type(dense_type());
  register_layer_type(concat_type());
}

}  // namespace mgr::graph
