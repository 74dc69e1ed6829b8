// Tempo estimation and Ellis' beat tracker: CUDA twins of kernels/cpu/beat_track.h. The per-clip
// tracker is kernels/shared/beat_dp.h compiled for the device, fed the same host-computed tables
// (uploaded once), and every reduction runs in the CPU twin's order, so tempo and beats equal the
// CPU's exactly. Nothing is copied to the host between stages.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/beat_track.h"  // BeatTables

namespace mgr::kernels::cuda {

// Tempo of `clips` clips from their device tempogram tg [clips, t.win, frames]: one warp per
// (clip, lag) sums the row in kernels::cpu::tempogram_row_sum's order into means [clips, t.win]
// (scratch), then one block per clip takes the argmax of beat_dp::tempo_score. Writes bpm [clips]
// and lag [clips]. `t` points into device memory.
void tempo_from_tempogram(float* bpm, int32_t* lag, float* means, const float* tg, int64_t clips,
                          int frames, const cpu::BeatTables& t, cudaStream_t stream);

// Device scratch the tracker needs for `clips` clips of `frames` frames (bytes).
size_t beat_track_scratch_bytes(int64_t clips, int frames);

// kernels::cpu::beat_track on the device: one block per clip; its threads test for silence,
// normalise the envelope and compute the local score, then one thread runs the DP, the last-beat
// search, backtracking and trimming (beat_dp::track_from_local_score, the CPU's code). scratch:
// beat_track_scratch_bytes(clips, frames), 8-byte aligned.
void beat_track(int32_t* beats, float* bpm, const float* env, const int32_t* lag, int64_t clips,
                int frames, int max_beats, const cpu::BeatTables& t, double tightness, bool trim,
                void* scratch, cudaStream_t stream);

}  // namespace mgr::kernels::cuda
