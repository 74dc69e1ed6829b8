// Onset strength reference kernel (librosa.onset.onset_strength on a given spectrogram).
// Pointers + sizes only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// S [clips, bands, frames] (dB mel). ref = S (max_size 1) or scipy.ndimage.maximum_filter1d(S,
// max_size, axis=bands, mode='reflect'). raw[i] = mean (or median) over bands of
// max(0, S[:, i + lag] - ref[:, i]) for i < frames - lag; out[t] = raw[t - shift] for
// shift <= t < shift + frames - lag, 0 elsewhere, t < frames (shift = lag + (center ?
// n_fft / (2 hop) : 0)). out [clips, frames]. The mean sums bands in order in float32 and divides
// by bands; the median is np.median's: the middle value, or for an even count the float32 sum of
// the two middle values divided by 2.
void onset_strength(float* out, const float* S, int64_t clips, int bands, int frames, int lag,
                    int max_size, int shift, bool median = false);

// ref[:, t] for one frame: the maximum filter over bands with scipy's 'reflect' boundary
// (d c b a | a b c d | d c b a), window [f - max_size / 2, f - max_size / 2 + max_size).
// col has stride `stride` between bands; out is contiguous [bands].
void band_max_filter(float* out, const float* col, int64_t stride, int bands, int max_size);

}  // namespace mgr::kernels::cpu
