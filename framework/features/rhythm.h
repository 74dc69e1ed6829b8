// Rhythm features from a dB mel spectrogram: the onset strength envelope (librosa parity), the
// autocorrelation tempogram (librosa parity), tempo estimation and Ellis' dynamic-programming
// beat tracker (librosa.beat.beat_track parity), a clip-level beat histogram and a deterministic
// tempo-grid beat tracker (paper 000, section III; definitions in docs/features.md "Rhythm").
// Every function has a CPU twin (the reference) and CUDA kernels; results stay on the input's
// device.
#pragma once

#include <cstdint>

#include "framework/tensor/tensor.h"

namespace mgr::features {

// How onset_strength combines the mel bands' flux: librosa's aggregate=np.mean (its default) or
// np.median (what librosa.beat.beat_track uses).
enum class OnsetAggregate { kMean, kMedian };

struct OnsetParams {
  int sample_rate = 22050;
  int hop_length = 512;
  int n_mels = 128;  // rows expected in the dB mel input
  int lag = 1;       // frames between the compared spectra
  int max_size = 1;  // local max filter over bands for the reference (1: off)
  int n_fft = 2048;  // only for the centring shift n_fft / (2 hop) (librosa's default 2048)
  bool center = true;
  OnsetAggregate aggregate = OnsetAggregate::kMean;
  void validate() const;
  // Frames the output is delayed by: lag + (center ? n_fft / (2 hop) : 0).
  int shift() const { return lag + (center ? n_fft / (2 * hop_length) : 0); }
};

// librosa.onset.onset_strength(S=mel_db, lag, max_size, n_fft, hop_length, center,
// aggregate=np.mean or np.median): [B, n_mels, T] -> [B, T].
Tensor onset_strength(const Tensor& mel_db, const OnsetParams& p);

// librosa.feature.tempogram(onset_envelope, win_length, center=True, window='hann', norm=inf):
// [B, T] -> [B, win_length, T].
Tensor tempogram(const Tensor& onset_env, int win_length = 384);

// Clip-level beat histogram: the mean-removed, biased autocorrelation of the whole envelope,
// smoothed over lags (Gaussian, sigma 1 frame), read at lag 60 sr / (hop bpm) for n_bins BPM values
// evenly spaced over [bpm_min, bpm_max], negatives set to 0, divided by the clip's maximum.
// [B, T] -> [B, n_bins].
Tensor beat_histogram(const Tensor& onset_env, int hop_length, int sample_rate, int n_bins = 161,
                      double bpm_min = 40, double bpm_max = 200);

// Tempo grid [B, 2] = (beat period, first beat) in frames: the period is the lag in
// [60 sr / (hop bpm_max), 60 sr / (hop bpm_min)] (steps of 1/16 frame) maximising the histogram's
// smoothed autocorrelation; the phase (steps of 1/4 frame, < period) maximises the mean onset
// strength at the beats round(phase + m period). Computed on the device for CUDA input.
Tensor beat_grid(const Tensor& onset_env, int hop_length = 512, int sample_rate = 22050,
                 double bpm_min = 40, double bpm_max = 200);

// Beat frames i32 [B, M] from beat_grid: beat m at round(phase + m period) while < T, then -1;
// M = the most beats the shortest allowed period can fit in T frames.
Tensor beat_frames(const Tensor& onset_env, int hop_length = 512, int sample_rate = 22050,
                   double bpm_min = 40, double bpm_max = 200);

// librosa.feature.rhythm.tempo's parameters (librosa.beat.beat_track's defaults).
struct TempoParams {
  double start_bpm = 120;  // centre of the log-normal tempo prior
  double std_bpm = 1;      // its standard deviation in octaves
  double ac_size = 8;      // tempogram window in seconds: int(ac_size sr) // hop frames
  double max_tempo = 320;  // tempi at or above this are excluded; INFINITY: none
  void validate() const;
  // The tempogram window in frames (librosa.time_to_frames(ac_size)).
  int win_length(int hop_length, int sample_rate) const;
};

// librosa.feature.rhythm.tempo(onset_envelope, sr, hop_length, start_bpm, std_bpm, ac_size,
// max_tempo, aggregate=np.mean): the tempogram (win_length frames, at most 1024) averaged over
// time, weighted by the log-normal prior, and the BPM of the best lag. [B, T] -> f32 [B].
Tensor tempo(const Tensor& onset_env, int hop_length = 512, int sample_rate = 22050,
             const TempoParams& p = {});

struct BeatTrackParams {
  TempoParams tempo;
  double tightness = 100;  // how closely beats follow the tempo (librosa passes it as float32)
  bool trim = true;        // drop weak leading / trailing beats
  void validate() const;
};

struct BeatTrack {
  Tensor bpm;    // f32 [B]: the tempo used; 0 for an all-zero envelope (librosa's convention)
  Tensor beats;  // i32 [B, M]: beat frames ascending, then -1
};

// librosa.beat.beat_track(onset_envelope, sr, hop_length, start_bpm, tightness, trim) per clip:
// the tempo above, then Ellis' dynamic programme (docs/features.md "Rhythm"). librosa computes
// the envelope with aggregate=np.median: pass onset_strength(..., OnsetAggregate::kMedian) for
// parity. M = the most beats the fastest allowed tempo fits in T frames. A clip of one frame
// (librosa raises) or an all-zero envelope has no beats. On the input's device, no host round
// trip.
BeatTrack beat_track(const Tensor& onset_env, int hop_length = 512, int sample_rate = 22050,
                     const BeatTrackParams& p = {});

}  // namespace mgr::features
