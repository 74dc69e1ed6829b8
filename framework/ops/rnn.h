// Multi-layer, optionally bidirectional GRU / LSTM / plain tanh RNN over a batch-first sequence:
// the same function as torch.nn.GRU / torch.nn.LSTM / torch.nn.RNN(nonlinearity='tanh')
// (batch_first=True) with a zero initial state. On CUDA it runs
// through cuDNN's RNN API, on the CPU through kernels/cpu/rnn (one sgemm for the input projection
// of all steps, a small sgemm per step for the recurrence, backward through time).
#pragma once

#include <functional>
#include <vector>

#include "framework/autograd/var.h"

namespace mgr::ops {

// RNN_TANH: the Elman cell h' = tanh(W_ih x + b_ih + W_hh h + b_hh).
enum class RnnMode { GRU, LSTM, RNN_TANH };

// Gates per cell: GRU 3 (r, z, n), LSTM 4 (i, f, g, o), RNN_TANH 1.
int rnn_gate_count(RnnMode mode);
// "gru", "lstm", "rnn_tanh".
const char* rnn_mode_name(RnnMode mode);

// One entry per (layer, direction), index layer * dirs + direction, PyTorch layout and gate order.
struct RnnWeights {
  std::vector<Var> w_ih;  // [G*H, in]   in = input size (layer 0) or H * dirs
  std::vector<Var> w_hh;  // [G*H, H]
  std::vector<Var> b_ih;  // [G*H]
  std::vector<Var> b_hh;  // [G*H]
};

struct RnnOutput {
  Var output;  // [B, T, H*dirs]; direction d of step t at [b, t, d*H : (d+1)*H]
  Var h_n;     // [layers*dirs, B, H]: the last hidden state of each (layer, direction)
};

// x: [B, T, in]. Gradients flow from output and from h_n (either or both may be used).
RnnOutput rnn(const Var& x, const RnnWeights& w, RnnMode mode, int hidden, int num_layers,
              bool bidirectional);

namespace detail {

// What a device implementation hands back to rnn(): both results and, when gradients are
// needed, a function of (d output, d h_n or an undefined tensor) that accumulates into the
// gradients of x and of the weights that require them.
struct RnnForward {
  Tensor output;
  Tensor h_n;
  std::function<void(const Tensor& d_output, const Tensor& d_h_n)> backward;
};

}  // namespace detail
}  // namespace mgr::ops
