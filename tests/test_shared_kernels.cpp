// CPU tests of the functions in kernels/shared/ that the CUDA kernels call verbatim: the cases
// (edges, special exponents, the one-frame form a CUDA thread uses) that the feature-level
// golden tests do not reach directly.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/shared/beat_sync.h"
#include "kernels/shared/bin_groups.h"
#include "kernels/shared/column_norm.h"
#include "kernels/shared/pcm16.h"
#include "kernels/shared/power_db.h"
#include "kernels/shared/stft_frame.h"

namespace mgr {
namespace {

using namespace mgr::kernels;  // NOLINT: the shared functions under test

// A CUDA thread calls bin_group_mean on one frame (n = 1); the CPU on a whole row. Same bits.
TEST(SharedKernels, BinGroupMeanOneFrameEqualsRowForm) {
  const int64_t frames = 13;
  const int bins = 16;
  std::vector<float> in(size_t(bins) * frames);
  for (size_t i = 0; i < in.size(); ++i) in[i] = std::sin(0.37f * float(i)) * 3.f + 0.1f;
  for (int count : {1, 2, 3, 4, 8, 16}) {
    std::vector<float> row(frames);
    bin_group_mean(row.data(), in.data(), frames, count, frames);
    for (int64_t t = 0; t < frames; ++t) {
      float one = 0.f;
      bin_group_mean(&one, in.data() + t, frames, count, 1);
      EXPECT_EQ(one, row[size_t(t)]) << count << " " << t;
      double want = 0;
      for (int k = 0; k < count; ++k) want += in[size_t(k * frames + t)];
      EXPECT_NEAR(row[size_t(t)], want / count, 1e-5) << count << " " << t;
    }
  }
}

TEST(SharedKernels, Db10IsTenLog10) {
  for (double x = 1e-30; x < 1e30; x *= 1.37) {
    const float xf = static_cast<float>(x);
    const double want = 10.0 * std::log10(double(xf));
    // ~1 float ulp of the result (ulp(300 dB) = 3e-5).
    EXPECT_NEAR(db10(xf), want, 1e-5 + 2e-7 * std::fabs(want)) << xf;
  }
  EXPECT_EQ(db10(1.f), 0.f);
}

TEST(SharedKernels, PowerDbReferenceFloorAndClamp) {
  const float amin = 1e-10f;
  // ref = the peak: the peak maps to (about) 0 dB, the floor sits top_db below it.
  const DbScale peak_ref = db_scale(100.f, amin, 30.f, true);
  EXPECT_NEAR(power_db(100.f, amin, peak_ref), 0.f, 1e-5f);
  EXPECT_NEAR(power_db(1.f, amin, peak_ref), -20.f, 1e-5f);
  EXPECT_NEAR(power_db(1e-3f, amin, peak_ref), -30.f, 1e-5f);  // -50 dB, floored
  EXPECT_EQ(power_db(0.f, amin, peak_ref), peak_ref.floor_db);
  // ref = 1, no top_db: no floor, values below amin (and NaN) read as amin.
  const DbScale one_ref = db_scale(100.f, amin, 0.f, false);
  EXPECT_EQ(one_ref.floor_db, -INFINITY);
  EXPECT_NEAR(power_db(100.f, amin, one_ref), 20.f, 1e-5f);
  EXPECT_NEAR(power_db(0.f, amin, one_ref), -100.f, 1e-4f);
  EXPECT_EQ(power_db(std::numeric_limits<float>::quiet_NaN(), amin, one_ref),
            power_db(0.f, amin, one_ref));
  // A silent clip: the peak is amin, so with ref = peak everything is 0 dB.
  const DbScale silent = db_scale(0.f, amin, 80.f, true);
  EXPECT_EQ(power_db(0.f, amin, silent), 0.f);
  // amin above 1 also clamps the unit reference (librosa: max(amin, ref)).
  EXPECT_NEAR(db_scale(1.f, 10.f, 0.f, false).ref_db, 10.f, 1e-5f);
}

TEST(SharedKernels, MagnitudePowExponents) {
  const float re = 3.1f, im = -4.7f;
  EXPECT_EQ(magnitude_pow(re, im, 2.f), re * re + im * im);
  const double abs = std::hypot(double(re), double(im));
  EXPECT_NEAR(magnitude_pow(re, im, 1.f), abs, 1e-6 * abs);
  EXPECT_NEAR(magnitude_pow(re, im, 3.f), abs * abs * abs, 2e-6 * abs * abs * abs);
  EXPECT_NEAR(magnitude_pow(re, im, 0.5f), std::sqrt(abs), 1e-6 * std::sqrt(abs));
  EXPECT_EQ(magnitude_pow(0.f, 0.f, 1.f), 0.f);
}

TEST(SharedKernels, FramedSamplePadsAndWindows) {
  const float clip[5] = {1, 2, 3, 4, 5};
  EXPECT_EQ(framed_sample(clip, 5, 2, 0.5f, PadMode::Constant), 1.5f);
  EXPECT_EQ(framed_sample(clip, 5, -1, 0.5f, PadMode::Constant), 0.f);
  EXPECT_EQ(framed_sample(clip, 5, 5, 0.5f, PadMode::Constant), 0.f);
  EXPECT_EQ(framed_sample(clip, 5, -2, 0.5f, PadMode::Reflect), 1.5f);  // x[2]
  EXPECT_EQ(framed_sample(clip, 5, 6, 2.f, PadMode::Reflect), 6.f);     // x[2]
}

TEST(SharedKernels, GridSegmentsDropTheLeadAndRepeatTheLast) {
  const int frames = 50;
  // Beats at round-half-up(3.4 + 10 m): 3, 13, 23, 33, 43 inside the clip.
  EXPECT_EQ(grid_beat_frame(10.0, 3.4, 0), 3);
  EXPECT_EQ(grid_beat_frame(10.0, 2.5, 0), 3);  // half up
  const int beats = grid_beats_inside(10.0, 3.4, frames);
  EXPECT_EQ(beats, 5);
  int lo = 0, hi = 0;
  grid_segment(10.0, 3.4, beats, frames, 0, &lo, &hi);
  EXPECT_EQ(lo, 3);
  EXPECT_EQ(hi, 13);
  grid_segment(10.0, 3.4, beats, frames, 4, &lo, &hi);
  EXPECT_EQ(lo, 43);
  EXPECT_EQ(hi, frames);
  grid_segment(10.0, 3.4, beats, frames, 9, &lo, &hi);  // past the last: repeats it
  EXPECT_EQ(lo, 43);
  EXPECT_EQ(hi, frames);
  EXPECT_EQ(grid_beats_inside(10.0, 60.0, frames), 0);  // first beat after the clip
  grid_segment(10.0, 60.0, 0, frames, 2, &lo, &hi);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, frames);
  std::vector<float> row(frames);
  for (int t = 0; t < frames; ++t) row[size_t(t)] = float(t);
  EXPECT_EQ(segment_mean(row.data(), 43, 50), 46.f);
  EXPECT_EQ(segment_mean(row.data(), 3, 4), 3.f);
}

TEST(SharedKernels, NormalizeColumnNormsAndTinyColumns) {
  // A column of 3 rows, 4 apart (the [rows, frames] layout with 4 frames).
  auto column = [](float a, float b, float c) {
    std::vector<float> x(12, 7.f);
    x[0] = a, x[4] = b, x[8] = c;
    return x;
  };
  std::vector<float> x = column(3.f, -4.f, 0.f);
  normalize_column(x.data(), 4, 3, 2.0, false);
  EXPECT_FLOAT_EQ(x[0], 0.6f);
  EXPECT_FLOAT_EQ(x[4], -0.8f);
  EXPECT_EQ(x[1], 7.f);  // other frames untouched
  x = column(3.f, -4.f, 1.f);
  normalize_column(x.data(), 4, 3, INFINITY, true);
  EXPECT_FLOAT_EQ(x[0], 0.75f);
  EXPECT_FLOAT_EQ(x[4], -1.f);
  EXPECT_FLOAT_EQ(x[8], 0.25f);
  x = column(1.f, 3.f, 0.f);
  normalize_column(x.data(), 4, 3, 1.0, false);
  EXPECT_FLOAT_EQ(x[0], 0.25f);
  EXPECT_FLOAT_EQ(x[4], 0.75f);
  // Below FLT_MIN: left as is (librosa's fill=None).
  const float tiny = FLT_MIN / 4;
  x = column(tiny, tiny, 0.f);
  normalize_column(x.data(), 4, 3, INFINITY, true);
  EXPECT_EQ(x[0], tiny);
  EXPECT_EQ(x[4], tiny);
}

TEST(SharedKernels, Pcm16Scale) {
  EXPECT_EQ(pcm16_to_float(-32768), -1.f);
  EXPECT_EQ(pcm16_to_float(16384), 0.5f);
  EXPECT_EQ(pcm16_to_float(32767), 32767.f / 32768.f);
}

}  // namespace
}  // namespace mgr
