// k-nearest-neighbour search on the CPU (OpenBLAS for the dot products, OpenMP over queries).
// Row-major pointers + sizes; the arithmetic is kernels/shared/knn.h's.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// out[r, :] = knn_transform_row(in[r, :]) for r < rows (see kernels/shared/knn.h); sqnorm[r]
// receives the row's squared norm.
void knn_transform_rows(const float* in, float* out, float* sqnorm, int64_t rows, int64_t d,
                        const float* mean, const float* scale, bool normalise);

// For each of the m query rows q [m, d] the k training rows of x [n, d] with the smallest
// knn_key, in knn_before order (ties by the lower training index): idx [m, k] and key [m, k].
// The [m, n] key matrix is computed in tiles of queries x training rows, never whole.
// Requires 1 <= k <= n.
void knn_search(const float* q, const float* q_sqnorm, int64_t m, const float* x,
                const float* x_sqnorm, int64_t n, int64_t d, int k, bool cosine, int32_t* idx,
                float* key);

}  // namespace mgr::kernels::cpu
