// GRU, LSTM and (tanh) RNN modules: batch-first, zero initial state, parameters named and shaped as
// PyTorch's (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, then the same with _reverse for
// the backward direction, layer by layer), so PyTorch state dicts map one to one.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/nn/module.h"
#include "framework/ops/rnn.h"

namespace mgr::nn {

class RnnBase : public Module {
 public:
  // x: [B, T, input_size]. output: [B, T, output_size()], h_n: [layers*dirs, B, hidden].
  ops::RnnOutput forward(const Var& x);

  ops::RnnMode mode() const { return mode_; }
  int input_size() const { return input_; }
  int hidden() const { return hidden_; }
  int num_layers() const { return layers_; }
  bool bidirectional() const { return bidirectional_; }
  int output_size() const { return hidden_ * (bidirectional_ ? 2 : 1); }

 protected:
  // Parameters drawn from uniform(-1/sqrt(H), 1/sqrt(H)) as PyTorch does, in registration order,
  // from a generator seeded by `seed`.
  RnnBase(ops::RnnMode mode, int input, int hidden, int num_layers, bool bidirectional,
          uint64_t seed);

 private:
  ops::RnnMode mode_;
  int input_, hidden_, layers_;
  bool bidirectional_;
  // Registered parameters, index layer * dirs + direction (stable addresses, see Module).
  std::vector<Var*> w_ih_, w_hh_, b_ih_, b_hh_;
};

class GRU : public RnnBase {
 public:
  GRU(int input, int hidden, int num_layers = 1, bool bidirectional = false, uint64_t seed = 1)
      : RnnBase(ops::RnnMode::GRU, input, hidden, num_layers, bidirectional, seed) {}
};

class LSTM : public RnnBase {
 public:
  LSTM(int input, int hidden, int num_layers = 1, bool bidirectional = false, uint64_t seed = 1)
      : RnnBase(ops::RnnMode::LSTM, input, hidden, num_layers, bidirectional, seed) {}
};

// torch.nn.RNN with nonlinearity='tanh' (the default; 'relu' is not supported).
class RNN : public RnnBase {
 public:
  RNN(int input, int hidden, int num_layers = 1, bool bidirectional = false, uint64_t seed = 1)
      : RnnBase(ops::RnnMode::RNN_TANH, input, hidden, num_layers, bidirectional, seed) {}
};

}  // namespace mgr::nn
