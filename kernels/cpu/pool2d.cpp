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

// Below this many window elements a parallel team costs more than it saves.
constexpr int64_t kParallelWork = int64_t(1) << 18;

}  // namespace

void max_pool2d_forward(const float* x, float* y, const Pool2dGeometry& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t planes = int64_t(g.n) * g.c;
  const int64_t hw = int64_t(g.h) * g.w, ohw = int64_t(oh) * ow;
#pragma omp parallel for schedule(static) if (planes * ohw * g.kh * g.kw > kParallelWork)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * hw;
    float* yp = y + p * ohw;
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) yp[int64_t(oy) * ow + ox] = xp[window_argmax(xp, oy, ox, g)];
  }
}

void max_pool2d_backward(const float* x, const float* dy, float* dx, const Pool2dGeometry& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t planes = int64_t(g.n) * g.c;
  const int64_t hw = int64_t(g.h) * g.w, ohw = int64_t(oh) * ow;
  // Planes are independent, so overlapping windows (stride < kernel) never race.
#pragma omp parallel for schedule(static) if (planes * ohw * g.kh * g.kw > kParallelWork)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * hw;
    const float* dyp = dy + p * ohw;
    float* dxp = dx + p * hw;
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

void avg_pool2d_backward(const float* dy, float* dx, const Pool2dGeometry& g) {
  const int oh = g.out_h(), ow = g.out_w();
  const int64_t planes = int64_t(g.n) * g.c;
  const int64_t hw = int64_t(g.h) * g.w, ohw = int64_t(oh) * ow;
  const float count = float(g.kh * g.kw);
  // Planes are independent, so overlapping windows (stride < kernel) never race.
#pragma omp parallel for schedule(static) if (planes * ohw * g.kh * g.kw > kParallelWork)
  for (int64_t p = 0; p < planes; ++p) {
    const float* dyp = dy + p * ohw;
    float* dxp = dx + p * hw;
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
