// CPU reference for one direction of one GRU / LSTM / tanh-RNN layer (PyTorch formulation and
// gate order),
// forward and backward through time. Pointers + sizes only, no framework types.
//
// Layout: every per-step array is batch-first, row index b * T + t, so that the input projection
// of all time steps is one sgemm and the weight gradients are one sgemm each over B * T rows.
//   GRU  (gates r, z, n):  r = s(Wir x + bir + Whr h + bhr), z = s(Wiz x + biz + Whz h + bhz),
//                          n = tanh(Win x + bin + r * (Whn h + bhn)), h' = (1 - z) n + z h
//   LSTM (gates i, f, g, o): c' = f c + i g, h' = o tanh(c')
//   RNN_TANH (one gate):    h' = tanh(Wih x + bih + Whh h + bhh)
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

enum class RnnCell { GRU, LSTM, RNN_TANH };

inline int rnn_gate_count(RnnCell c) { return c == RnnCell::GRU ? 3 : c == RnnCell::LSTM ? 4 : 1; }

struct RnnLayerShape {
  int batch = 0;         // B
  int time = 0;          // T
  int input = 0;         // features of x per step
  int hidden = 0;        // H
  bool reverse = false;  // processes t = T-1 .. 0 (the backward direction of a bidirectional RNN)
};

// x: [B*T, input]; w_ih: [G*H, input]; w_hh: [G*H, H]; b_ih, b_hh: [G*H] (G = gate count).
// out: this direction's hidden states, row (b*T + t) at out + (b*T + t) * ld_out (ld_out = H * dirs
//   when the directions are interleaved in one [B, T, H*dirs] array).
// gates: [B*T, G*H] on return the activated gates (GRU r, z, n; LSTM i, f, g, o; RNN_TANH h).
// state: [B*T, H] on return GRU: Whn h_prev + bhn; LSTM: the cell state c_t. RNN_TANH: unused
//   (may be null).
// The initial hidden (and cell) state is zero.
void rnn_layer_forward(RnnCell cell, const RnnLayerShape& s, const float* x, const float* w_ih,
                       const float* w_hh, const float* b_ih, const float* b_hh, float* out,
                       int64_t ld_out, float* gates, float* state);

// Backward through time for the forward above (same x, weights, out, gates, state).
// dout: gradient of this direction's hidden states, same layout as out (stride ld_out).
// dh_last: [B, H] gradient of the final hidden state (h at the last processed step), or null.
// Accumulates (+=): dx [B*T, input] (may be null when not needed), dw_ih, dw_hh, db_ih, db_hh.
void rnn_layer_backward(RnnCell cell, const RnnLayerShape& s, const float* x, const float* w_ih,
                        const float* w_hh, const float* out, int64_t ld_out, const float* gates,
                        const float* state, const float* dout, const float* dh_last, float* dx,
                        float* dw_ih, float* dw_hh, float* db_ih, float* db_hh);

}  // namespace mgr::kernels::cpu
