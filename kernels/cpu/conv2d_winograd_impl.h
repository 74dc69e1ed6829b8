// The Winograd convolution's per-instruction-set part (see conv2d_winograd.cpp): the layout
// copies, the transforms' loops and the forward and backward drivers. No include guard and no
// namespace: conv2d_winograd.cpp includes it once for the baseline instruction set and once
// for AVX2, each time inside its own namespace, where Tiling, threads_for, scratch_floats,
// add_plane_sums and conv_scratch are visible.

#include "kernels/cpu/winograd_transforms.h"

// Copies image x [C, H, W] into the padded split planes xp [C, hp, 2 * half]: padded row
// r = input row r - ph, padded column q = input column q - pw, zero outside the image.
void pad_split(const float* x, float* xp, const Conv2dGeometry& g, const Tiling& t) {
  const int row = 2 * t.half;
  for (int c = 0; c < g.c; ++c) {
    const float* xc = x + int64_t(c) * g.h * g.w;
    float* pc = xp + int64_t(c) * t.plane();
    for (int r = 0; r < t.hp; ++r) {
      float* split = pc + int64_t(r) * row;
      std::memset(split, 0, sizeof(float) * size_t(row));
      const int iy = r - g.ph;
      if (iy < 0 || iy >= g.h) continue;
      // Input column ix goes to padded column q = ix + pw: split[(q & 1) * half + q / 2]. Every
      // other input column lands in the same half, consecutively.
      const float* in = xc + int64_t(iy) * g.w;
      for (int p = 0; p < 2; ++p) {
        const int q0 = p + g.pw;
        float* dst = split + (q0 & 1) * t.half + q0 / 2;
        const int count = (g.w - p + 1) / 2;
#pragma omp simd
        for (int j = 0; j < count; ++j) dst[j] = in[p + 2 * j];
      }
    }
  }
}

// dx [C, H, W] (+)= the image part of the padded split planes dxp.
void unpad_split(const float* dxp, float* dx, const Conv2dGeometry& g, const Tiling& t,
                 bool accumulate) {
  const int row = 2 * t.half;
  for (int c = 0; c < g.c; ++c) {
    const float* pc = dxp + int64_t(c) * t.plane();
    float* dxc = dx + int64_t(c) * g.h * g.w;
    for (int iy = 0; iy < g.h; ++iy) {
      const float* split = pc + int64_t(iy + g.ph) * row;
      float* out = dxc + int64_t(iy) * g.w;
      // The inverse of pad_split's column mapping.
      for (int p = 0; p < 2; ++p) {
        const int q0 = p + g.pw;
        const float* src = split + (q0 & 1) * t.half + q0 / 2;
        const int count = (g.w - p + 1) / 2;
        if (accumulate) {
#pragma omp simd
          for (int j = 0; j < count; ++j) out[p + 2 * j] += src[j];
        } else {
#pragma omp simd
          for (int j = 0; j < count; ++j) out[p + 2 * j] = src[j];
        }
      }
    }
  }
}

constexpr int kMaxA = 6;

// V [A*A, C, nt] for the tile rows [ty0, ty0 + rows) of the padded planes xp (nt = rows * tw):
// the column pass on whole split rows, then the row pass.
template <class W>
void input_transform(const float* xp, float* v, int ty0, int rows, const Conv2dGeometry& g,
                     const Tiling& t, float* scratch) {
  constexpr int A = W::kA;
  const int64_t nt = int64_t(rows) * t.tw, cnt = int64_t(g.c) * nt;
  const int row = 2 * t.half;
  float* a[kMaxA];
  for (int i = 0; i < A; ++i) a[i] = scratch + i * row;
  for (int c = 0; c < g.c; ++c) {
    const float* pc = xp + int64_t(c) * t.plane();
    for (int r = 0; r < rows; ++r) {
      const float* d[kMaxA];
      for (int j = 0; j < A; ++j) d[j] = pc + int64_t(2 * (ty0 + r) + j) * row;
      W::col_in(d, a, row);
      for (int i = 0; i < A; ++i) {
        float* vr[kMaxA];
        for (int j = 0; j < A; ++j) vr[j] = v + (A * i + j) * cnt + c * nt + int64_t(r) * t.tw;
        W::row_in(a[i], a[i] + t.half, vr, t.tw);
      }
    }
  }
}

// y rows of the tile rows [ty0, ty0 + rows) from M [A*A, K, nt], plus the bias.
template <class W>
void output_transform(const float* m, const float* b, float* y, int ty0, int rows,
                      const Conv2dGeometry& g, const Tiling& t, float* scratch) {
  constexpr int A = W::kA;
  const int64_t nt = int64_t(rows) * t.tw, knt = int64_t(g.k) * nt;
  const int64_t ohw = int64_t(t.oh) * t.ow;
  // s[i]: the row pass of transformed row i, left output columns then right ones (tw each).
  float* s[kMaxA];
  for (int i = 0; i < A; ++i) s[i] = scratch + 2 * i * t.tw;
  float* out0 = scratch + 2 * A * t.tw;  // the tile rows' two output rows, split
  float* out1 = out0 + 2 * t.tw;
  for (int k = 0; k < g.k; ++k) {
    const float bias = b ? b[k] : 0.f;
    float* yk = y + int64_t(k) * ohw;
    for (int r = 0; r < rows; ++r) {
      for (int i = 0; i < A; ++i) {
        const float* mr[kMaxA];
        for (int j = 0; j < A; ++j) mr[j] = m + (A * i + j) * knt + k * nt + int64_t(r) * t.tw;
        W::row_out(mr, s[i], s[i] + t.tw, t.tw);
      }
      W::col_out(s, out0, out1, 2 * t.tw);
      for (int dr = 0; dr < 2; ++dr) {
        const int oy = 2 * (ty0 + r) + dr;
        if (oy >= t.oh) break;
        const float* out = dr == 0 ? out0 : out1;
        float* yr = yk + int64_t(oy) * t.ow;
#pragma omp simd
        for (int x = 0; x < t.ow / 2; ++x) {
          yr[2 * x] = out[x] + bias;
          yr[2 * x + 1] = out[t.tw + x] + bias;
        }
        if (t.ow % 2) yr[t.ow - 1] = out[t.tw - 1] + bias;
      }
    }
  }
}

// dM [A*A, K, nt] = A dY A^T for the tile rows [ty0, ty0 + rows) of dy [K, OH, OW] (zero
// beyond the output's last row and column).
template <class W>
void output_adjoint(const float* dy, float* dm, int ty0, int rows, const Conv2dGeometry& g,
                    const Tiling& t, float* scratch) {
  constexpr int A = W::kA;
  const int64_t nt = int64_t(rows) * t.tw, knt = int64_t(g.k) * nt;
  const int64_t ohw = int64_t(t.oh) * t.ow;
  float* y0 = scratch;  // two dy rows, split (left output columns, then right), zero-padded
  float* y1 = scratch + 2 * t.tw;
  float* a[kMaxA];
  for (int i = 0; i < A; ++i) a[i] = scratch + 2 * (i + 2) * t.tw;
  for (int k = 0; k < g.k; ++k) {
    const float* dyk = dy + int64_t(k) * ohw;
    for (int r = 0; r < rows; ++r) {
      for (int dr = 0; dr < 2; ++dr) {
        float* sp = dr == 0 ? y0 : y1;
        const int oy = 2 * (ty0 + r) + dr;
        if (oy >= t.oh) {
          std::fill(sp, sp + 2 * t.tw, 0.f);
          continue;
        }
        const float* in = dyk + int64_t(oy) * t.ow;
#pragma omp simd
        for (int x = 0; x < t.ow / 2; ++x) {
          sp[x] = in[2 * x];
          sp[t.tw + x] = in[2 * x + 1];
        }
        if (t.ow % 2) {
          sp[t.tw - 1] = in[t.ow - 1];
          sp[2 * t.tw - 1] = 0.f;
        }
      }
      W::col_out_adjoint(y0, y1, a, 2 * t.tw);
      for (int i = 0; i < A; ++i) {
        float* dr_[kMaxA];
        for (int j = 0; j < A; ++j) dr_[j] = dm + (A * i + j) * knt + k * nt + int64_t(r) * t.tw;
        W::row_out_adjoint(a[i], a[i] + t.tw, dr_, t.tw);
      }
    }
  }
}

// dxp (the padded split planes) += B dV B^T of every tile in the tile rows [ty0, ty0 + rows).
template <class W>
void input_adjoint(const float* dv, float* dxp, int ty0, int rows, const Conv2dGeometry& g,
                   const Tiling& t, float* scratch) {
  constexpr int A = W::kA;
  const int64_t nt = int64_t(rows) * t.tw, cnt = int64_t(g.c) * nt;
  const int row = 2 * t.half;
  float* h[kMaxA];
  for (int i = 0; i < A; ++i) h[i] = scratch + i * row;
  for (int c = 0; c < g.c; ++c) {
    float* pc = dxp + int64_t(c) * t.plane();
    for (int r = 0; r < rows; ++r) {
      for (int i = 0; i < A; ++i) {
        const float* vr[kMaxA];
        for (int j = 0; j < A; ++j) vr[j] = dv + (A * i + j) * cnt + c * nt + int64_t(r) * t.tw;
        W::row_in_adjoint(vr, h[i], h[i] + t.half, t.tw);
      }
      // Into the padded rows 2(ty0 + r) .. + R, the first R - 1 shared with the tile row above.
      float* d[kMaxA];
      for (int k = 0; k < A; ++k) d[k] = pc + int64_t(2 * (ty0 + r) + k) * row;
      W::col_in_adjoint(h, d, row);
    }
  }
}

template <class W>
void forward(const float* x, const float* w, const float* b, float* y, const Conv2dGeometry& g) {
  const Tiling t(g, W::kR);
  const int64_t chw = int64_t(g.c) * g.h * g.w;
  const int64_t kohw = int64_t(g.k) * t.oh * t.ow;
  const int64_t kc = int64_t(g.k) * g.c, aa = t.positions();
  std::vector<float> u(size_t(aa * kc));
  for (int64_t i = 0; i < kc; ++i) W::weights(w + W::kR * W::kR * i, u.data() + i, kc);
#pragma omp parallel num_threads(threads_for(g))
  {
    const int64_t band_tiles = int64_t(t.band) * t.tw;
    float* xp = conv_scratch(0, size_t(g.c * t.plane()));
    float* v = conv_scratch(1, size_t(aa * g.c * band_tiles));
    float* m = conv_scratch(2, size_t(aa * g.k * band_tiles));
    float* scratch = conv_scratch(3, scratch_floats(t));
#pragma omp for schedule(static)
    for (int n = 0; n < g.n; ++n) {
      pad_split(x + n * chw, xp, g, t);
      for (int ty0 = 0; ty0 < t.th; ty0 += t.band) {
        const int rows = std::min(t.band, t.th - ty0);
        const int nt = rows * t.tw;
        input_transform<W>(xp, v, ty0, rows, g, t, scratch);
        for (int64_t xi = 0; xi < aa; ++xi)
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.k, nt, g.c, 1.f,
                      u.data() + xi * kc, g.c, v + xi * g.c * nt, nt, 0.f, m + xi * g.k * nt, nt);
        output_transform<W>(m, b, y + n * kohw, ty0, rows, g, t, scratch);
      }
    }
  }
}

template <class W>
void backward(const float* x, const float* w, const float* dy, float* dx, float* dw, float* db,
              const Conv2dGeometry& g, bool dx_accumulate) {
  const Tiling t(g, W::kR);
  const int64_t chw = int64_t(g.c) * g.h * g.w;
  const int64_t ohw = int64_t(t.oh) * t.ow;
  const int64_t kc = int64_t(g.k) * g.c, aa = t.positions();
  std::vector<float> u;
  if (dx) {
    u.resize(size_t(aa * kc));
    for (int64_t i = 0; i < kc; ++i) W::weights(w + W::kR * W::kR * i, u.data() + i, kc);
  }
  const int nthreads = threads_for(g);
  // Per-thread dU and bias sums, added in thread order afterwards so that the result does not
  // depend on scheduling.
  std::vector<std::vector<float>> du_part(static_cast<size_t>(nthreads)),
      db_part(static_cast<size_t>(nthreads));
#pragma omp parallel num_threads(nthreads)
  {
    const int th = omp_get_thread_num();
    std::vector<float>& du = du_part[size_t(th)];
    std::vector<float>& dbt = db_part[size_t(th)];
    if (dw) du.assign(size_t(aa * kc), 0.f);
    if (db) dbt.assign(size_t(g.k), 0.f);
    const int64_t band_tiles = int64_t(t.band) * t.tw;
    float* xp = dw ? conv_scratch(0, size_t(g.c * t.plane())) : nullptr;
    float* v = conv_scratch(1, size_t(aa * g.c * band_tiles));
    float* dm = conv_scratch(2, size_t(aa * g.k * band_tiles));
    float* scratch = conv_scratch(3, scratch_floats(t));
    float* dxp = dx ? conv_scratch(4, size_t(g.c * t.plane())) : nullptr;
#pragma omp for schedule(static)
    for (int n = 0; n < g.n; ++n) {
      const float* dyn = dy + n * g.k * ohw;
      if (db) add_plane_sums(dyn, g.k, ohw, dbt.data());
      if (!dw && !dx) continue;
      if (dw) pad_split(x + n * chw, xp, g, t);
      if (dx) std::fill(dxp, dxp + g.c * t.plane(), 0.f);
      for (int ty0 = 0; ty0 < t.th; ty0 += t.band) {
        const int rows = std::min(t.band, t.th - ty0);
        const int nt = rows * t.tw;
        output_adjoint<W>(dyn, dm, ty0, rows, g, t, scratch);
        if (dw) {
          input_transform<W>(xp, v, ty0, rows, g, t, scratch);
          // dU_xi [K, C] += dM_xi [K, nt] * V_xi^T [nt, C]
          for (int64_t xi = 0; xi < aa; ++xi)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g.k, g.c, nt, 1.f,
                        dm + xi * g.k * nt, nt, v + xi * g.c * nt, nt, 1.f, du.data() + xi * kc,
                        g.c);
        }
        if (dx) {
          // dV_xi [C, nt] = U_xi^T [C, K] * dM_xi [K, nt], into v (V is no longer needed).
          for (int64_t xi = 0; xi < aa; ++xi)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g.c, nt, g.k, 1.f,
                        u.data() + xi * kc, g.c, dm + xi * g.k * nt, nt, 0.f, v + xi * g.c * nt,
                        nt);
          input_adjoint<W>(v, dxp, ty0, rows, g, t, scratch);
        }
      }
      if (dx) unpad_split(dxp, dx + n * chw, g, t, dx_accumulate);
    }
  }
  // A team may have started fewer threads than asked: their parts are empty.
  if (db)
    for (const auto& part : db_part)
      for (size_t k = 0; k < part.size(); ++k) db[k] += part[k];
  if (!dw) return;
  for (size_t th = 1; th < du_part.size(); ++th)
    for (size_t i = 0; i < du_part[th].size(); ++i) du_part[0][i] += du_part[th][i];
  for (int64_t i = 0; i < kc; ++i)
    W::weights_adjoint(du_part[0].data() + i, kc, dw + W::kR * W::kR * i);
}
