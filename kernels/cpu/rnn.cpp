#include "kernels/cpu/rnn.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace mgr::kernels::cpu {

namespace {

inline float sigmoid(float v) { return 1.f / (1.f + std::exp(-v)); }

// The time step processed before t (the previous hidden state comes from there).
inline int prev_time(const RnnLayerShape& s, int t) { return s.reverse ? t + 1 : t - 1; }

// db[k] += sum over rows of m[row, k]; m is [rows, cols].
void add_column_sums(float* db, const float* m, int64_t rows, int cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* mr = m + r * cols;
    for (int k = 0; k < cols; ++k) db[k] += mr[k];
  }
}

}  // namespace

void rnn_layer_forward(RnnCell cell, const RnnLayerShape& s, const float* x, const float* w_ih,
                       const float* w_hh, const float* b_ih, const float* b_hh, float* out,
                       int64_t ld_out, float* gates, float* state) {
  const int B = s.batch, T = s.time, H = s.hidden, G = rnn_gate_count(cell), GH = G * H;
  const int64_t BT = int64_t(B) * T;
  // Input projection of every time step at once: gates = x W_ih^T (biases added in the gate loop).
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(BT), GH, s.input, 1.f, x,
              s.input, w_ih, s.input, 0.f, gates, GH);
  std::vector<float> gh(static_cast<size_t>(B) * GH);  // W_hh h_prev for one step, [B, G*H]
  // Rows of one time step are T rows apart in the batch-first arrays.
  const int64_t out_step_ld = int64_t(T) * ld_out;
  for (int step = 0; step < T; ++step) {
    const int t = s.reverse ? T - 1 - step : step;
    const int tp = prev_time(s, t);
    if (step == 0) {
      std::fill(gh.begin(), gh.end(), 0.f);  // zero initial state
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, GH, H, 1.f, out + tp * ld_out,
                  static_cast<int>(out_step_ld), w_hh, H, 0.f, gh.data(), GH);
    }
    for (int b = 0; b < B; ++b) {
      const int64_t row = int64_t(b) * T + t, prow = int64_t(b) * T + tp;
      float* g = gates + row * GH;
      const float* a = gh.data() + int64_t(b) * GH;
      float* h = out + row * ld_out;
      const float* hp = step > 0 ? out + prow * ld_out : nullptr;
      float* st = state + row * H;
      if (cell == RnnCell::GRU) {
        for (int j = 0; j < H; ++j) {
          const float r = sigmoid(g[j] + b_ih[j] + a[j] + b_hh[j]);
          const float z = sigmoid(g[H + j] + b_ih[H + j] + a[H + j] + b_hh[H + j]);
          const float hn = a[2 * H + j] + b_hh[2 * H + j];
          const float n = std::tanh(g[2 * H + j] + b_ih[2 * H + j] + r * hn);
          const float hprev = hp ? hp[j] : 0.f;
          g[j] = r;
          g[H + j] = z;
          g[2 * H + j] = n;
          st[j] = hn;
          h[j] = (1.f - z) * n + z * hprev;
        }
      } else {
        const float* cp = step > 0 ? state + prow * H : nullptr;
        for (int j = 0; j < H; ++j) {
          const float i = sigmoid(g[j] + b_ih[j] + a[j] + b_hh[j]);
          const float f = sigmoid(g[H + j] + b_ih[H + j] + a[H + j] + b_hh[H + j]);
          const float gg = std::tanh(g[2 * H + j] + b_ih[2 * H + j] + a[2 * H + j] + b_hh[2 * H + j]);
          const float o = sigmoid(g[3 * H + j] + b_ih[3 * H + j] + a[3 * H + j] + b_hh[3 * H + j]);
          const float c = f * (cp ? cp[j] : 0.f) + i * gg;
          g[j] = i;
          g[H + j] = f;
          g[2 * H + j] = gg;
          g[3 * H + j] = o;
          st[j] = c;
          h[j] = o * std::tanh(c);
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
  const bool gru = cell == RnnCell::GRU;
  // Gradients of the gate pre-activations, input side (dgx) and recurrent side (dgh). They differ
  // only for the GRU's n gate, whose recurrent term is scaled by r; for the LSTM they coincide.
  std::vector<float> dgx(static_cast<size_t>(BT) * GH);
  std::vector<float> dgh_store(gru ? static_cast<size_t>(BT) * GH : 0);
  float* dgh = gru ? dgh_store.data() : dgx.data();
  std::vector<float> dh(static_cast<size_t>(B) * H, 0.f);  // gradient reaching h_t from later steps
  std::vector<float> dc(gru ? 0 : static_cast<size_t>(B) * H, 0.f);
  if (dh_last) std::copy(dh_last, dh_last + static_cast<int64_t>(B) * H, dh.begin());

  for (int step = T - 1; step >= 0; --step) {
    const int t = s.reverse ? T - 1 - step : step;
    const int tp = prev_time(s, t);
    for (int b = 0; b < B; ++b) {
      const int64_t row = int64_t(b) * T + t, prow = int64_t(b) * T + tp;
      const float* g = gates + row * GH;
      const float* st = state + row * H;
      const float* dy = dout + row * ld_out;
      float* dgxr = dgx.data() + row * GH;
      float* dghr = dgh + row * GH;
      float* dhb = dh.data() + int64_t(b) * H;
      if (gru) {
        const float* hp = step > 0 ? out + prow * ld_out : nullptr;
        for (int j = 0; j < H; ++j) {
          const float dht = dhb[j] + dy[j];
          const float r = g[j], z = g[H + j], n = g[2 * H + j], hn = st[j];
          const float hprev = hp ? hp[j] : 0.f;
          const float dan = dht * (1.f - z) * (1.f - n * n);
          const float dar = dan * hn * r * (1.f - r);
          const float daz = dht * (hprev - n) * z * (1.f - z);
          dgxr[j] = dar;
          dgxr[H + j] = daz;
          dgxr[2 * H + j] = dan;
          dghr[j] = dar;
          dghr[H + j] = daz;
          dghr[2 * H + j] = dan * r;
          dhb[j] = dht * z;  // direct path h' = ... + z h; the W_hh path is added below
        }
      } else {
        const float* cp = step > 0 ? state + prow * H : nullptr;
        float* dcb = dc.data() + int64_t(b) * H;
        for (int j = 0; j < H; ++j) {
          const float dht = dhb[j] + dy[j];
          const float i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
          const float tc = std::tanh(st[j]);
          const float dct = dcb[j] + dht * o * (1.f - tc * tc);
          dgxr[j] = dct * gg * i * (1.f - i);
          dgxr[H + j] = dct * (cp ? cp[j] : 0.f) * f * (1.f - f);
          dgxr[2 * H + j] = dct * i * (1.f - gg * gg);
          dgxr[3 * H + j] = dht * tc * o * (1.f - o);
          dcb[j] = dct * f;
          dhb[j] = 0.f;
        }
      }
    }
    // dh_prev += dG_t W_hh (not needed before the first step: the initial state is a constant).
    if (step > 0) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, GH, 1.f, dgh + int64_t(t) * GH,
                  T * GH, w_hh, H, 1.f, dh.data(), H);
    }
  }

  if (dx) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(BT), s.input, GH, 1.f,
                dgx.data(), GH, w_ih, s.input, 1.f, dx, s.input);
  }
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, GH, s.input, static_cast<int>(BT), 1.f,
              dgx.data(), GH, x, s.input, 1.f, dw_ih, s.input);
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
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, GH, H, static_cast<int>(BT), 1.f, dgh, GH,
              hprev.data(), H, 1.f, dw_hh, H);
  add_column_sums(db_ih, dgx.data(), BT, GH);
  add_column_sums(db_hh, dgh, BT, GH);
}

}  // namespace mgr::kernels::cpu
