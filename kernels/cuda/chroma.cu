#include "kernels/cuda/check.h"
#include "kernels/cuda/chroma.h"
#include "kernels/shared/beat_dp.h"
#include "kernels/shared/beat_sync.h"
#include "kernels/shared/column_norm.h"

namespace mgr::kernels::cuda {

namespace {

constexpr int kThreads = 256;

int blocks_for(int64_t n) { return static_cast<int>((n + kThreads - 1) / kThreads); }

// One thread per (clip, frame); consecutive threads take consecutive frames, so each row read
// and write is coalesced. The column's arithmetic is the CPU twin's (kernels/shared/column_norm.h).
__global__ void normalize_columns_kernel(float* __restrict__ x, int64_t clips, int rows, int frames,
                                         double norm, bool inf) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= clips * frames) return;
  const int64_t b = i / frames;
  const int t = static_cast<int>(i - b * frames);
  normalize_column(x + b * int64_t(rows) * frames + t, frames, rows, norm, inf);
}

// One thread per (clip, output beat m): finds its segment from the grid and averages every row
// (kernels/shared/beat_sync.h, as the CPU twin).
__global__ void beat_sync_kernel(float* __restrict__ out, const float* __restrict__ x,
                                 const float* __restrict__ grid, int64_t clips, int rows,
                                 int frames, int n_beats) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= clips * n_beats) return;
  const int64_t b = i / n_beats;
  const int m = static_cast<int>(i - b * n_beats);
  const double period = grid[2 * b], phase = grid[2 * b + 1];
  int lo = 0, hi = 0;
  grid_segment(period, phase, grid_beats_inside(period, phase, frames), frames, m, &lo, &hi);
  const float* c = x + b * int64_t(rows) * frames;
  float* o = out + b * int64_t(n_beats) * rows + int64_t(m) * rows;
  for (int r = 0; r < rows; ++r) o[r] = segment_mean(c + int64_t(r) * frames, lo, hi);
}

// One thread per (clip, output segment m): the clip's beats through beat_dp's shared helpers, then
// each row's mean over the segment (kernels/shared/beat_sync.h, as the CPU twin).
__global__ void beat_sync_frames_kernel(float* __restrict__ out, const float* __restrict__ x,
                                        const int32_t* __restrict__ beats, int64_t clips, int rows,
                                        int frames, int max_beats, int n_beats) {
  const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (i >= clips * n_beats) return;
  const int64_t b = i / n_beats;
  const int m = static_cast<int>(i - b * n_beats);
  const int32_t* row_beats = beats + b * max_beats;
  const int n = beat_dp::valid_beats(row_beats, max_beats, frames);
  int lo = 0, hi = 0;
  beat_dp::sync_segment(row_beats, n, frames, m, &lo, &hi);
  const float* c = x + b * int64_t(rows) * frames;
  float* o = out + b * int64_t(n_beats) * rows + int64_t(m) * rows;
  for (int r = 0; r < rows; ++r) o[r] = segment_mean(c + int64_t(r) * frames, lo, hi);
}

// One thread per clip: the A / B / C pointers of clip b for cublasSgemmBatched (column-major
// C_b^T = P_b^T F_b^T, as chroma_project).
__global__ void tuned_pointers_kernel(const float** a, const float** bm, float** c, float* out,
                                      const float* power, const float* table,
                                      const int32_t* tuning_bins, int64_t clips, int n_chroma,
                                      int bins, int frames) {
  const int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (b >= clips) return;
  int i = tuning_bins[b];
  i = i < 0 ? 0 : (i > 99 ? 99 : i);
  a[b] = power + b * int64_t(bins) * frames;
  bm[b] = table + int64_t(i) * n_chroma * bins;
  c[b] = out + b * int64_t(n_chroma) * frames;
}

}  // namespace

void chroma_project_tuned(cublasHandle_t handle, float* out, const float* power, const float* table,
                          const int32_t* tuning_bins, int64_t clips, int n_chroma, int bins,
                          int frames, void* pointers, cudaStream_t stream) {
  if (clips == 0 || frames == 0) return;
  // Three consecutive arrays of `clips` pointers: A (power), B (filterbank), C (out).
  void** slots = static_cast<void**>(pointers);
  const float** a = static_cast<const float**>(static_cast<void*>(slots));
  const float** bm = static_cast<const float**>(static_cast<void*>(slots + clips));
  float** c = static_cast<float**>(static_cast<void*>(slots + 2 * clips));
  tuned_pointers_kernel<<<blocks_for(clips), kThreads, 0, stream>>>(
      a, bm, c, out, power, table, tuning_bins, clips, n_chroma, bins, frames);
  MGR_CUDA_LAUNCH_CHECK("tuned_pointers_kernel");
  const float one = 1.f, zero = 0.f;
  constexpr int64_t kMaxBatch = 65535;
  for (int64_t b0 = 0; b0 < clips; b0 += kMaxBatch) {
    const int64_t nb = clips - b0 < kMaxBatch ? clips - b0 : kMaxBatch;
    MGR_CUBLAS_CHECK(cublasSgemmBatched(handle, CUBLAS_OP_N, CUBLAS_OP_N, frames, n_chroma, bins,
                                        &one, a + b0, frames, bm + b0, bins, &zero, c + b0, frames,
                                        static_cast<int>(nb)));
  }
}

void chroma_project(cublasHandle_t handle, float* out, const float* power, const float* fb,
                    int64_t clips, int n_chroma, int bins, int frames) {
  if (clips == 0 || frames == 0) return;
  // Row-major C_b[n_chroma, frames] = F[n_chroma, bins] P_b[bins, frames] is, column-major,
  // C_b^T[frames, n_chroma] = P_b^T[frames, bins] F^T[bins, n_chroma].
  const float one = 1.f, zero = 0.f;
  constexpr int64_t kMaxBatch = 65535;  // keep batchCount well inside an int
  for (int64_t b0 = 0; b0 < clips; b0 += kMaxBatch) {
    const int64_t nb = clips - b0 < kMaxBatch ? clips - b0 : kMaxBatch;
    MGR_CUBLAS_CHECK(cublasSgemmStridedBatched(handle, CUBLAS_OP_N, CUBLAS_OP_N, frames, n_chroma,
                                               bins, &one, power + b0 * int64_t(bins) * frames,
                                               frames, int64_t(bins) * frames, fb, bins, 0, &zero,
                                               out + b0 * int64_t(n_chroma) * frames, frames,
                                               int64_t(n_chroma) * frames, static_cast<int>(nb)));
  }
}

void normalize_columns(float* x, int64_t clips, int rows, int frames, double norm,
                       cudaStream_t stream) {
  if (norm == 0 || clips * frames == 0) return;
  normalize_columns_kernel<<<blocks_for(clips * frames), kThreads, 0, stream>>>(
      x, clips, rows, frames, norm, isinf(norm));
  MGR_CUDA_LAUNCH_CHECK("normalize_columns_kernel");
}

void beat_sync_mean(float* out, const float* x, const float* grid, int64_t clips, int rows,
                    int frames, int n_beats, cudaStream_t stream) {
  if (clips * n_beats == 0) return;
  beat_sync_kernel<<<blocks_for(clips * n_beats), kThreads, 0, stream>>>(out, x, grid, clips, rows,
                                                                         frames, n_beats);
  MGR_CUDA_LAUNCH_CHECK("beat_sync_kernel");
}

void beat_sync_frames_mean(float* out, const float* x, const int32_t* beats, int64_t clips,
                           int rows, int frames, int max_beats, int n_beats, cudaStream_t stream) {
  if (clips * n_beats == 0) return;
  beat_sync_frames_kernel<<<blocks_for(clips * n_beats), kThreads, 0, stream>>>(
      out, x, beats, clips, rows, frames, max_beats, n_beats);
  MGR_CUDA_LAUNCH_CHECK("beat_sync_frames_kernel");
}

}  // namespace mgr::kernels::cuda
