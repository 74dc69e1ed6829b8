// Tempo estimation and Ellis' dynamic-programming beat tracker on onset envelopes
// [clips, frames] (librosa 0.11: librosa.feature.rhythm.tempo and librosa.beat.beat_track): the
// host-computed tables both twins read, and the CPU reference. The per-clip algorithm lives in
// kernels/shared/beat_dp.h, shared verbatim with the CUDA kernels (kernels/cuda/beat_track.h).
// Pointers + sizes only.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/shared/beat_dp.h"  // MGR_HOST_DEVICE

namespace mgr::kernels::cpu {

// What the tables depend on: the frame rate and librosa.feature.rhythm.tempo's parameters.
struct BeatTableSpec {
  int sample_rate = 22050;
  int hop_length = 512;
  int win = 344;           // tempogram lags: time_to_frames(ac_size) = int(ac_size sr) // hop
  double start_bpm = 120;  // log-normal prior centre
  double std_bpm = 1;      // its width in octaves
  double max_tempo = 320;  // lags whose tempo is >= this are excluded (inf: none)
};

// Offsets (in 4-byte words) of each table in one packed buffer; doubles sit at even offsets.
struct BeatTableLayout {
  int win = 0;
  int first_lag = 0;  // lags < first_lag are excluded (librosa's argmax(bpms < max_tempo))
  int fpb_min = 0;    // frames per beat over the allowed lags
  int fpb_max = 0;
  int64_t bpm = 0, logprior = 0, log_d = 0, window = 0, fpb = 0, words = 0;
};

// The tables, as pointers into a packed buffer in host or device memory. All are computed on
// the host in double with libm's exp / log / log2 (what numpy and numba call), so the device
// evaluates no transcendental of the tracker and both twins read the same values.
struct BeatTables {
  int win = 0;
  int fpb_max = 0;
  const double* bpm = nullptr;       // [win]: 60 sr / (hop k); bpm[0] = inf (tempo_frequencies)
  const double* logprior = nullptr;  // [win]: -0.5 ((log2 bpm - log2 start) / std)^2; -inf
                                     //        for k = 0 and lags < first_lag
  const int32_t* fpb = nullptr;      // [win]: np.round(sr / hop * 60 / bpm) (= k, computed
                                     //        as librosa does); 0 where excluded
  const double* log_d = nullptr;     // [2 fpb_max + 1]: log(d); log_d[0] = -inf
  const double* window = nullptr;    // half windows, see window_of
  // exp(-0.5 ((32 j) / F)^2) for j = 0..F: librosa's local-score window at |k - F| = j.
  MGR_HOST_DEVICE const double* window_of(int F) const {
    return window + int64_t(F - 1) * (F + 2) / 2;
  }
};

// Packs the tables for `spec` (validated by the caller: win >= 2, sample_rate, hop >= 1).
std::vector<int32_t> pack_beat_tables(const BeatTableSpec& spec, BeatTableLayout* layout);
// Views a packed buffer (host or device address) through its layout.
BeatTables beat_tables_view(const void* packed, const BeatTableLayout& layout);

// Most beats a clip of `frames` frames can hold: consecutive beats are at least
// max(1, round(fpb_min / 2)) frames apart.
int max_beats(int frames, const BeatTableLayout& layout);

// The sum of one tempogram row in the CUDA warp's order: 32 interleaved double partial sums
// (lane l sums t = l, l + 32, ... in order), then added pairwise as the shuffle tree does
// (offsets 16, 8, 4, 2, 1).
double tempogram_row_sum(const float* row, int frames);

// librosa.feature.rhythm.tempo(onset_envelope, sr, hop_length, start_bpm, std_bpm, ac_size,
// max_tempo, aggregate=np.mean) per clip: the autocorrelation tempogram (kernels/cpu/tempogram.h
// with `hann`, the periodic Hann of t.win), each lag's mean over frames (tempogram_row_sum /
// frames, rounded to float32), argmax of tempo_score (beat_dp.h; first maximum). bpm [clips]
// (float32 of the float64 tempo), lag [clips] (the chosen lag).
void tempo(float* bpm, int32_t* lag, const float* env, int64_t clips, int frames, const float* hann,
           const BeatTables& t);

// librosa.beat.beat_track(onset_envelope, bpm = the tempo at `lag`, tightness, trim) per clip:
// beats [clips, max_beats] (ascending frames, then -1). A clip whose envelope is all zero gets no
// beats and bpm 0 (librosa returns tempo 0); bpm is otherwise left as it is.
void beat_track(int32_t* beats, float* bpm, const float* env, const int32_t* lag, int64_t clips,
                int frames, int max_beats, const BeatTables& t, double tightness, bool trim);

}  // namespace mgr::kernels::cpu
