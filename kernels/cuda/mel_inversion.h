// Mel -> linear magnitude on the GPU: the functions of kernels/cpu/mel_inversion.h on a stream
// (every pointer in device memory, the filterbank structs included).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cpu/mel_inversion.h"  // MelByBin, SparseMel (plain pointers)

namespace mgr::kernels::cuda {

using MelByBin = ::mgr::kernels::cpu::MelByBin;
using SparseMel = ::mgr::kernels::cpu::SparseMel;

void db_to_power(float* x, int64_t n, float ref, cudaStream_t stream);

// kernels::cpu::nnls_refine: one block per frame runs all `iters` steps (the residual of the
// frame in shared memory), so the whole refinement is one launch. y_scratch: [clips * frames,
// bins] device floats (the momentum points the CPU keeps per thread).
void nnls_refine(float* x, const float* mel, int64_t clips, int frames, const SparseMel& fb,
                 const MelByBin& by_bin, const float* betas, int iters, float inv_lipschitz,
                 float power, float* y_scratch, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
