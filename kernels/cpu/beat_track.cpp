#include "kernels/cpu/beat_track.h"

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstring>

#include "kernels/cpu/tempogram.h"

namespace mgr::kernels::cpu {

namespace {

int64_t even(int64_t words) { return words + (words & 1); }

}  // namespace

std::vector<int32_t> pack_beat_tables(const BeatTableSpec& spec, BeatTableLayout* layout) {
  const int win = spec.win;
  BeatTableLayout& L = *layout;
  L = BeatTableLayout{};
  L.win = win;
  // librosa.tempo_frequencies: bpm[0] = inf, bpm[k] = 60 sr / (hop k).
  std::vector<double> bpm(static_cast<size_t>(win));
  bpm[0] = INFINITY;
  for (int k = 1; k < win; ++k)
    bpm[k] = 60.0 * spec.sample_rate / (double(spec.hop_length) * double(k));
  // max_idx = argmax(bpms < max_tempo): the first lag below max_tempo (0 when there is none,
  // which kills nothing).
  L.first_lag = 0;
  for (int k = 0; k < win; ++k)
    if (bpm[k] < spec.max_tempo) {
      L.first_lag = k;
      break;
    }
  std::vector<double> logprior(static_cast<size_t>(win));
  std::vector<int32_t> fpb(static_cast<size_t>(win), 0);
  const double frame_rate = double(spec.sample_rate) / spec.hop_length;
  const double log2_start = std::log2(spec.start_bpm);
  L.fpb_min = INT_MAX;
  L.fpb_max = 0;
  for (int k = 0; k < win; ++k) {
    if (k == 0 || k < L.first_lag) {
      logprior[k] = -INFINITY;  // librosa: log2(inf) gives -inf at k = 0; the rest are killed
      continue;
    }
    const double z = (std::log2(bpm[k]) - log2_start) / spec.std_bpm;
    logprior[k] = -0.5 * (z * z);
    fpb[k] = static_cast<int32_t>(std::nearbyint(frame_rate * 60.0 / bpm[k]));  // half to even
    L.fpb_min = std::min(L.fpb_min, int(fpb[k]));
    L.fpb_max = std::max(L.fpb_max, int(fpb[k]));
  }
  if (L.fpb_min == INT_MAX) L.fpb_min = 0;  // no allowed lag (win < 2): the caller rejects it
  const int fmax = std::max(L.fpb_max, 1);
  const int64_t n_log = 2 * int64_t(fmax) + 1;
  const int64_t n_window = int64_t(fmax) * (fmax + 3) / 2;  // sum over F = 1..fmax of F + 1
  L.bpm = 0;
  L.logprior = L.bpm + 2 * int64_t(win);
  L.log_d = L.logprior + 2 * int64_t(win);
  L.window = L.log_d + 2 * n_log;
  L.fpb = L.window + 2 * n_window;
  L.words = even(L.fpb + win);
  std::vector<int32_t> packed(static_cast<size_t>(L.words), 0);
  auto put = [&packed](int64_t word, const double* src, int64_t n) {
    std::memcpy(packed.data() + word, src, size_t(n) * sizeof(double));
  };
  put(L.bpm, bpm.data(), win);
  put(L.logprior, logprior.data(), win);
  std::vector<double> log_d(static_cast<size_t>(n_log));
  log_d[0] = -INFINITY;
  for (int64_t d = 1; d < n_log; ++d) log_d[d] = std::log(double(d));
  put(L.log_d, log_d.data(), n_log);
  // numba: np.exp(-0.5 * (np.arange(-F, F + 1) * 32.0 / F) ** 2), symmetric in j.
  std::vector<double> window;
  window.reserve(static_cast<size_t>(n_window));
  for (int F = 1; F <= fmax; ++F)
    for (int j = 0; j <= F; ++j) {
      const double x = (double(j) * 32.0) / double(F);
      window.push_back(std::exp(-0.5 * (x * x)));
    }
  put(L.window, window.data(), n_window);
  std::memcpy(packed.data() + L.fpb, fpb.data(), size_t(win) * sizeof(int32_t));
  return packed;
}

BeatTables beat_tables_view(const void* packed, const BeatTableLayout& layout) {
  const int32_t* w = static_cast<const int32_t*>(packed);
  BeatTables t;
  t.win = layout.win;
  t.fpb_max = layout.fpb_max;
  t.bpm = reinterpret_cast<const double*>(w + layout.bpm);
  t.logprior = reinterpret_cast<const double*>(w + layout.logprior);
  t.log_d = reinterpret_cast<const double*>(w + layout.log_d);
  t.window = reinterpret_cast<const double*>(w + layout.window);
  t.fpb = w + layout.fpb;
  return t;
}

int max_beats(int frames, const BeatTableLayout& layout) {
  const int spacing = std::max(1, beat_dp::half_round_even(layout.fpb_min));
  return std::min(frames, (frames - 1) / spacing + 1);
}

double tempogram_row_sum(const float* row, int frames) {
  double lane[32];
  for (int l = 0; l < 32; ++l) {
    double acc = 0.0;
    for (int t = l; t < frames; t += 32) acc += double(row[t]);
    lane[l] = acc;
  }
  for (int s = 16; s > 0; s >>= 1)
    for (int l = 0; l < s; ++l) lane[l] += lane[l + s];
  return lane[0];
}

void tempo(float* bpm, int32_t* lag, const float* env, int64_t clips, int frames, const float* hann,
           const BeatTables& t) {
#pragma omp parallel
  {
    std::vector<float> tg(static_cast<size_t>(t.win) * frames);
#pragma omp for schedule(static)
    for (int64_t b = 0; b < clips; ++b) {
      tempogram(tg.data(), env + b * frames, 1, frames, t.win, hann);
      double best = -INFINITY;
      int best_k = INT_MAX;
      for (int k = 0; k < t.win; ++k) {
        const double sum = tempogram_row_sum(tg.data() + int64_t(k) * frames, frames);
        const float mean = static_cast<float>(sum / frames);
        const double v = beat_dp::tempo_score(mean, t.logprior[k]);
        if (beat_dp::better(v, k, best, best_k)) best = v, best_k = k;
      }
      const int k = best_k == INT_MAX ? 0 : best_k;  // all NaN: np.argmax would say 0 too
      lag[b] = k;
      bpm[b] = static_cast<float>(t.bpm[k]);
    }
  }
}

void beat_track(int32_t* beats, float* bpm, const float* env, const int32_t* lag, int64_t clips,
                int frames, int max_beats, const BeatTables& t, double tightness, bool trim) {
#pragma omp parallel
  {
    std::vector<float> norm(static_cast<size_t>(frames));
    std::vector<double> localscore(static_cast<size_t>(frames)),
        cumscore(static_cast<size_t>(frames)), maxima(static_cast<size_t>(frames));
    std::vector<int> backlink(static_cast<size_t>(frames)), path(static_cast<size_t>(frames));
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < clips; ++b) {
      const float* e = env + b * frames;
      int32_t* out = beats + b * max_beats;
      const bool silent = std::all_of(e, e + frames, [](float x) { return x == 0.f; });
      const int fpb = t.fpb[lag[b]];
      if (silent || fpb < 1) {  // fpb < 1: an excluded lag won (NaN envelope): no beats
        std::fill(out, out + max_beats, -1);
        if (silent) bpm[b] = 0.f;
        continue;
      }
      const float denom = beat_dp::fadd(beat_dp::std_ddof1(e, frames), FLT_MIN);
      for (int i = 0; i < frames; ++i) norm[i] = beat_dp::fdiv(e[i], denom);
      const double* half_window = t.window_of(fpb);
      for (int i = 0; i < frames; ++i)
        localscore[i] = beat_dp::local_score_at(norm.data(), frames, fpb, half_window, i);
      beat_dp::track_from_local_score(localscore.data(), frames, fpb, tightness, trim, t.log_d,
                                      cumscore.data(), maxima.data(), backlink.data(), path.data(),
                                      out, max_beats);
    }
  }
}

}  // namespace mgr::kernels::cpu
