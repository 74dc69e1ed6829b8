#include "kernels/cpu/conv2d_winograd.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mgr::kernels::cpu {

// F(2x2, 3x3) with Lavin & Gray's matrices:
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   (input tile d, 4x4:  V = B^T d B)
//   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]  (kernel g, 3x3:     U = G g G^T)
//   A^T = [1 1 1 0; 0 1 -1 -1]                       (output tile, 2x2:  Y = A^T (U .* V) A)
// with U .* V summed over input channels as sixteen GEMMs, one per position xi of the 4x4
// transformed tile: M_xi [K, T] = U_xi [K, C] * V_xi [C, T] over T tiles. The backward pass runs
// the adjoints: dM = A dY A^T, dV_xi = U_xi^T dM_xi, dd = B dV B^T (scatter-added: neighbouring
// tiles' inputs overlap by two rows and columns), dU_xi = sum over tiles dM_xi V_xi^T and
// dg = G^T dU G.
//
// Layout: an image is copied once into a zero-padded plane per channel whose rows hold the even
// columns, then the odd ones ("split" rows): tile tx reads columns 2tx .. 2tx+3, i.e. even[tx],
// odd[tx], even[tx+1], odd[tx+1], so every transform is a loop over tx with unit stride, which
// the compiler vectorises. Tiles are processed a band of tile rows at a time, sized so the
// transformed blocks stay within a few MB of cache.

namespace {

constexpr int kAlpha2 = 16;  // 4x4 positions of the transformed tile

struct Tiling {
  int oh, ow;    // output size
  int th, tw;    // tiles: ceil(oh / 2) x ceil(ow / 2)
  int hp, half;  // padded plane: hp rows of 2 * half floats (half = tw + 1 split columns)
  int band;      // tile rows per band
  explicit Tiling(const Conv2dGeometry& g) {
    oh = g.out_h();
    ow = g.out_w();
    th = (oh + 1) / 2;
    tw = (ow + 1) / 2;
    hp = 2 * th + 2;
    half = tw + 1;
    // 16 x (C + K) floats per tile for V and M (or dV and dM): about 4 MB a band, and at
    // least one tile row.
    const int64_t per_tile = int64_t(kAlpha2) * (g.c + g.k) * 4;
    band = int(std::clamp<int64_t>((int64_t(4) << 20) / (per_tile * tw), 1, th));
  }
  int64_t plane() const { return int64_t(hp) * 2 * half; }
};

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

// V [16, C, nt] for the tile rows [ty0, ty0 + rows) of the padded planes xp (nt = rows * tw).
// Column pass first (B^T along the tile's rows, on whole split rows), then the row pass.
void input_transform(const float* xp, float* v, int ty0, int rows, const Conv2dGeometry& g,
                     const Tiling& t, float* scratch) {
  const int64_t nt = int64_t(rows) * t.tw;
  const int row = 2 * t.half;
  float* a[4] = {scratch, scratch + row, scratch + 2 * row, scratch + 3 * row};
  for (int c = 0; c < g.c; ++c) {
    const float* pc = xp + int64_t(c) * t.plane();
    for (int r = 0; r < rows; ++r) {
      const float* d0 = pc + int64_t(2 * (ty0 + r)) * row;
      const float* d1 = d0 + row;
      const float* d2 = d1 + row;
      const float* d3 = d2 + row;
#pragma omp simd
      for (int q = 0; q < row; ++q) {
        a[0][q] = d0[q] - d2[q];
        a[1][q] = d1[q] + d2[q];
        a[2][q] = d2[q] - d1[q];
        a[3][q] = d1[q] - d3[q];
      }
      for (int i = 0; i < 4; ++i) {
        const float* e = a[i];
        const float* o = a[i] + t.half;
        float* v0 = v + (int64_t(4 * i) * g.c + c) * nt + int64_t(r) * t.tw;
        float* v1 = v0 + int64_t(g.c) * nt;
        float* v2 = v1 + int64_t(g.c) * nt;
        float* v3 = v2 + int64_t(g.c) * nt;
#pragma omp simd
        for (int x = 0; x < t.tw; ++x) {
          v0[x] = e[x] - e[x + 1];
          v1[x] = o[x] + e[x + 1];
          v2[x] = e[x + 1] - o[x];
          v3[x] = o[x] - o[x + 1];
        }
      }
    }
  }
}

// U [16, K, C] = G g G^T for every (k, c) of w [K, C, 3, 3].
void weight_transform(const float* w, float* u, const Conv2dGeometry& g) {
  const int64_t kc = int64_t(g.k) * g.c;
  for (int64_t i = 0; i < kc; ++i) {
    const float* f = w + 9 * i;
    float h[4][3];  // G g: rows of the transformed kernel, 3 columns
    for (int j = 0; j < 3; ++j) {
      h[0][j] = f[j];
      h[1][j] = 0.5f * (f[j] + f[3 + j] + f[6 + j]);
      h[2][j] = 0.5f * (f[j] - f[3 + j] + f[6 + j]);
      h[3][j] = f[6 + j];
    }
    for (int r = 0; r < 4; ++r) {
      u[(4 * r + 0) * kc + i] = h[r][0];
      u[(4 * r + 1) * kc + i] = 0.5f * (h[r][0] + h[r][1] + h[r][2]);
      u[(4 * r + 2) * kc + i] = 0.5f * (h[r][0] - h[r][1] + h[r][2]);
      u[(4 * r + 3) * kc + i] = h[r][2];
    }
  }
}

// y rows of the tile rows [ty0, ty0 + rows) from M [16, K, nt], plus the bias.
void output_transform(const float* m, const float* b, float* y, int ty0, int rows,
                      const Conv2dGeometry& g, const Tiling& t, float* scratch) {
  const int64_t nt = int64_t(rows) * t.tw;
  const int64_t ohw = int64_t(t.oh) * t.ow;
  // s[i] = row pass of transformed row i: even output columns then odd ones (tw each).
  float* s[4] = {scratch, scratch + 2 * t.tw, scratch + 4 * t.tw, scratch + 6 * t.tw};
  float* out = scratch + 8 * t.tw;  // one output row, split
  for (int k = 0; k < g.k; ++k) {
    const float bias = b ? b[k] : 0.f;
    float* yk = y + int64_t(k) * ohw;
    for (int r = 0; r < rows; ++r) {
      for (int i = 0; i < 4; ++i) {
        const float* m0 = m + (int64_t(4 * i) * g.k + k) * nt + int64_t(r) * t.tw;
        const float* m1 = m0 + int64_t(g.k) * nt;
        const float* m2 = m1 + int64_t(g.k) * nt;
        const float* m3 = m2 + int64_t(g.k) * nt;
        float* e = s[i];
        float* o = s[i] + t.tw;
#pragma omp simd
        for (int x = 0; x < t.tw; ++x) {
          e[x] = m0[x] + m1[x] + m2[x];
          o[x] = m1[x] - m2[x] - m3[x];
        }
      }
      for (int dr = 0; dr < 2; ++dr) {
        const int oy = 2 * (ty0 + r) + dr;
        if (oy >= t.oh) break;
        if (dr == 0) {
#pragma omp simd
          for (int q = 0; q < 2 * t.tw; ++q) out[q] = s[0][q] + s[1][q] + s[2][q];
        } else {
#pragma omp simd
          for (int q = 0; q < 2 * t.tw; ++q) out[q] = s[1][q] - s[2][q] - s[3][q];
        }
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

// dM [16, K, nt] = A dY A^T for the tile rows [ty0, ty0 + rows) of dy [K, OH, OW] (zero
// beyond the output's last row and column).
void output_adjoint(const float* dy, float* dm, int ty0, int rows, const Conv2dGeometry& g,
                    const Tiling& t, float* scratch) {
  const int64_t nt = int64_t(rows) * t.tw;
  const int64_t ohw = int64_t(t.oh) * t.ow;
  float* y0 = scratch;  // two dy rows, split (even columns, then odd), zero-padded
  float* y1 = scratch + 2 * t.tw;
  float* a[4] = {scratch + 4 * t.tw, scratch + 6 * t.tw, scratch + 8 * t.tw, scratch + 10 * t.tw};
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
// Column pass (A along the rows): dm rows 0..3 = dy0, dy0 + dy1, dy0 - dy1, -dy1.
#pragma omp simd
      for (int q = 0; q < 2 * t.tw; ++q) {
        a[0][q] = y0[q];
        a[1][q] = y0[q] + y1[q];
        a[2][q] = y0[q] - y1[q];
        a[3][q] = -y1[q];
      }
      for (int i = 0; i < 4; ++i) {
        const float* e = a[i];
        const float* o = a[i] + t.tw;
        float* d0 = dm + (int64_t(4 * i) * g.k + k) * nt + int64_t(r) * t.tw;
        float* d1 = d0 + int64_t(g.k) * nt;
        float* d2 = d1 + int64_t(g.k) * nt;
        float* d3 = d2 + int64_t(g.k) * nt;
#pragma omp simd
        for (int x = 0; x < t.tw; ++x) {
          d0[x] = e[x];
          d1[x] = e[x] + o[x];
          d2[x] = e[x] - o[x];
          d3[x] = -o[x];
        }
      }
    }
  }
}

// dxp (the padded split planes) += B dV B^T of every tile in the tile rows [ty0, ty0 + rows).
void input_adjoint(const float* dv, float* dxp, int ty0, int rows, const Conv2dGeometry& g,
                   const Tiling& t, float* scratch) {
  const int64_t nt = int64_t(rows) * t.tw;
  const int row = 2 * t.half;
  float* h[4] = {scratch, scratch + row, scratch + 2 * row, scratch + 3 * row};
  for (int c = 0; c < g.c; ++c) {
    float* pc = dxp + int64_t(c) * t.plane();
    for (int r = 0; r < rows; ++r) {
      // Row pass: tile tx's four columns 2tx .. 2tx+3 get dv0, dv1 - dv2 + dv3,
      // -dv0 + dv1 + dv2, -dv3; column 2tx+2 (even[tx+1]) and 2tx+3 (odd[tx+1]) are shared
      // with tile tx+1.
      for (int i = 0; i < 4; ++i) {
        const float* v0 = dv + (int64_t(4 * i) * g.c + c) * nt + int64_t(r) * t.tw;
        const float* v1 = v0 + int64_t(g.c) * nt;
        const float* v2 = v1 + int64_t(g.c) * nt;
        const float* v3 = v2 + int64_t(g.c) * nt;
        float* e = h[i];
        float* o = h[i] + t.half;
        e[0] = v0[0];
        o[0] = v1[0] - v2[0] + v3[0];
#pragma omp simd
        for (int x = 1; x < t.tw; ++x) {
          e[x] = v0[x] + (v2[x - 1] + v1[x - 1] - v0[x - 1]);
          o[x] = (v1[x] - v2[x] + v3[x]) - v3[x - 1];
        }
        e[t.tw] = v2[t.tw - 1] + v1[t.tw - 1] - v0[t.tw - 1];
        o[t.tw] = -v3[t.tw - 1];
      }
      // Column pass into the four padded rows 2(ty0 + r) .. +3 (the first two overlap the
      // previous tile row's last two).
      float* d0 = pc + int64_t(2 * (ty0 + r)) * row;
      float* d1 = d0 + row;
      float* d2 = d1 + row;
      float* d3 = d2 + row;
#pragma omp simd
      for (int q = 0; q < row; ++q) {
        d0[q] += h[0][q];
        d1[q] += h[1][q] - h[2][q] + h[3][q];
        d2[q] += h[2][q] + h[1][q] - h[0][q];
        d3[q] -= h[3][q];
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

int threads_for(const Conv2dGeometry& g) {
  const int64_t macs = int64_t(g.n) * g.k * g.c * 9 * g.out_h() * g.out_w();
  if (macs < (int64_t(1) << 22)) return 1;
  return std::max(1, std::min(g.n, omp_get_max_threads()));
}

// Row scratch for the transforms (the largest of their needs).
size_t scratch_floats(const Tiling& t) { return size_t(12) * (t.half + 1) + 64; }

}  // namespace

bool winograd_eligible(const Conv2dGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.c >= 16 &&
         g.k >= 16 && g.out_h() >= 2 && g.out_w() >= 2;
}

void winograd_forward(const float* x, const float* w, const float* b, float* y,
                      const Conv2dGeometry& g) {
  const Tiling t(g);
  const int64_t chw = int64_t(g.c) * g.h * g.w;
  const int64_t kohw = int64_t(g.k) * t.oh * t.ow;
  std::vector<float> u(size_t(kAlpha2) * g.k * g.c);
  weight_transform(w, u.data(), g);
#pragma omp parallel num_threads(threads_for(g))
  {
    const int64_t band_tiles = int64_t(t.band) * t.tw;
    float* xp = conv_scratch(0, size_t(g.c * t.plane()));
    float* v = conv_scratch(1, size_t(kAlpha2 * g.c * band_tiles));
    float* m = conv_scratch(2, size_t(kAlpha2 * g.k * band_tiles));
    float* scratch = conv_scratch(3, scratch_floats(t));
#pragma omp for schedule(static)
    for (int n = 0; n < g.n; ++n) {
      pad_split(x + n * chw, xp, g, t);
      for (int ty0 = 0; ty0 < t.th; ty0 += t.band) {
        const int rows = std::min(t.band, t.th - ty0);
        const int nt = rows * t.tw;
        input_transform(xp, v, ty0, rows, g, t, scratch);
        for (int xi = 0; xi < kAlpha2; ++xi)
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.k, nt, g.c, 1.f,
                      u.data() + int64_t(xi) * g.k * g.c, g.c, v + int64_t(xi) * g.c * nt, nt, 0.f,
                      m + int64_t(xi) * g.k * nt, nt);
        output_transform(m, b, y + n * kohw, ty0, rows, g, t, scratch);
      }
    }
  }
}

void winograd_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                       float* db, const Conv2dGeometry& g, bool dx_accumulate) {
  const Tiling t(g);
  const int64_t chw = int64_t(g.c) * g.h * g.w;
  const int64_t ohw = int64_t(t.oh) * t.ow;
  const int64_t kc = int64_t(g.k) * g.c;
  std::vector<float> u;
  if (dx) {
    u.resize(size_t(kAlpha2 * kc));
    weight_transform(w, u.data(), g);
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
    if (dw) du.assign(size_t(kAlpha2 * kc), 0.f);
    if (db) dbt.assign(size_t(g.k), 0.f);
    const int64_t band_tiles = int64_t(t.band) * t.tw;
    float* xp = dw ? conv_scratch(0, size_t(g.c * t.plane())) : nullptr;
    float* v = conv_scratch(1, size_t(kAlpha2 * g.c * band_tiles));
    float* dm = conv_scratch(2, size_t(kAlpha2 * g.k * band_tiles));
    float* scratch = conv_scratch(3, scratch_floats(t));
    float* dxp = dx ? conv_scratch(4, size_t(g.c * t.plane())) : nullptr;
#pragma omp for schedule(static)
    for (int n = 0; n < g.n; ++n) {
      const float* dyn = dy + n * g.k * ohw;
      if (db) {
        for (int k = 0; k < g.k; ++k) {
          const float* r = dyn + k * ohw;
          float s = 0.f;
#pragma omp simd reduction(+ : s)
          for (int64_t p = 0; p < ohw; ++p) s += r[p];
          dbt[size_t(k)] += s;
        }
      }
      if (!dw && !dx) continue;
      if (dw) pad_split(x + n * chw, xp, g, t);
      if (dx) std::fill(dxp, dxp + g.c * t.plane(), 0.f);
      for (int ty0 = 0; ty0 < t.th; ty0 += t.band) {
        const int rows = std::min(t.band, t.th - ty0);
        const int nt = rows * t.tw;
        output_adjoint(dyn, dm, ty0, rows, g, t, scratch);
        if (dw) {
          input_transform(xp, v, ty0, rows, g, t, scratch);
          // dU_xi [K, C] += dM_xi [K, nt] * V_xi^T [nt, C]
          for (int xi = 0; xi < kAlpha2; ++xi)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g.k, g.c, nt, 1.f,
                        dm + int64_t(xi) * g.k * nt, nt, v + int64_t(xi) * g.c * nt, nt, 1.f,
                        du.data() + int64_t(xi) * kc, g.c);
        }
        if (dx) {
          // dV_xi [C, nt] = U_xi^T [C, K] * dM_xi [K, nt], into v (V is no longer needed).
          for (int xi = 0; xi < kAlpha2; ++xi)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, g.c, nt, g.k, 1.f,
                        u.data() + int64_t(xi) * kc, g.c, dm + int64_t(xi) * g.k * nt, nt, 0.f,
                        v + int64_t(xi) * g.c * nt, nt);
          input_adjoint(v, dxp, ty0, rows, g, t, scratch);
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
  // dw += G^T dU G: G^T maps the 4 transformed rows (columns) back to 3, as
  // [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
  const float* du = du_part[0].data();
  for (int64_t i = 0; i < kc; ++i) {
    float e[4][4];
    for (int xi = 0; xi < kAlpha2; ++xi) e[xi / 4][xi % 4] = du[xi * kc + i];
    float h[3][4];
    for (int j = 0; j < 4; ++j) {
      h[0][j] = e[0][j] + 0.5f * (e[1][j] + e[2][j]);
      h[1][j] = 0.5f * (e[1][j] - e[2][j]);
      h[2][j] = 0.5f * (e[1][j] + e[2][j]) + e[3][j];
    }
    float* f = dw + 9 * i;
    for (int r = 0; r < 3; ++r) {
      f[3 * r + 0] += h[r][0] + 0.5f * (h[r][1] + h[r][2]);
      f[3 * r + 1] += 0.5f * (h[r][1] - h[r][2]);
      f[3 * r + 2] += 0.5f * (h[r][1] + h[r][2]) + h[r][3];
    }
  }
}

}  // namespace mgr::kernels::cpu
