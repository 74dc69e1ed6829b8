// DCT over the band axis (MFCC) reference kernels. Pointers + sizes only.
#pragma once

#include <cstdint>
#include <vector>

namespace mgr::kernels::cpu {

// Rows 0..n_out-1 of the orthonormal DCT-II matrix of size n_in (scipy.fft.dct type 2,
// norm='ortho'): D[k, n] = sqrt((k == 0 ? 1 : 2) / n_in) cos(pi k (2n + 1) / (2 n_in)), row k
// scaled by 1 + (lifter / 2) sin(pi (k + 1) / lifter) when lifter > 0 (librosa's liftering).
// Computed in double, rounded to float. [n_out, n_in] row-major.
std::vector<float> dct2_ortho_matrix(int n_out, int n_in, double lifter);

// out [batch, n_out, frames] = D [n_out, n_in] x [batch, n_in, frames] per clip (OpenBLAS
// sgemm, float32 accumulation).
void dct_apply(float* out, const float* x, int64_t batch, int n_in, int64_t frames,
               const float* dct, int n_out);

}  // namespace mgr::kernels::cpu
