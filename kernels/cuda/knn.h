// k-nearest-neighbour search on the GPU: the same functions as kernels/cpu/knn.h. The dot
// products are a cuBLAS GEMM per tile of queries; the k nearest of each query row come from a
// CUB stable segmented sort of (key, training index) pairs, so equal keys keep the lower index
// first, as on the CPU. The cuBLAS handle must be bound to `stream`.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace mgr::kernels::cuda {

void knn_transform_rows(const float* in, float* out, float* sqnorm, int64_t rows, int64_t d,
                        const float* mean, const float* scale, bool normalise, cudaStream_t stream);

// Queries per tile for n training rows (tile * n <= 2^25 pairs, at least 1), and the scratch
// bytes knn_search needs for that tile.
int64_t knn_query_tile(int64_t m, int64_t n);
size_t knn_scratch_bytes(int64_t tile, int64_t n, cudaStream_t stream);

// idx [m, k] / key [m, k] as kernels/cpu/knn.h's knn_search; `scratch` holds at least
// knn_scratch_bytes(knn_query_tile(m, n), n) bytes. Requires 1 <= k <= n.
void knn_search(cublasHandle_t handle, cudaStream_t stream, const float* q, const float* q_sqnorm,
                int64_t m, const float* x, const float* x_sqnorm, int64_t n, int64_t d, int k,
                bool cosine, int32_t* idx, float* key, void* scratch, size_t scratch_bytes);

}  // namespace mgr::kernels::cuda
