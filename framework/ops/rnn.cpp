// The rnn op. It has two results (output and h_n) on a tape whose nodes have one result each, so
// `output` is the node that owns the backward through time, and `h_n` is a node whose only input
// is `output`: its closure parks d h_n in a slot shared with output's closure and makes sure
// output's gradient exists, so output's closure (which the tape runs after h_n's, h_n being a
// consumer of output) sees both gradients in one pass, whichever of the two the loss used.
#include "framework/ops/rnn.h"

#include <algorithm>
#include <memory>

#include "kernels/cpu/rnn.h"

#if MGR_WITH_CUDA
#include "framework/ops/rnn_cudnn.h"
#endif

namespace mgr::ops {

int rnn_gate_count(RnnMode mode) {
  switch (mode) {
    case RnnMode::GRU:
      return 3;
    case RnnMode::LSTM:
      return 4;
    case RnnMode::RNN_TANH:
      return 1;
  }
  MGR_FAIL("rnn: unknown mode " << static_cast<int>(mode));
}

const char* rnn_mode_name(RnnMode mode) {
  switch (mode) {
    case RnnMode::GRU:
      return "gru";
    case RnnMode::LSTM:
      return "lstm";
    case RnnMode::RNN_TANH:
      return "rnn_tanh";
  }
  MGR_FAIL("rnn: unknown mode " << static_cast<int>(mode));
}

namespace {

void check_args(const Var& x, const RnnWeights& w, RnnMode mode, int hidden, int num_layers,
                bool bidirectional) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32 && xv.ndim() == 3,
            "rnn: x must be f32 [batch, time, features], got " << xv.str());
  MGR_CHECK(xv.dim(0) > 0 && xv.dim(1) > 0 && xv.dim(2) > 0, "rnn: empty input " << xv.str());
  MGR_CHECK(hidden > 0 && num_layers > 0,
            "rnn: hidden (" << hidden << ") and num_layers (" << num_layers << ") must be > 0");
  const int dirs = bidirectional ? 2 : 1;
  const size_t n = static_cast<size_t>(num_layers * dirs);
  MGR_CHECK(w.w_ih.size() == n && w.w_hh.size() == n && w.b_ih.size() == n && w.b_hh.size() == n,
            "rnn: expected " << n << " weight sets (layers * directions), got w_ih "
                             << w.w_ih.size() << ", w_hh " << w.w_hh.size() << ", b_ih "
                             << w.b_ih.size() << ", b_hh " << w.b_hh.size());
  const int64_t GH = int64_t(rnn_gate_count(mode)) * hidden;
  for (int l = 0; l < num_layers; ++l) {
    const int64_t in = l == 0 ? xv.dim(2) : int64_t(hidden) * dirs;
    for (int d = 0; d < dirs; ++d) {
      const size_t p = static_cast<size_t>(l * dirs + d);
      const Tensor* ts[] = {&w.w_ih[p].value(), &w.w_hh[p].value(), &w.b_ih[p].value(),
                            &w.b_hh[p].value()};
      check_shape(*ts[0], {GH, in}, "rnn: w_ih");
      check_shape(*ts[1], {GH, hidden}, "rnn: w_hh");
      check_shape(*ts[2], {GH}, "rnn: b_ih");
      check_shape(*ts[3], {GH}, "rnn: b_hh");
      for (const Tensor* t : ts) {
        MGR_CHECK(t->dtype() == DType::F32, "rnn: weights must be f32, got " << t->str());
        MGR_CHECK(t->device() == xv.device(),
                  "rnn: weight " << t->str() << " is not on the input's device " << xv.str());
      }
    }
  }
}

// The gradient buffer of v, or a throwaway zero tensor when v needs no gradient (the kernels
// compute every weight gradient at once).
float* grad_or_scratch(const Var& v, std::vector<Tensor>& scratch) {
  if (v.requires_grad()) return grad_buffer(v).f32();
  scratch.push_back(Tensor::zeros_like(v.value()));
  return scratch.back().f32();
}

// What the CPU backward needs from the forward, per layer and per (layer, direction).
struct CpuSaved {
  std::vector<Tensor> out;    // [B, T, H*dirs] per layer
  std::vector<Tensor> gates;  // [B*T, G*H] activated gates
  std::vector<Tensor> state;  // [B*T, H] GRU: W_hn h + b_hn; LSTM: cell state; RNN_TANH: none
};

detail::RnnForward cpu_rnn(const Var& x, const RnnWeights& w, RnnMode mode, int H, int L,
                           bool bidirectional, bool need_grad) {
  const Tensor& xv = x.value();
  const int B = static_cast<int>(xv.dim(0)), T = static_cast<int>(xv.dim(1));
  const int IN = static_cast<int>(xv.dim(2));
  const int dirs = bidirectional ? 2 : 1, G = rnn_gate_count(mode);
  const auto cell = mode == RnnMode::GRU    ? kernels::cpu::RnnCell::GRU
                    : mode == RnnMode::LSTM ? kernels::cpu::RnnCell::LSTM
                                            : kernels::cpu::RnnCell::RNN_TANH;
  auto saved = std::make_shared<CpuSaved>();
  // h_n rows: layer l, direction d ends at t = T-1 (forward) or t = 0 (reverse).
  Tensor h_n = Tensor::empty({int64_t(L) * dirs, B, H});
  Tensor input = xv;
  for (int l = 0; l < L; ++l) {
    Tensor out = Tensor::empty({B, T, int64_t(H) * dirs});
    for (int d = 0; d < dirs; ++d) {
      const size_t p = static_cast<size_t>(l * dirs + d);
      Tensor gates = Tensor::empty({int64_t(B) * T, int64_t(G) * H});
      // The tanh cell keeps no state beyond h (its gate row is h itself).
      Tensor state = mode == RnnMode::RNN_TANH ? Tensor() : Tensor::empty({int64_t(B) * T, H});
      const kernels::cpu::RnnLayerShape s{B, T, l == 0 ? IN : H * dirs, H, d == 1};
      kernels::cpu::rnn_layer_forward(
          cell, s, input.f32(), w.w_ih[p].value().f32(), w.w_hh[p].value().f32(),
          w.b_ih[p].value().f32(), w.b_hh[p].value().f32(), out.f32() + int64_t(d) * H,
          int64_t(H) * dirs, gates.f32(), state.defined() ? state.f32() : nullptr);
      const int t_end = d == 0 ? T - 1 : 0;
      for (int b = 0; b < B; ++b) {
        const float* src = out.f32() + (int64_t(b) * T + t_end) * H * dirs + int64_t(d) * H;
        std::copy(src, src + H, h_n.f32() + (int64_t(p) * B + b) * H);
      }
      if (need_grad) {
        saved->gates.push_back(gates);
        saved->state.push_back(state);
      }
    }
    if (need_grad) saved->out.push_back(out);
    input = out;
  }
  detail::RnnForward result{input, h_n, nullptr};
  if (!need_grad) return result;
  result.backward = [x, w, saved, cell, B, T, IN, H, L, dirs](const Tensor& dy, const Tensor& dhn) {
    std::vector<Tensor> scratch;
    Tensor dcur = dy;
    for (int l = L - 1; l >= 0; --l) {
      const Tensor& xin = l == 0 ? x.value() : saved->out[static_cast<size_t>(l - 1)];
      Tensor dprev;
      float* dprev_ptr = nullptr;
      if (l > 0) {
        dprev = Tensor::zeros({B, T, int64_t(H) * dirs});
        dprev_ptr = dprev.f32();
      } else if (x.requires_grad()) {
        dprev_ptr = grad_buffer(x).f32();
      }
      for (int d = 0; d < dirs; ++d) {
        const size_t p = static_cast<size_t>(l * dirs + d);
        const kernels::cpu::RnnLayerShape s{B, T, l == 0 ? IN : H * dirs, H, d == 1};
        kernels::cpu::rnn_layer_backward(
            cell, s, xin.f32(), w.w_ih[p].value().f32(), w.w_hh[p].value().f32(),
            saved->out[static_cast<size_t>(l)].f32() + int64_t(d) * H, int64_t(H) * dirs,
            saved->gates[p].f32(), saved->state[p].defined() ? saved->state[p].f32() : nullptr,
            dcur.f32() + int64_t(d) * H, dhn.defined() ? dhn.f32() + int64_t(p) * B * H : nullptr,
            dprev_ptr, grad_or_scratch(w.w_ih[p], scratch), grad_or_scratch(w.w_hh[p], scratch),
            grad_or_scratch(w.b_ih[p], scratch), grad_or_scratch(w.b_hh[p], scratch));
      }
      dcur = dprev;
    }
  };
  return result;
}

}  // namespace

RnnOutput rnn(const Var& x, const RnnWeights& w, RnnMode mode, int hidden, int num_layers,
              bool bidirectional) {
  check_args(x, w, mode, hidden, num_layers, bidirectional);
  std::vector<Var> inputs{x};
  for (const auto* group : {&w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh})
    inputs.insert(inputs.end(), group->begin(), group->end());
  bool need_grad = false;
  if (grad_enabled())
    for (const Var& v : inputs) need_grad = need_grad || v.requires_grad();

  detail::RnnForward f;
  if (x.value().is_cuda()) {
#if MGR_WITH_CUDA
    f = cuda::cudnn_rnn_forward(x, w, mode, hidden, num_layers, bidirectional, need_grad);
#else
    MGR_FAIL("rnn: CUDA tensor in a build without CUDA");
#endif
  } else {
    f = cpu_rnn(x, w, mode, hidden, num_layers, bidirectional, need_grad);
  }

  auto dhn_slot = std::make_shared<Tensor>();
  auto backward = std::move(f.backward);
  RnnOutput out;
  out.output = make_var(
      f.output, inputs,
      [dhn_slot, backward](const Tensor& dy) {
        Tensor dhn = std::move(*dhn_slot);
        *dhn_slot = Tensor();
        backward(dy, dhn);
      },
      rnn_mode_name(mode));
  const Var output = out.output;
  out.h_n = make_var(
      f.h_n, {output},
      [dhn_slot, output](const Tensor& dhn) {
        *dhn_slot = dhn;
        grad_buffer(output);  // so that output's closure runs even if only h_n was used
      },
      "rnn_h_n");
  return out;
}

}  // namespace mgr::ops
