#include "kernels/cpu/rnn.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <utility>
#include <vector>

#include "kernels/cpu/gemm.h"

namespace mgr::kernels::cpu {

namespace {

// exp, sigmoid and tanh without library calls, so that the gate loops vectorise (libm's scalar
// expf/tanhf were a third of the CPU RNN's time). Accuracy: a few float ulps (checked against
// double precision over [-90, 90]), far inside the 1e-5 agreement with PyTorch the tests ask for.
// Inputs must be finite. Written without selects: GCC does not vectorise a select that feeds more
// float math (it may not speculate trapping float ops), so clamps are arithmetic.

// exp(x) = scale * (1 + q) with scale = 2^n and q = expm1(r), |r| <= ln2 / 2.
inline void exp_parts(float x, float& scale, float& q) {
  const float above = static_cast<float>(x > 88.f), below = static_cast<float>(x < -87.f);
  x = x * (1.f - above - below) + 88.f * above - 87.f * below;  // 2^n stays a normal float
  // n = round(x / ln 2) by the 1.5 * 2^23 trick (no rounding call, vectorises without SSE4.1):
  // t = 1.5 * 2^23 + n exactly, whose bits are those of 1.5 * 2^23 plus n.
  const float t = x * 1.44269504088896341f + 12582912.f;
  const float n = t - 12582912.f;
  const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187045e-06f;
  // Taylor series of expm1(r) to degree 7: truncation < 1e-8 relative on |r| <= 0.35.
  float p = 1.f / 5040.f;
  p = p * r + 1.f / 720.f;
  p = p * r + 1.f / 120.f;
  p = p * r + 1.f / 24.f;
  p = p * r + 1.f / 6.f;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  q = p * r;
  // 2^n from t's bits in unsigned arithmetic: defined for every input (a NaN x gives some scale
  // and a NaN q, so the result is NaN, as it must be; a float-to-int conversion of NaN is
  // undefined behaviour).
  scale = std::bit_cast<float>((std::bit_cast<uint32_t>(t) - 0x4B400000u + 127u) << 23);
}

inline float sigmoid(float v) {
  float scale, q;
  exp_parts(-v, scale, q);
  return 1.f / (1.f + (scale + scale * q));
}

// tanh(v) = -expm1(-2|v|) / (2 + expm1(-2|v|)) with the sign of v: no cancellation near 0.
inline float tanh_approx(float v) {
  float scale, q;
  exp_parts(-2.f * std::abs(v), scale, q);
  const float em = scale * q + (scale - 1.f);
  return std::copysign(-em / (2.f + em), v);
}

// The time step processed before t (the previous hidden state comes from there).
inline int prev_time(const RnnLayerShape& s, int t) { return s.reverse ? t + 1 : t - 1; }

// Threads for a layer's recurrence: the batch split in slices of at least 8 sequences, and one
// thread when the whole recurrence is too little work for a team.
int recurrence_threads(int batch, int gh, int h, int time) {
  const double macs = double(batch) * gh * h * time;
  if (macs < double(1 << 22)) return 1;
  return std::max(1, std::min(omp_get_max_threads(), batch / 8));
}

// This thread's rows [b0, b1) of a batch split evenly over the team.
std::pair<int, int> batch_slice(int batch) {
  const int t = omp_get_thread_num(), n = omp_get_num_threads();
  return {batch * t / n, batch * (t + 1) / n};
}

// db[k] += sum over rows of m[row, k]; m is [rows, cols].
void add_column_sums(float* db, const float* m, int64_t rows, int cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* mr = m + r * cols;
    for (int k = 0; k < cols; ++k) db[k] += mr[k];
  }
}

// One batch row of one step. g: the row's G*H input projections, replaced by the activated
// gates; a: W_hh h_prev (zero at the first step); hp / cp: previous hidden / cell state.
// __restrict: the rows never overlap, and without it GCC gives up vectorising these loops.
void gru_cell_forward(int H, float* __restrict g, const float* __restrict a,
                      const float* __restrict b_ih, const float* __restrict b_hh,
                      const float* __restrict hp, float* __restrict st, float* __restrict h) {
  for (int j = 0; j < H; ++j) {
    const float r = sigmoid(g[j] + b_ih[j] + a[j] + b_hh[j]);
    const float z = sigmoid(g[H + j] + b_ih[H + j] + a[H + j] + b_hh[H + j]);
    const float hn = a[2 * H + j] + b_hh[2 * H + j];
    const float n = tanh_approx(g[2 * H + j] + b_ih[2 * H + j] + r * hn);
    g[j] = r;
    g[H + j] = z;
    g[2 * H + j] = n;
    st[j] = hn;
    h[j] = (1.f - z) * n + z * hp[j];
  }
}

void lstm_cell_forward(int H, float* __restrict g, const float* __restrict a,
                       const float* __restrict b_ih, const float* __restrict b_hh,
                       const float* __restrict cp, float* __restrict st, float* __restrict h) {
  for (int j = 0; j < H; ++j) {
    const float i = sigmoid(g[j] + b_ih[j] + a[j] + b_hh[j]);
    const float f = sigmoid(g[H + j] + b_ih[H + j] + a[H + j] + b_hh[H + j]);
    const float gg = tanh_approx(g[2 * H + j] + b_ih[2 * H + j] + a[2 * H + j] + b_hh[2 * H + j]);
    const float o = sigmoid(g[3 * H + j] + b_ih[3 * H + j] + a[3 * H + j] + b_hh[3 * H + j]);
    const float c = f * cp[j] + i * gg;
    g[j] = i;
    g[H + j] = f;
    g[2 * H + j] = gg;
    g[3 * H + j] = o;
    st[j] = c;
    h[j] = o * tanh_approx(c);
  }
}

void tanh_cell_forward(int H, float* __restrict g, const float* __restrict a,
                       const float* __restrict b_ih, const float* __restrict b_hh,
                       float* __restrict h) {
  for (int j = 0; j < H; ++j) {
    const float v = tanh_approx(g[j] + b_ih[j] + a[j] + b_hh[j]);
    g[j] = v;
    h[j] = v;
  }
}

// Backward of one batch row of one step. dh: on entry the gradient reaching h from later steps,
// on return the part of d h_prev that does not go through W_hh. dgx / dgh: gate pre-activation
// gradients, input and recurrent side.
void gru_cell_backward(int H, const float* __restrict g, const float* __restrict st,
                       const float* __restrict hp, const float* __restrict dy, float* __restrict dh,
                       float* __restrict dgx, float* __restrict dgh) {
  for (int j = 0; j < H; ++j) {
    const float dht = dh[j] + dy[j];
    const float r = g[j], z = g[H + j], n = g[2 * H + j], hn = st[j];
    const float dan = dht * (1.f - z) * (1.f - n * n);
    const float dar = dan * hn * r * (1.f - r);
    const float daz = dht * (hp[j] - n) * z * (1.f - z);
    dgx[j] = dar;
    dgx[H + j] = daz;
    dgx[2 * H + j] = dan;
    dgh[j] = dar;
    dgh[H + j] = daz;
    dgh[2 * H + j] = dan * r;
    dh[j] = dht * z;  // direct path h' = ... + z h
  }
}

// dc: the cell-state gradient from later steps, replaced by d c_prev. dga: the gate gradients
// (the same on the input and the recurrent side).
void lstm_cell_backward(int H, const float* __restrict g, const float* __restrict st,
                        const float* __restrict cp, const float* __restrict dy,
                        float* __restrict dh, float* __restrict dc, float* __restrict dga) {
  for (int j = 0; j < H; ++j) {
    const float dht = dh[j] + dy[j];
    const float i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
    const float tc = tanh_approx(st[j]);
    const float dct = dc[j] + dht * o * (1.f - tc * tc);
    dga[j] = dct * gg * i * (1.f - i);
    dga[H + j] = dct * cp[j] * f * (1.f - f);
    dga[2 * H + j] = dct * i * (1.f - gg * gg);
    dga[3 * H + j] = dht * tc * o * (1.f - o);
    dc[j] = dct * f;
    dh[j] = 0.f;  // h_prev reaches h only through W_hh
  }
}

// dga: the pre-activation gradient (the same on the input and the recurrent side).
void tanh_cell_backward(int H, const float* __restrict g, const float* __restrict dy,
                        float* __restrict dh, float* __restrict dga) {
  for (int j = 0; j < H; ++j) {
    const float dht = dh[j] + dy[j];
    dga[j] = dht * (1.f - g[j] * g[j]);
    dh[j] = 0.f;  // h_prev reaches h only through W_hh
  }
}

}  // namespace

void rnn_layer_forward(RnnCell cell, const RnnLayerShape& s, const float* x, const float* w_ih,
                       const float* w_hh, const float* b_ih, const float* b_hh, float* out,
                       int64_t ld_out, float* gates, float* state) {
  const int B = s.batch, T = s.time, H = s.hidden, G = rnn_gate_count(cell), GH = G * H;
  const int64_t BT = int64_t(B) * T;
  // Input projection of every time step at once: gates = x W_ih^T (biases added in the gate loop).
  sgemm(false, true, BT, GH, s.input, 1.f, x, s.input, w_ih, s.input, 0.f, gates, GH);
  std::vector<float> gh(static_cast<size_t>(B) * GH);  // W_hh h_prev for one step, [B, G*H]
  // The zero initial state, read through the same pointers as later states so that the gate
  // loops have no branches (and vectorise).
  const std::vector<float> zeros(static_cast<size_t>(H), 0.f);
  // Rows of one time step are T rows apart in the batch-first arrays.
  const int64_t out_step_ld = int64_t(T) * ld_out;
  // Each sequence's recurrence only reads its own earlier states, so the batch is split across
  // the threads for the whole sequence: one parallel region, no barrier per time step (a
  // per-step split of the small W_hh product waited at every step for the other thread).
#pragma omp parallel num_threads(recurrence_threads(B, GH, H, T))
  {
    const auto [b0, b1] = batch_slice(B);
    for (int step = 0; step < T && b0 < b1; ++step) {
      const int t = s.reverse ? T - 1 - step : step;
      const int tp = prev_time(s, t);
      if (step == 0) {
        std::fill(gh.begin() + int64_t(b0) * GH, gh.begin() + int64_t(b1) * GH, 0.f);
      } else {
        sgemm(false, true, b1 - b0, GH, H, 1.f, out + (int64_t(b0) * T + tp) * ld_out, out_step_ld,
              w_hh, H, 0.f, gh.data() + int64_t(b0) * GH, GH);
      }
      for (int b = b0; b < b1; ++b) {
        const int64_t row = int64_t(b) * T + t, prow = int64_t(b) * T + tp;
        float* g = gates + row * GH;
        const float* a = gh.data() + int64_t(b) * GH;
        if (cell == RnnCell::GRU) {
          const float* hp = step > 0 ? out + prow * ld_out : zeros.data();
          gru_cell_forward(H, g, a, b_ih, b_hh, hp, state + row * H, out + row * ld_out);
        } else if (cell == RnnCell::RNN_TANH) {
          tanh_cell_forward(H, g, a, b_ih, b_hh, out + row * ld_out);
        } else {
          const float* cp = step > 0 ? state + prow * H : zeros.data();
          lstm_cell_forward(H, g, a, b_ih, b_hh, cp, state + row * H, out + row * ld_out);
        }
      }
    }
  }
}

void rnn_layer_backward(RnnCell cell, const RnnLayerShape& s, const float* x, const float* w_ih,
                        const float* w_hh, const float* out, int64_t ld_out, const float* gates,
                        const float* state, const float* dout, const float* dh_last, float* dx,
                        float* dw_ih, float* dw_hh, float* db_ih, float* db_hh) {
  const int B = s.batch, T = s.time, H = s.hidden, G = rnn_gate_count(cell), GH = G * H;
  const int64_t BT = int64_t(B) * T;
  const bool gru = cell == RnnCell::GRU, lstm = cell == RnnCell::LSTM;
  // Gradients of the gate pre-activations, input side (dgx) and recurrent side (dgh). They differ
  // only for the GRU's n gate, whose recurrent term is scaled by r; for the LSTM and the tanh
  // cell they coincide.
  std::vector<float> dgx(static_cast<size_t>(BT) * GH);
  std::vector<float> dgh_store(gru ? static_cast<size_t>(BT) * GH : 0);
  float* dgh = gru ? dgh_store.data() : dgx.data();
  std::vector<float> dh(static_cast<size_t>(B) * H, 0.f);  // gradient reaching h_t from later steps
  std::vector<float> dc(lstm ? static_cast<size_t>(B) * H : 0, 0.f);
  const std::vector<float> zeros(static_cast<size_t>(H), 0.f);  // the initial state, see forward
  if (dh_last) std::copy(dh_last, dh_last + static_cast<int64_t>(B) * H, dh.begin());

    // As in the forward pass, each thread runs the recurrence of its own slice of the batch.
#pragma omp parallel num_threads(recurrence_threads(B, GH, H, T))
  {
    const auto [b0, b1] = batch_slice(B);
    for (int step = T - 1; step >= 0 && b0 < b1; --step) {
      const int t = s.reverse ? T - 1 - step : step;
      const int tp = prev_time(s, t);
      for (int b = b0; b < b1; ++b) {
        const int64_t row = int64_t(b) * T + t, prow = int64_t(b) * T + tp;
        const float* g = gates + row * GH;
        const float* st = state ? state + row * H : nullptr;
        const float* dy = dout + row * ld_out;
        float* dhb = dh.data() + int64_t(b) * H;
        if (gru) {
          const float* hp = step > 0 ? out + prow * ld_out : zeros.data();
          gru_cell_backward(H, g, st, hp, dy, dhb, dgx.data() + row * GH, dgh + row * GH);
        } else if (cell == RnnCell::RNN_TANH) {
          tanh_cell_backward(H, g, dy, dhb, dgx.data() + row * GH);
        } else {
          const float* cp = step > 0 ? state + prow * H : zeros.data();
          lstm_cell_backward(H, g, st, cp, dy, dhb, dc.data() + int64_t(b) * H,
                             dgx.data() + row * GH);
        }
      }
      // dh_prev += dG_t W_hh (not needed before the first step: the initial state is a
      // constant).
      if (step > 0) {
        sgemm(false, false, b1 - b0, H, GH, 1.f, dgh + (int64_t(b0) * T + t) * GH, int64_t(T) * GH,
              w_hh, H, 1.f, dh.data() + int64_t(b0) * H, H);
      }
    }
  }

  if (dx) {
    sgemm(false, false, BT, s.input, GH, 1.f, dgx.data(), GH, w_ih, s.input, 1.f, dx, s.input);
  }
  sgemm(true, false, GH, s.input, BT, 1.f, dgx.data(), GH, x, s.input, 1.f, dw_ih, s.input);
  // The previous hidden state of every row (zero at each sequence's first processed step).
  std::vector<float> hprev(static_cast<size_t>(BT) * H, 0.f);
  for (int b = 0; b < B; ++b) {
    for (int t = 0; t < T; ++t) {
      const int tp = prev_time(s, t);
      if (tp < 0 || tp >= T) continue;
      const float* src = out + (int64_t(b) * T + tp) * ld_out;
      std::copy(src, src + H, hprev.begin() + (int64_t(b) * T + t) * H);
    }
  }
  sgemm(true, false, GH, H, BT, 1.f, dgh, GH, hprev.data(), H, 1.f, dw_hh, H);
  add_column_sums(db_ih, dgx.data(), BT, GH);
  add_column_sums(db_hh, dgh, BT, GH);
}

}  // namespace mgr::kernels::cpu
