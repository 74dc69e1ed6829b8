#include "kernels/cpu/pool2d.h"

#include <cstdint>

namespace mgr::kernels::cpu {

namespace {

// Offset (within the plane) of the first maximum of the window at output (oy, ox).
inline int64_t window_argmax(const float* plane, int oy, int ox, const Pool2dGeometry& g) {
  const int y0 = oy * g.sh, x0 = ox * g.sw;
  int64_t best_at = int64_t(y0) * g.w + x0;
  float best = plane[best_at];
  for (int i = 0; i < g.kh; ++i) {
    const float* row = plane + int64_t(y0 + i) * g.w + x0;
    for (int j = 0; j < g.kw; ++j) {
      if (row[j] > best) {
        best = row[j];
        best_at = int64_t(y0 + i) * g.w + x0 + j;
      }
    }
  }
  return best_at;
}

// One output row of the 2x2, stride-2 max pooling gradient, overwriting both input rows' first
// 2*ow elements: dy at the window's first maximum (a, b, c, d in row-major order; a later one
// wins only when strictly greater), zero at the other three. Written as selects on the
// comparisons so that it vectorises: an argmax index and branches ran one window at a time.
void overwrite_2x2_row(const float* x0, const float* x1, const float* dy, float* d0, float* d1,
                       int ow) {
  for (int ox = 0; ox < ow; ++ox) {
    const float a = x0[2 * ox], b = x0[2 * ox + 1], c = x1[2 * ox], d = x1[2 * ox + 1];
    const bool over_a = b > a;  // b beats a
    const float m1 = over_a ? b : a;
    const bool c_wins = c > m1;
    const float m2 = c_wins ? c : m1;
    const bool d_wins = d > m2;
    const float g = dy[ox];
    d1[2 * ox + 1] = d_wins ? g : 0.f;
    const float g_abc = d_wins ? 0.f : g;  // the gradient left for a, b or c
    d1[2 * ox] = c_wins ? g_abc : 0.f;
    const float g_ab = c_wins ? 0.f : g_abc;
    d0[2 * ox + 1] = over_a ? g_ab : 0.f;
    d0[2 * ox] = over_a ? 0.f : g_ab;
  }
}

// Below this many window elements a parallel team costs more than it saves.
constexpr int64_t kParallelWork = int64_t(1) << 18;

}  // namespace

void max_pool2d_forward(const float* x, float* y, const Pool2dGeometry& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t planes = int64_t(g.n) * g.c;
  const int64_t hw = int64_t(g.h) * g.w, ohw = int64_t(oh) * ow;
  // The value of the first maximum, as xp[window_argmax(...)] (a later element replaces the
  // running maximum only when strictly greater, so ties, -0 and NaN resolve alike) but with no
  // index to track: a select the compiler vectorises.
#pragma omp parallel for schedule(static) if (planes * ohw * g.kh * g.kw > kParallelWork)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * hw;
    float* yp = y + p * ohw;
    for (int oy = 0; oy < oh; ++oy) {
      float* yr = yp + int64_t(oy) * ow;
      const float* top = xp + int64_t(oy) * g.sh * g.w;
      if (g.kh == 2 && g.kw == 2 && g.sw == 2) {  // every network's 2x2 pooling
        const float* bottom = top + g.w;
        for (int ox = 0; ox < ow; ++ox) {
          float m = top[2 * ox];
          m = top[2 * ox + 1] > m ? top[2 * ox + 1] : m;
          m = bottom[2 * ox] > m ? bottom[2 * ox] : m;
          m = bottom[2 * ox + 1] > m ? bottom[2 * ox + 1] : m;
          yr[ox] = m;
        }
        continue;
      }
      for (int ox = 0; ox < ow; ++ox) yr[ox] = top[int64_t(ox) * g.sw];
      for (int i = 0; i < g.kh; ++i) {
        const float* row = top + int64_t(i) * g.w;
        for (int j = i == 0 ? 1 : 0; j < g.kw; ++j)
          for (int ox = 0; ox < ow; ++ox) {
            const float v = row[int64_t(ox) * g.sw + j];
            yr[ox] = v > yr[ox] ? v : yr[ox];
          }
      }
    }
  }
}

void max_pool2d_backward(const float* x, const float* dy, float* dx, const Pool2dGeometry& g,
                         bool accumulate) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t planes = int64_t(g.n) * g.c;
  const int64_t hw = int64_t(g.h) * g.w, ohw = int64_t(oh) * ow;
  const bool two_by_two = g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2;
  // Planes are independent, so overlapping windows (stride < kernel) never race.
#pragma omp parallel for schedule(static) if (planes * ohw * g.kh * g.kw > kParallelWork)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * hw;
    const float* dyp = dy + p * ohw;
    float* dxp = dx + p * hw;
    if (two_by_two && !accumulate) {
      // Disjoint windows: each writes its four elements once, so an overwrite needs no
      // zero-fill but for the odd last row and column that no window covers. (Accumulating is
      // rare, x read by two layers, and takes the general loop below.)
      for (int oy = 0; oy < oh; ++oy) {
        const float* x0 = xp + int64_t(2 * oy) * g.w;
        float* d0 = dxp + int64_t(2 * oy) * g.w;
        overwrite_2x2_row(x0, x0 + g.w, dyp + int64_t(oy) * ow, d0, d0 + g.w, ow);
        for (int64_t i = 2 * int64_t(ow); i < g.w; ++i) d0[i] = d0[g.w + i] = 0.f;
      }
      for (int64_t i = int64_t(2 * oh) * g.w; i < hw; ++i) dxp[i] = 0.f;
      continue;
    }
    if (!accumulate)
      for (int64_t i = 0; i < hw; ++i) dxp[i] = 0.f;  // this plane only, while it is in cache
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox)
        dxp[window_argmax(xp, oy, ox, g)] += dyp[int64_t(oy) * ow + ox];
  }
}

void avg_pool2d_forward(const float* x, float* y, const Pool2dGeometry& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t planes = int64_t(g.n) * g.c;
  const int64_t hw = int64_t(g.h) * g.w, ohw = int64_t(oh) * ow;
  const float count = float(g.kh * g.kw);
#pragma omp parallel for schedule(static) if (planes * ohw * g.kh * g.kw > kParallelWork)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * hw;
    float* yp = y + p * ohw;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        float s = 0.f;
        for (int i = 0; i < g.kh; ++i) {
          const float* row = xp + int64_t(oy * g.sh + i) * g.w + int64_t(ox) * g.sw;
          for (int j = 0; j < g.kw; ++j) s += row[j];
        }
        yp[int64_t(oy) * ow + ox] = s / count;
      }
  }
}

void avg_pool2d_backward(const float* dy, float* dx, const Pool2dGeometry& g, bool accumulate) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t planes = int64_t(g.n) * g.c;
  const int64_t hw = int64_t(g.h) * g.w, ohw = int64_t(oh) * ow;
  const float count = float(g.kh * g.kw);
  // Planes are independent, so overlapping windows (stride < kernel) never race.
#pragma omp parallel for schedule(static) if (planes * ohw * g.kh * g.kw > kParallelWork)
  for (int64_t p = 0; p < planes; ++p) {
    const float* dyp = dy + p * ohw;
    float* dxp = dx + p * hw;
    if (!accumulate)
      for (int64_t i = 0; i < hw; ++i) dxp[i] = 0.f;  // this plane only, while it is in cache
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        const float share = dyp[int64_t(oy) * ow + ox] / count;
        for (int i = 0; i < g.kh; ++i) {
          float* row = dxp + int64_t(oy * g.sh + i) * g.w + int64_t(ox) * g.sw;
          for (int j = 0; j < g.kw; ++j) row[j] += share;
        }
      }
  }
}

}  // namespace mgr::kernels::cpu
