#include "kernels/cpu/stft.h"

#include <fftw3.h>

#include <cmath>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "kernels/error.h"
#include "kernels/shared/stft_frame.h"

namespace mgr::kernels::cpu {

namespace {

// FFTW's planner is not thread-safe; plans are made once per (n, howmany) and kept for the
// life of the process (there are only a handful of transform sizes in any run). They are
// destroyed at exit so that a leak checker sees only real leaks.
struct PlanCache {
  std::map<std::tuple<int, int, bool>, fftwf_plan> plans;
  ~PlanCache() {
    for (auto& entry : plans) fftwf_destroy_plan(entry.second);
  }
};
std::mutex g_plan_mutex;
PlanCache g_plan_cache;
auto& g_plans = g_plan_cache.plans;

// The batched plan runs at multiples of `howmany` rows (offsets 64-byte aligned when
// howmany = 16), so it keeps FFTW's SIMD alignment. The one-row plan runs at any row, whose
// complex side may sit only 8 bytes aligned: it must be planned with FFTW_UNALIGNED.
// inverse: the complex-to-real transform (RealIfft) instead of real-to-complex.
fftwf_plan cached_plan(int n, int howmany, bool inverse) {
  std::lock_guard<std::mutex> lock(g_plan_mutex);
  auto it = g_plans.find({n, howmany, inverse});
  if (it != g_plans.end()) return it->second;
  const int bins = n / 2 + 1;
  float* in = RealFft::alloc(int64_t(n) * howmany);
  float* out = RealFft::alloc(int64_t(2) * bins * howmany);
  // FFTW_ESTIMATE, not MEASURE: MEASURE was 24% faster per 2048-point transform here (4.1 vs
  // 5.4 us) but picks its algorithm by timing, so the rounding of the spectrum could change
  // from one run to the next; ESTIMATE gives the same bits every run and plans in microseconds.
  const unsigned flags = FFTW_ESTIMATE | (howmany == 1 ? FFTW_UNALIGNED : 0);
  auto* spec = reinterpret_cast<fftwf_complex*>(out);
  fftwf_plan p = inverse ? fftwf_plan_many_dft_c2r(1, &n, howmany, spec, nullptr, 1, bins, in,
                                                   nullptr, 1, n, flags)
                         : fftwf_plan_many_dft_r2c(1, &n, howmany, in, nullptr, 1, n, spec, nullptr,
                                                   1, bins, flags);
  RealFft::free(in);
  RealFft::free(out);
  MGR_CHECK(p != nullptr, "fftwf_plan_many_dft_" << (inverse ? "c2r" : "r2c") << " failed for n = "
                                                 << n << ", howmany = " << howmany);
  g_plans.emplace(std::make_tuple(n, howmany, inverse), p);
  return p;
}

}  // namespace

void frame_rows(float* out, const float* clip, int64_t num_samples, int first, int count, int n_fft,
                int hop, const float* window, bool center, bool reflect) {
  const int64_t offset = center ? n_fft / 2 : 0;
  const PadMode pad = reflect ? PadMode::Reflect : PadMode::Constant;
  for (int r = 0; r < count; ++r) {
    float* row = out + int64_t(r) * n_fft;
    const int64_t start = int64_t(first + r) * hop - offset;
    if (start >= 0 && start + n_fft <= num_samples) {
      // Interior frame: framed_sample without the padding, one vectorisable loop.
      const float* src = clip + start;
      for (int j = 0; j < n_fft; ++j) row[j] = fmul(src[j], window[j]);
    } else {
      for (int j = 0; j < n_fft; ++j)
        row[j] = framed_sample(clip, num_samples, start + j, window[j], pad);
    }
  }
}

void frame_signal(float* frames, const float* audio, int64_t batch, int64_t num_samples,
                  int num_frames, int n_fft, int hop, const float* window, bool center,
                  bool reflect) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < batch; ++b)
    frame_rows(frames + b * num_frames * n_fft, audio + b * num_samples, num_samples, 0, num_frames,
               n_fft, hop, window, center, reflect);
}

RealFft::RealFft(int n, int rows_per_plan) : n_(n), rows_per_plan_(rows_per_plan) {
  MGR_CHECK(n >= 2, "RealFft: length must be >= 2, got " << n);
  MGR_CHECK(rows_per_plan >= 1, "RealFft: rows_per_plan must be >= 1, got " << rows_per_plan);
  many_ = cached_plan(n, rows_per_plan, false);
  MGR_CHECK(rows_per_plan == 1 || rows_per_plan % 16 == 0,
            "RealFft: rows_per_plan must be 1 or a multiple of 16 (SIMD alignment of batches)");
  single_ = rows_per_plan == 1 ? many_ : cached_plan(n, 1, false);
}

void RealFft::forward(const float* in, float* out, int64_t count) const {
  const int bins = n_ / 2 + 1;
  int64_t done = 0;
  // fftwf_execute_dft_r2c does not write its input for an out-of-place r2c plan (FFTW
  // documents this as guaranteed for r2c without FFTW_DESTROY_INPUT when out-of-place and 1-D).
  float* src = const_cast<float*>(in);
  auto* dst = reinterpret_cast<fftwf_complex*>(out);
  for (; done + rows_per_plan_ <= count; done += rows_per_plan_)
    fftwf_execute_dft_r2c(static_cast<fftwf_plan>(many_), src + done * n_, dst + done * bins);
  for (; done < count; ++done)
    fftwf_execute_dft_r2c(static_cast<fftwf_plan>(single_), src + done * n_, dst + done * bins);
}

RealIfft::RealIfft(int n, int rows_per_plan) : n_(n), rows_per_plan_(rows_per_plan) {
  MGR_CHECK(n >= 2, "RealIfft: length must be >= 2, got " << n);
  MGR_CHECK(rows_per_plan == 1 || (rows_per_plan >= 16 && rows_per_plan % 16 == 0),
            "RealIfft: rows_per_plan must be 1 or a multiple of 16 (SIMD alignment of batches)");
  many_ = cached_plan(n, rows_per_plan, true);
  single_ = rows_per_plan == 1 ? many_ : cached_plan(n, 1, true);
}

void RealIfft::inverse(float* in, float* out, int64_t count) const {
  const int bins = n_ / 2 + 1;
  int64_t done = 0;
  auto* src = reinterpret_cast<fftwf_complex*>(in);
  for (; done + rows_per_plan_ <= count; done += rows_per_plan_)
    fftwf_execute_dft_c2r(static_cast<fftwf_plan>(many_), src + done * bins, out + done * n_);
  for (; done < count; ++done)
    fftwf_execute_dft_c2r(static_cast<fftwf_plan>(single_), src + done * bins, out + done * n_);
}

float* RealFft::alloc(int64_t floats) {
  auto* p = static_cast<float*>(fftwf_malloc(sizeof(float) * size_t(floats > 0 ? floats : 1)));
  MGR_CHECK(p != nullptr, "fftwf_malloc of " << floats << " floats failed");
  return p;
}

void RealFft::free(float* p) { fftwf_free(p); }

void power_spectrum(float* power, const float* spec, int64_t count, float p) {
  // One loop per common exponent, so magnitude_pow's branch folds away and p = 2 vectorises.
  if (p == 2.f) {
    for (int64_t i = 0; i < count; ++i) power[i] = magnitude_pow(spec[2 * i], spec[2 * i + 1], 2.f);
  } else if (p == 1.f) {
    for (int64_t i = 0; i < count; ++i) power[i] = magnitude_pow(spec[2 * i], spec[2 * i + 1], 1.f);
  } else {
    for (int64_t i = 0; i < count; ++i) power[i] = magnitude_pow(spec[2 * i], spec[2 * i + 1], p);
  }
}

}  // namespace mgr::kernels::cpu
