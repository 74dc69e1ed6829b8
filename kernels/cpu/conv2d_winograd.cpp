#include "kernels/cpu/conv2d_winograd.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mgr::kernels::cpu {

// F(2x2, RxR) for R = 3 and 5 (the transforms, with their matrices, are generated into
// winograd_transforms.h by scripts/gen_winograd.py). With an A x A transformed tile (A = R + 1),
//   U = G g G^T (kernel), V = B^T d B (input tile d), Y = A^T (U .* V) A (2x2 output tile),
// and U .* V summed over input channels as A*A GEMMs, one per position xi of the transformed
// tile: M_xi [K, T] = U_xi [K, C] * V_xi [C, T] over T tiles. The backward pass runs the
// adjoints: dM = A dY A^T, dV_xi = U_xi^T dM_xi, dd = B dV B^T (scatter-added: neighbouring
// tiles' inputs overlap by R - 1 rows and columns), dU_xi = sum over tiles dM_xi V_xi^T and
// dg = G^T dU G.
//
// Layout: an image is copied once into a zero-padded plane per channel whose rows hold the even
// columns, then the odd ones ("split" rows): tile tx reads columns 2tx .. 2tx+R, i.e. even[tx],
// odd[tx], even[tx+1], ..., so every transform is a loop over tx with unit stride, which the
// compiler vectorises. Tiles are processed a band of tile rows at a time, sized so the
// transformed blocks stay within a few MB of cache.

namespace {

struct Tiling {
  int a;         // transformed tile size R + 1
  int oh, ow;    // output size
  int th, tw;    // tiles: ceil(oh / 2) x ceil(ow / 2)
  int hp, half;  // padded plane: hp rows of 2 * half floats (split: half even, half odd)
  int band;      // tile rows per band
  Tiling(const Conv2dGeometry& g, int r) {
    a = r + 1;
    oh = g.out_h();
    ow = g.out_w();
    th = (oh + 1) / 2;
    tw = (ow + 1) / 2;
    // Tile (ty, tx) reads padded rows 2ty .. 2ty + R and columns 2tx .. 2tx + R.
    hp = 2 * th + r - 1;
    half = tw + (r - 1) / 2;
    // A*A x (C + K) floats per tile for V and M (or dV and dM): about 4 MB a band, and at
    // least one tile row.
    const int64_t per_tile = int64_t(a) * a * (g.c + g.k) * 4;
    band = int(std::clamp<int64_t>((int64_t(4) << 20) / (per_tile * tw), 1, th));
  }
  int64_t plane() const { return int64_t(hp) * 2 * half; }
  int64_t positions() const { return int64_t(a) * a; }
};

int threads_for(const Conv2dGeometry& g) {
  const int64_t macs = int64_t(g.n) * g.k * g.c * g.kh * g.kw * g.out_h() * g.out_w();
  if (macs < (int64_t(1) << 22)) return 1;
  return std::max(1, std::min(g.n, omp_get_max_threads()));
}

// Row scratch for the transforms (the largest of their needs).
size_t scratch_floats(const Tiling& t) { return size_t(t.a + 2) * 2 * (t.half + 1) + 64; }

// sums[k] += the sum of plane k of dy [K, HW]. Outside the per-instruction-set code and never
// inlined into it: the vector width sets the order of the partial sums, and the bias gradient
// should not depend on the CPU the program runs on.
[[gnu::noinline]] void add_plane_sums(const float* dy, int k, int64_t hw, float* sums) {
  for (int i = 0; i < k; ++i) {
    const float* r = dy + i * hw;
    float s = 0.f;
#pragma omp simd reduction(+ : s)
    for (int64_t p = 0; p < hw; ++p) s += r[p];
    sums[i] += s;
  }
}

// The baseline build (SSE2 on x86-64), and on x86-64 an AVX2 copy chosen at run time: the
// transforms are loops over tiles, and twice the vector width halves their share of a step.
// Both do the same float operations in the same order per element, so they agree bit for bit.
namespace isa_base {
#include "kernels/cpu/conv2d_winograd_impl.h"
}  // namespace isa_base

// GCC's target pragma; clang (the sanitizer build) keeps the baseline copy only.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MGR_WINOGRAD_AVX2 1
#pragma GCC push_options
#pragma GCC target("avx2")
namespace isa_avx2 {
#include "kernels/cpu/conv2d_winograd_impl.h"
}  // namespace isa_avx2
#pragma GCC pop_options

bool g_allow_avx2 = true;  // winograd_allow_avx2()

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes && g_allow_avx2;
}
#endif

}  // namespace

bool winograd_allow_avx2(bool allow) {
#ifdef MGR_WINOGRAD_AVX2
  const bool previous = g_allow_avx2;
  g_allow_avx2 = allow;
  return previous;
#else
  (void)allow;
  return false;
#endif
}

bool winograd_eligible(const Conv2dGeometry& g) {
  return g.kh == g.kw && (g.kh == 3 || g.kh == 5) && g.sh == 1 && g.sw == 1 && g.dh == 1 &&
         g.dw == 1 && g.c >= 16 && g.k >= 16 && g.out_h() >= 2 && g.out_w() >= 2;
}

void winograd_forward(const float* x, const float* w, const float* b, float* y,
                      const Conv2dGeometry& g) {
#ifdef MGR_WINOGRAD_AVX2
  if (has_avx2()) {
    if (g.kh == 3)
      isa_avx2::forward<isa_avx2::WinogradF2x3>(x, w, b, y, g);
    else
      isa_avx2::forward<isa_avx2::WinogradF2x5>(x, w, b, y, g);
    return;
  }
#endif
  if (g.kh == 3)
    isa_base::forward<isa_base::WinogradF2x3>(x, w, b, y, g);
  else
    isa_base::forward<isa_base::WinogradF2x5>(x, w, b, y, g);
}

void winograd_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                       float* db, const Conv2dGeometry& g, bool dx_accumulate) {
#ifdef MGR_WINOGRAD_AVX2
  if (has_avx2()) {
    if (g.kh == 3)
      isa_avx2::backward<isa_avx2::WinogradF2x3>(x, w, dy, dx, dw, db, g, dx_accumulate);
    else
      isa_avx2::backward<isa_avx2::WinogradF2x5>(x, w, dy, dx, dw, db, g, dx_accumulate);
    return;
  }
#endif
  if (g.kh == 3)
    isa_base::backward<isa_base::WinogradF2x3>(x, w, dy, dx, dw, db, g, dx_accumulate);
  else
    isa_base::backward<isa_base::WinogradF2x5>(x, w, dy, dx, dw, db, g, dx_accumulate);
}

}  // namespace mgr::kernels::cpu
