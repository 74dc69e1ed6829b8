#include "kernels/cpu/conv2d.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "kernels/cpu/conv2d_winograd.h"
#include "kernels/cpu/gemm.h"

namespace mgr::kernels::cpu {

namespace {

// A 1x1 kernel with unit stride and no padding needs no im2col: the image is its own column
// matrix (dilation does not matter with a single tap).
bool is_pointwise(const Conv2dGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

// Threads worth using: never more than images, and one for small problems, where a team's
// start-up and barrier cost more than the work (and, on a loaded machine, a descheduled team
// member stalls the barrier for a whole time slice).
int threads_for(const Conv2dGeometry& g) {
  const int64_t macs = int64_t(g.n) * g.k * g.c * g.kh * g.kw * g.out_h() * g.out_w();
  if (macs < (int64_t(1) << 22)) return 1;
  return std::max(1, std::min(g.n, omp_get_max_threads()));
}

}  // namespace

float* conv_scratch(int slot, size_t n) {
  thread_local std::array<std::vector<float>, 8> buffers;
  std::vector<float>& b = buffers.at(size_t(slot));
  if (b.size() < n) b.resize(n);
  return b.data();
}

void im2col(const float* x, float* col, const Conv2dGeometry& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t hw = int64_t(g.h) * g.w;
  for (int c = 0; c < g.c; ++c) {
    const float* xc = x + c * hw;
    for (int i = 0; i < g.kh; ++i) {
      for (int j = 0; j < g.kw; ++j) {
        float* row = col + ((int64_t(c) * g.kh + i) * g.kw + j) * oh * ow;
        // Output columns whose input column ox*sw - pw + j*dw lies inside [0, w).
        const int jx = j * g.dw - g.pw;
        int ox_lo = 0, ox_hi = ow;  // [ox_lo, ox_hi)
        while (ox_lo < ow && ox_lo * g.sw + jx < 0) ++ox_lo;
        while (ox_hi > ox_lo && (ox_hi - 1) * g.sw + jx >= g.w) --ox_hi;
        for (int oy = 0; oy < oh; ++oy) {
          float* out = row + int64_t(oy) * ow;
          const int iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.h) {
            std::memset(out, 0, sizeof(float) * ow);
            continue;
          }
          const float* in = xc + int64_t(iy) * g.w;
          for (int ox = 0; ox < ox_lo; ++ox) out[ox] = 0.f;
          if (g.sw == 1) {
            std::memcpy(out + ox_lo, in + (ox_lo + jx), sizeof(float) * (ox_hi - ox_lo));
          } else {
            for (int ox = ox_lo; ox < ox_hi; ++ox) out[ox] = in[ox * g.sw + jx];
          }
          for (int ox = ox_hi; ox < ow; ++ox) out[ox] = 0.f;
        }
      }
    }
  }
}

void col2im_add(const float* col, float* dx, const Conv2dGeometry& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t hw = int64_t(g.h) * g.w;
  for (int c = 0; c < g.c; ++c) {
    float* dxc = dx + c * hw;
    for (int i = 0; i < g.kh; ++i) {
      for (int j = 0; j < g.kw; ++j) {
        const float* row = col + ((int64_t(c) * g.kh + i) * g.kw + j) * oh * ow;
        const int jx = j * g.dw - g.pw;
        int ox_lo = 0, ox_hi = ow;
        while (ox_lo < ow && ox_lo * g.sw + jx < 0) ++ox_lo;
        while (ox_hi > ox_lo && (ox_hi - 1) * g.sw + jx >= g.w) --ox_hi;
        for (int oy = 0; oy < oh; ++oy) {
          const int iy = oy * g.sh - g.ph + i * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          const float* in = row + int64_t(oy) * ow;
          float* out = dxc + int64_t(iy) * g.w + jx;
          if (g.sw == 1) {
            for (int ox = ox_lo; ox < ox_hi; ++ox) out[ox] += in[ox];
          } else {
            for (int ox = ox_lo; ox < ox_hi; ++ox) out[ox * g.sw] += in[ox];
          }
        }
      }
    }
  }
}

void conv2d_forward(const float* x, const float* w, const float* b, float* y,
                    const Conv2dGeometry& g) {
  const int64_t ohw = int64_t(g.out_h()) * g.out_w();
  const int64_t ckk = int64_t(g.c) * g.kh * g.kw;
  const int64_t chw = int64_t(g.c) * g.h * g.w;
  const bool pointwise = is_pointwise(g);
  single_threaded_blas();
  if (winograd_eligible(g)) {
    winograd_forward(x, w, b, y, g);
    return;
  }
#pragma omp parallel num_threads(threads_for(g))
  {
    float* col = pointwise ? nullptr : conv_scratch(0, static_cast<size_t>(ckk * ohw));
#pragma omp for schedule(static)
    for (int n = 0; n < g.n; ++n) {
      const float* xn = x + n * chw;
      float* yn = y + n * g.k * ohw;
      const float* cols = xn;
      if (!pointwise) {
        im2col(xn, col, g);
        cols = col;
      }
      float beta = 0.f;
      if (b) {
        for (int k = 0; k < g.k; ++k) std::fill(yn + k * ohw, yn + (k + 1) * ohw, b[k]);
        beta = 1.f;
      }
      // y_n [K, OHW] = W [K, CKK] * col [CKK, OHW]
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.k, int(ohw), int(ckk), 1.f, w,
                  int(ckk), cols, int(ohw), beta, yn, int(ohw));
    }
  }
}

void conv2d_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                     float* db, const Conv2dGeometry& g, bool dx_accumulate) {
  const int64_t ohw = int64_t(g.out_h()) * g.out_w();
  const int64_t ckk = int64_t(g.c) * g.kh * g.kw;
  const int64_t chw = int64_t(g.c) * g.h * g.w;
  const int64_t wsize = g.k * ckk;
  const bool pointwise = is_pointwise(g);
  const int nthreads = threads_for(g);
  // Per-thread weight/bias gradients, summed in thread order afterwards so the result does
  // not depend on scheduling.
  std::vector<std::vector<float>> dw_part(nthreads), db_part(nthreads);
  single_threaded_blas();
  if (winograd_eligible(g)) {
    winograd_backward(x, w, dy, dx, dw, db, g, dx_accumulate);
    return;
  }
#pragma omp parallel num_threads(nthreads)
  {
    const int t = omp_get_thread_num();
    std::vector<float>& dwt = dw_part[t];
    std::vector<float>& dbt = db_part[t];
    if (dw) dwt.assign(static_cast<size_t>(wsize), 0.f);
    if (db) dbt.assign(static_cast<size_t>(g.k), 0.f);
    float* col = pointwise || !dw ? nullptr : conv_scratch(0, static_cast<size_t>(ckk * ohw));
    float* dcol = pointwise || !dx ? nullptr : conv_scratch(1, static_cast<size_t>(ckk * ohw));
#pragma omp for schedule(static)
    for (int n = 0; n < g.n; ++n) {
      const float* xn = dw ? x + n * chw : nullptr;  // x may be null when dW is not wanted
      const float* dyn = dy + n * g.k * ohw;
      if (dw) {
        const float* cols = xn;
        if (!pointwise) {
          im2col(xn, col, g);
          cols = col;
        }
        // dW [K, CKK] += dy_n [K, OHW] * col^T [OHW, CKK]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g.k, int(ckk), int(ohw), 1.f, dyn,
                    int(ohw), cols, int(ohw), 1.f, dwt.data(), int(ckk));
      }
      if (db) {
        for (int k = 0; k < g.k; ++k) {
          const float* r = dyn + k * ohw;
          float s = 0.f;
#pragma omp simd reduction(+ : s)
          for (int64_t p = 0; p < ohw; ++p) s += r[p];
          dbt[k] += s;
        }
      }
      if (dx) {
        // dcol [CKK, OHW] = W^T [CKK, K] * dy_n [K, OHW]; pointwise convs accumulate in place.
        float* dxn = dx + n * chw;
        if (pointwise) {
          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(ckk), int(ohw), g.k, 1.f, w,
                      int(ckk), dyn, int(ohw), dx_accumulate ? 1.f : 0.f, dxn, int(ohw));
        } else {
          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, int(ckk), int(ohw), g.k, 1.f, w,
                      int(ckk), dyn, int(ohw), 0.f, dcol, int(ohw));
          // An uninitialised dx is cleared one image at a time, here, where col2im_add then
          // finds it in cache (a zero-filled gradient buffer is one more pass over memory).
          if (!dx_accumulate) std::memset(dxn, 0, sizeof(float) * size_t(chw));
          col2im_add(dcol, dxn, g);
        }
      }
    }
  }
  // A team may have started fewer threads than asked: their parts are empty.
  for (int t = 0; t < nthreads; ++t) {
    for (size_t i = 0; i < dw_part[t].size(); ++i) dw[i] += dw_part[t][i];
    for (size_t k = 0; k < db_part[t].size(); ++k) db[k] += db_part[t][k];
  }
}

}  // namespace mgr::kernels::cpu
