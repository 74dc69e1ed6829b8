// Chroma from a power spectrogram (librosa.feature.chroma_stft(S=power, tuning=0, norm=inf)
// parity) and paper 000's beat-synchronous chroma vector. CPU twin (OpenBLAS + loops) and CUDA
// (cuBLAS strided-batched sgemm + kernels); docs/features.md ("Chroma") states the parity reached.
#pragma once

#include <cmath>
#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr::features {

struct ChromaParams {
  int sample_rate = 22050;
  int n_fft = 2048;
  int n_chroma = 12;
  double tuning = 0;       // deviation from A440 in fractions of a chroma bin, [-0.5, 0.5]
  double norm = INFINITY;  // per-frame norm of chroma_stft: inf (max), p > 0, or 0 (none)
  double ctroct = 5.0;     // octave weighting centre (octaves above A0 = 27.5 Hz)
  double octwidth = 2;     // Gaussian half-width in octaves; 0: flat (librosa octwidth=None)
  // Throws mgr::Error naming the bad field and its allowed range.
  void validate() const;
  int bins() const { return n_fft / 2 + 1; }
};

// librosa.filters.chroma(sr, n_fft, n_chroma, tuning, ctroct, octwidth, norm=2, base_c=True) as
// float32, row-major [n_chroma, 1 + n_fft / 2]; computed in double like librosa.
std::vector<float> chroma_filterbank(const ChromaParams& p);

// power spectrogram f32 [B, 1 + n_fft/2, T] (CPU or CUDA) -> chroma [B, n_chroma, T] on the same
// device: the filterbank projection, then each frame divided by its norm (librosa.util.normalize
// with threshold FLT_MIN and fill=None: frames whose norm is below FLT_MIN are left unscaled).
Tensor chroma_from_power(const Tensor& power, const ChromaParams& p);

// librosa.estimate_tuning(S=power, sr, bins_per_octave=n_chroma), the default of
// librosa.feature.chroma_stft(y) (tuning=None), per clip: power f32 [B, 1 + n_fft/2, T] ->
// i32 [B] on the same device, each clip's histogram bin i in [0, 100); the estimate in fractions
// of a chroma bin is tuning_of_bin(i) = np.linspace(-0.5, 0.5, 101)[i] (bit for bit). Uses
// p.sample_rate, p.n_fft and p.n_chroma. CUDA: per-clip kernels, no host round trip.
Tensor estimate_tuning_bins(const Tensor& power, const ChromaParams& p);
double tuning_of_bin(int bin);

// chroma_from_power with each clip's own tuning: clip b uses tuning_of_bin(tuning_bins[b])
// (p.tuning is ignored). tuning_bins: i32 [B] as estimate_tuning_bins returns it, same device.
// librosa.feature.chroma_stft(y, tuning=None) is this with estimate_tuning_bins(power, p).
Tensor chroma_from_power(const Tensor& power, const ChromaParams& p, const Tensor& tuning_bins);

// Which beat tracker places paper 000's beats.
enum class BeatTracker {
  kDp,    // Ellis' dynamic programme, librosa.beat.beat_track parity (rhythm.h beat_track)
  kGrid,  // our rigid tempo grid (rhythm.h beat_grid), no librosa counterpart
};

// librosa.util.sync(x, beats, aggregate=np.mean) per clip, first n_beats segments. x f32
// [B, C, T]; beats i32 [B, M] as beat_track returns them (ascending frames in [0, T), then -1;
// a row is read up to its first entry that breaks that). Segments are [0, b0), [b0, b1), ...,
// [b_last, T) (librosa's fix_frames: the sorted unique [0, beats..., T]); each segment's mean
// (double) of every row; the first n_beats segment vectors concatenated beat-major:
// out[b, m * C + c]. A clip with fewer segments repeats its last one. f32 [B, C * n_beats] on the
// input's device.
Tensor beat_sync(const Tensor& x, const Tensor& beats, int n_beats);

// Paper 000's beat-synchronous chroma: chroma [B, C, T] averaged over beat intervals and the
// first n_beats interval vectors concatenated beat-major (out[b, m * C + c]); clips with fewer
// intervals repeat the last one. Returns f32 [B, C * n_beats] on the input's device (no host
// round trip on CUDA).
// - kDp (default): beats = beat_track(onset_env, hop_length, sample_rate).beats, then
//   beat_sync(chroma, beats, n_beats): librosa's intervals, including [0, first beat). For
//   librosa parity onset_env is the MEDIAN onset envelope (OnsetAggregate::kMedian). A clip
//   without beats is one interval.
// - kGrid: beats from beat_grid() (bpm 40..200) on onset_env; intervals [beat m, beat m+1), the
//   last ending at T; frames before the first beat are dropped; a clip with no beat inside is one
//   interval.
Tensor beat_sync_chroma(const Tensor& chroma, const Tensor& onset_env, int n_beats = 30,
                        int hop_length = 512, int sample_rate = 22050,
                        BeatTracker tracker = BeatTracker::kDp);

}  // namespace mgr::features
