#include <algorithm>
#include <cub/device/device_segmented_sort.cuh>

#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/gemm.h"
#include "kernels/cuda/knn.h"
#include "kernels/shared/knn.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int64_t kMaxTilePairs = int64_t(1) << 25;

__global__ void knn_transform_rows_kernel(const float* in, float* out, float* sqnorm, int64_t rows,
                                          int64_t d, const float* mean, const float* scale,
                                          bool normalise) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < rows;
       r += int64_t(gridDim.x) * blockDim.x)
    sqnorm[r] = knn_transform_row(in + r * d, out + r * d, mean, scale, d, normalise);
}

// dot [rows, n] -> keys [rows, n] (in place allowed), vals [rows, n] = the column (training)
// index, offsets [rows + 1] = the segment starts r * n.
__global__ void knn_keys_kernel(float* keys, int32_t* vals, int* offsets, const float* q_sqnorm,
                                const float* x_sqnorm, int64_t rows, int64_t n, int64_t x0,
                                bool cosine) {
  const int64_t total = rows * n;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / n, j = i - r * n;
    keys[i] = knn_key(keys[i], q_sqnorm[r], x_sqnorm[j], cosine);
    vals[i] = static_cast<int32_t>(x0 + j);
    if (j == 0) offsets[r] = static_cast<int>(i);
    if (i == total - 1) offsets[rows] = static_cast<int>(total);
  }
}

// The first k of each sorted segment into idx [rows, k] / key [rows, k].
__global__ void knn_gather_kernel(const float* keys, const int32_t* vals, int64_t rows, int64_t n,
                                  int k, int32_t* idx, float* key) {
  const int64_t total = rows * k;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / k, t = i - r * k;
    idx[i] = vals[r * n + t];
    key[i] = keys[r * n + t];
  }
}

size_t align_up(size_t b) { return (b + 255) & ~size_t(255); }

size_t sort_temp_bytes(int64_t tile, int64_t n, cudaStream_t stream) {
  size_t bytes = 0;
  MGR_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairs(
      nullptr, bytes, static_cast<const float*>(nullptr), static_cast<float*>(nullptr),
      static_cast<const int32_t*>(nullptr), static_cast<int32_t*>(nullptr),
      static_cast<int>(tile * n), static_cast<int>(tile), static_cast<const int*>(nullptr),
      static_cast<const int*>(nullptr) + 1, stream));
  return bytes;
}

}  // namespace

void knn_transform_rows(const float* in, float* out, float* sqnorm, int64_t rows, int64_t d,
                        const float* mean, const float* scale, bool normalise,
                        cudaStream_t stream) {
  if (rows == 0) return;
  knn_transform_rows_kernel<<<grid_for(rows), 256, 0, stream>>>(in, out, sqnorm, rows, d, mean,
                                                                scale, normalise);
  MGR_CUDA_LAUNCH_CHECK("knn_transform_rows_kernel");
}

int64_t knn_query_tile(int64_t m, int64_t n) {
  const int64_t t = n > 0 ? kMaxTilePairs / n : m;
  return std::max<int64_t>(1, std::min(m, t));
}

size_t knn_scratch_bytes(int64_t tile, int64_t n, cudaStream_t stream) {
  const size_t pairs = static_cast<size_t>(tile * n);
  return 4 * align_up(pairs * 4) + align_up(static_cast<size_t>(tile + 1) * sizeof(int)) +
         align_up(sort_temp_bytes(tile, n, stream));
}

void knn_search(cublasHandle_t handle, cudaStream_t stream, const float* q, const float* q_sqnorm,
                int64_t m, const float* x, const float* x_sqnorm, int64_t n, int64_t d, int k,
                bool cosine, int32_t* idx, float* key, void* scratch, size_t scratch_bytes) {
  MGR_CHECK(k >= 1 && k <= n, "knn_search: k = " << k << " outside [1, " << n << "]");
  if (m == 0) return;
  const int64_t tile = knn_query_tile(m, n);
  MGR_CHECK(tile * n <= INT32_MAX, "knn_search: " << n << " training rows exceed CUB's int range");
  const size_t pairs = static_cast<size_t>(tile * n);
  const size_t temp_bytes = sort_temp_bytes(tile, n, stream);
  MGR_CHECK(scratch_bytes >= knn_scratch_bytes(tile, n, stream), "knn_search: scratch too small");
  char* p = static_cast<char*>(scratch);
  auto* keys_in = reinterpret_cast<float*>(p);
  p += align_up(pairs * 4);
  auto* keys_out = reinterpret_cast<float*>(p);
  p += align_up(pairs * 4);
  auto* vals_in = reinterpret_cast<int32_t*>(p);
  p += align_up(pairs * 4);
  auto* vals_out = reinterpret_cast<int32_t*>(p);
  p += align_up(pairs * 4);
  auto* offsets = reinterpret_cast<int*>(p);
  p += align_up(static_cast<size_t>(tile + 1) * sizeof(int));
  void* temp = p;

  for (int64_t q0 = 0; q0 < m; q0 += tile) {
    const int64_t mb = std::min(tile, m - q0);
    // keys_in[r, j] = q[q0 + r] . x[j]
    sgemm(handle, false, true, mb, n, d, 1.f, q + q0 * d, d, x, d, 0.f, keys_in, n);
    knn_keys_kernel<<<grid_for(mb * n), 256, 0, stream>>>(keys_in, vals_in, offsets, q_sqnorm + q0,
                                                          x_sqnorm, mb, n, 0, cosine);
    MGR_CUDA_LAUNCH_CHECK("knn_keys_kernel");
    size_t tb = 0;
    MGR_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairs(
        nullptr, tb, keys_in, keys_out, vals_in, vals_out, static_cast<int>(mb * n),
        static_cast<int>(mb), offsets, offsets + 1, stream));
    MGR_CHECK(tb <= temp_bytes, "knn_search: CUB asks for more temporary storage than sized");
    MGR_CUDA_CHECK(cub::DeviceSegmentedSort::StableSortPairs(
        temp, tb, keys_in, keys_out, vals_in, vals_out, static_cast<int>(mb * n),
        static_cast<int>(mb), offsets, offsets + 1, stream));
    knn_gather_kernel<<<grid_for(mb * k), 256, 0, stream>>>(keys_out, vals_out, mb, n, k,
                                                            idx + q0 * k, key + q0 * k);
    MGR_CUDA_LAUNCH_CHECK("knn_gather_kernel");
  }
}

}  // namespace mgr::kernels::cuda
