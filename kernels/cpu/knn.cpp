#include "kernels/cpu/knn.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/cpu/gemm.h"
#include "kernels/error.h"
#include "kernels/shared/knn.h"

namespace mgr::kernels::cpu {

void knn_transform_rows(const float* in, float* out, float* sqnorm, int64_t rows, int64_t d,
                        const float* mean, const float* scale, bool normalise) {
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; ++r)
    sqnorm[r] = knn_transform_row(in + r * d, out + r * d, mean, scale, d, normalise);
}

namespace {

struct Cand {
  float key;
  int32_t idx;
};

// Max-heap order: the root is the candidate that comes last in knn_before order.
bool heap_less(const Cand& a, const Cand& b) { return knn_before(a.key, a.idx, b.key, b.idx); }

// Query and training tile sizes: a [256, 32768] float tile is 32 MB (8192 measured slower on
// the 10k x 100k x 100 benchmark), and each training block is reused by 256 queries.
constexpr int64_t kQueryTile = 256;
constexpr int64_t kTrainTile = 32768;

}  // namespace

void knn_search(const float* q, const float* q_sqnorm, int64_t m, const float* x,
                const float* x_sqnorm, int64_t n, int64_t d, int k, bool cosine, int32_t* idx,
                float* key) {
  MGR_CHECK(k >= 1 && k <= n, "knn_search: k = " << k << " outside [1, " << n << "]");
  MGR_CHECK(n <= INT32_MAX, "knn_search: more than 2^31 - 1 training rows");
  if (m == 0) return;
  const int64_t qt = std::min(kQueryTile, m);
  const int64_t nt = std::min(kTrainTile, n);
  std::vector<float> tile(static_cast<size_t>(qt * nt));
  std::vector<Cand> heaps(static_cast<size_t>(qt) * k);
  std::vector<int> sizes(static_cast<size_t>(qt));
  for (int64_t q0 = 0; q0 < m; q0 += qt) {
    const int64_t mb = std::min(qt, m - q0);
    std::fill(sizes.begin(), sizes.end(), 0);
    for (int64_t x0 = 0; x0 < n; x0 += nt) {
      const int64_t nb = std::min(nt, n - x0);
      // tile[r, j] = q[q0 + r] . x[x0 + j]
      sgemm(false, true, mb, nb, d, 1.f, q + q0 * d, d, x + x0 * d, d, 0.f, tile.data(), nb);
#pragma omp parallel for schedule(static)
      for (int64_t r = 0; r < mb; ++r) {
        float* row = tile.data() + r * nb;
        const float qn = q_sqnorm[q0 + r];
        // Keys first, in a loop the compiler vectorises; then the scan.
        const float* xn = x_sqnorm + x0;
        for (int64_t j = 0; j < nb; ++j) row[j] = knn_key(row[j], qn, xn[j], cosine);
        Cand* h = heaps.data() + r * k;
        int size = sizes[r];
        int64_t j = 0;
        for (; j < nb && size < k; ++j) {  // fill the heap
          h[size++] = {row[j], int32_t(x0 + j)};
          std::push_heap(h, h + size, heap_less);
        }
        float worst = size == k ? h[0].key : std::numeric_limits<float>::infinity();
        for (; j < nb; ++j) {
          const float v = row[j];
          // Training indices grow along the scan, so an equal key never displaces the root.
          if (!(v < worst)) continue;
          std::pop_heap(h, h + k, heap_less);
          h[k - 1] = {v, int32_t(x0 + j)};
          std::push_heap(h, h + k, heap_less);
          worst = h[0].key;
        }
        sizes[r] = size;
      }
    }
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < mb; ++r) {
      Cand* h = heaps.data() + r * k;
      std::sort_heap(h, h + k, heap_less);
      for (int t = 0; t < k; ++t) {
        idx[(q0 + r) * k + t] = h[t].idx;
        key[(q0 + r) * k + t] = h[t].key;
      }
    }
  }
}

}  // namespace mgr::kernels::cpu
