// Chroma reference kernels: filterbank projection, per-frame normalisation and beat-synchronous
// averaging. Pointers + sizes only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// out [clips, n_chroma, frames] = fb [n_chroma, bins] x power [clips, bins, frames], one OpenBLAS
// sgemm per clip.
void chroma_project(float* out, const float* power, const float* fb, int64_t clips, int n_chroma,
                    int bins, int frames);

// librosa.util.normalize(x, norm, axis=-2, threshold=FLT_MIN, fill=None) in place on
// [clips, rows, frames]: each column (clip, frame) is divided by its norm (norm = inf: max |x|;
// 0 < norm < inf: (sum |x|^norm)^(1/norm)), computed in double; columns whose norm is below
// FLT_MIN are left as they are. norm == 0 means no normalisation.
void normalize_columns(float* x, int64_t clips, int rows, int frames, double norm);

// Beat-synchronous averaging. grid [clips, 2] holds each clip's beat period and phase in frames
// (kernels/cpu/beat.h). Beat m of a clip is at frame round(phase + m * period) for as long as that
// is < frames; segment m is [beat m, beat m + 1) with the last segment ending at `frames`, so the
// frames before the first beat are dropped. A clip without a beat inside it has one segment
// [0, frames). out [clips, n_beats * rows]: out[m * rows + r] is the mean of x[r, segment m]
// (beat-major: the [rows, n_beats] matrix concatenated column by column); m past the last
// segment repeats the last segment's vector.
void beat_sync_mean(float* out, const float* x, const float* grid, int64_t clips, int rows,
                    int frames, int n_beats);

// librosa.util.sync(x, beats, aggregate=np.mean) per clip. beats [clips, max_beats] holds each
// clip's beat frames ascending, then -1 (beat_dp::valid_beats reads them). Segments are
// beat_dp::sync_segment's: [0, b0), [b0, b1), ..., [b_last, frames) (the sorted unique
// [0, beats..., frames]). out [clips, n_beats * rows]: out[m * rows + r] is the mean (double) of
// x[r, segment m]; m past the last segment repeats the last segment's vector.
void beat_sync_frames_mean(float* out, const float* x, const int32_t* beats, int64_t clips,
                           int rows, int frames, int max_beats, int n_beats);

}  // namespace mgr::kernels::cpu
