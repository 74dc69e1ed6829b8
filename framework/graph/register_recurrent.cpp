// Recurrent layer types over [time, features] sequences: gru, lstm and rnn (tanh), several
// layers, optionally bidirectional (cuDNN on the GPU, the CPU twin in kernels/cpu/rnn).
#include <fmt/format.h>

#include "framework/graph/layer_util.h"
#include "framework/nn/rnn.h"
#include "framework/ops/shape_ops.h"

namespace mgr::graph {

namespace {

using namespace util;

LayerType recurrent_type(const std::string& name, ops::RnnMode mode, const std::string& what) {
  LayerType t;
  t.name = name;
  t.doc = what + " over a [time, features] sequence, zero initial state (torch.nn." +
          (mode == ops::RnnMode::GRU    ? "GRU"
           : mode == ops::RnnMode::LSTM ? "LSTM"
                                        : "RNN") +
          ", batch_first). `last` gives the final hidden state of each direction of the last "
          "layer, forward then backward ([units * directions]); `sequence` every step's output "
          "([time, units * directions]).";
  t.keys = {int_key("units", "", "hidden units per direction", 1, 65536),
            int_key("layers", "1", "stacked layers", 1, 16),
            bool_key("bidirectional", "false", "add a backward-in-time direction"),
            choice_key("return", "last", "what the layer passes on", {"last", "sequence"})};
  t.infer = [](const LayerArgs& a, const std::vector<Shape>& in) -> Shape {
    need_rank(in[0], 2, "[time, features] sequence",
              in[0].size() == 3 ? "a [channels, frequency, time] map: add a to_sequence layer "
                                  "before it"
                                : "");
    const int64_t width = int64_t(a.i("units")) * (a.b("bidirectional") ? 2 : 1);
    if (a.s("return") == "last") return {width};
    return {in[0][0], width};
  };
  t.build = [mode](const LayerArgs& a, const std::vector<Shape>& in, uint64_t seed) {
    const int input = static_cast<int>(in[0][1]), units = a.i("units"), layers = a.i("layers");
    const bool bidir = a.b("bidirectional"), last = a.s("return") == "last";
    std::shared_ptr<nn::RnnBase> m;
    if (mode == ops::RnnMode::GRU)
      m = std::make_shared<nn::GRU>(input, units, layers, bidir, seed);
    else if (mode == ops::RnnMode::LSTM)
      m = std::make_shared<nn::LSTM>(input, units, layers, bidir, seed);
    else
      m = std::make_shared<nn::RNN>(input, units, layers, bidir, seed);
    const int dirs = bidir ? 2 : 1;
    return BuiltLayer{m, [m, last, layers, dirs, units](const std::vector<Var>& x) {
                        ops::RnnOutput r = m->forward(x[0]);
                        if (!last) return r.output;
                        // h_n [layers * dirs, B, H]: the last layer's rows, batch first.
                        Var h = r.h_n;
                        if (layers > 1) h = ops::slice(h, 0, int64_t(layers - 1) * dirs, dirs);
                        const int64_t b = x[0].dim(0);
                        if (dirs == 1) return ops::reshape(h, {b, units});
                        return ops::reshape(ops::permute(h, {1, 0, 2}), {b, int64_t(dirs) * units});
                      }};
  };
  return t;
}

}  // namespace

void register_recurrent_layers() {
  register_layer_type(recurrent_type("gru", ops::RnnMode::GRU, "Gated recurrent units"));
  register_layer_type(recurrent_type("lstm", ops::RnnMode::LSTM, "Long short-term memory"));
  register_layer_type(
      recurrent_type("rnn", ops::RnnMode::RNN_TANH, "Plain (Elman) recurrent layer with tanh"));
}

}  // namespace mgr::graph
