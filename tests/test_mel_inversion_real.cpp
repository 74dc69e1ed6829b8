// Round trips audio -> log-mel (the project's stage: dB per clip against its maximum, top_db 80)
// -> audio through MelInverter, measured by spectral convergence against the original audio's
// magnitude and by the relative distance of the mel spectrograms, on synthetic audio (always)
// and on a real GTZAN excerpt (skips unless $MGR_GTZAN_DEV names a copy of the gtzan-dev excerpts).
// The figures are docs/features.md's ("Audio from mel spectrograms").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "framework/data/audio_io.h"
#include "framework/features/mel_inversion.h"
#include "framework/features/stft.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using features::LogMelParams;
using features::MelInversionParams;

struct RoundTrip {
  double sc;      // ||S - |STFT(x')| || / ||S||, S = |STFT(x)| of the original
  double mel_sc;  // the same for the mel power spectrograms
};

RoundTrip round_trip(const std::vector<float>& clip, const LogMelParams& lp) {
  const Tensor audio = Tensor::from_vector(clip, {1, int64_t(clip.size())});
  features::LogMelExtractor fwd(lp, Device::cpu());
  const Tensor mel = fwd.mel_spectrogram(audio);
  Tensor db = mel.clone();
  features::power_to_db_(db, lp);
  // The stage references each clip to its own maximum; a round trip knows it.
  const std::vector<float> m = mel.to_vector();
  MelInversionParams p;
  p.mel = lp;
  p.db_ref = *std::max_element(m.begin(), m.end());
  p.length = int64_t(clip.size());
  const Tensor back = features::MelInverter(p, Device::cpu()).log_mel_to_audio(db);
  const Tensor s = features::StftExtractor(features::StftParams::of_framing(lp), Device::cpu())(
      audio, features::StftOutput::Magnitude);
  return {features::spectral_convergence(back, s, lp)[0],
          features::relative_distance(fwd.mel_spectrogram(back), mel)[0]};
}

TEST(MelInversionRoundTrip, SyntheticAudio) {
  // 3 s: a melody of harmonic notes over a noise floor (what a mel spectrogram keeps well).
  const int sr = 22050, n = 3 * sr;
  std::vector<float> y(static_cast<size_t>(n));
  const double notes[6] = {220, 277.18, 329.63, 440, 329.63, 277.18};
  uint32_t state = 99;
  for (int i = 0; i < n; ++i) {
    const double t = double(i) / sr;
    const double f = notes[(i / (sr / 2)) % 6];
    double v = 0;
    for (int h = 1; h <= 5; ++h) v += 0.15 / h * std::sin(2 * M_PI * f * h * t);
    state = state * 1664525u + 1013904223u;
    y[size_t(i)] = float(v + 0.005 * (double(state >> 8) / double(1 << 24) - 0.5));
  }
  const RoundTrip r = round_trip(y, LogMelParams{});
  std::printf("[ figures  ] synthetic 3 s round trip: SC %.4f, mel SC %.4f\n", r.sc, r.mel_sc);
  EXPECT_LE(r.sc, 0.25);
  EXPECT_LE(r.mel_sc, 0.13);
}

// The excerpts are found only through $MGR_GTZAN_DEV (a copy of gtzan-dev); empty when unset.
std::string data_root() {
  const char* env = std::getenv("MGR_GTZAN_DEV");
  return env ? env : "";
}

TEST(MelInversionRoundTrip, RealGtzanExcerpt) {
  if (data_root().empty()) GTEST_SKIP() << "set MGR_GTZAN_DEV to a copy of the gtzan-dev excerpts";
  const std::string dir = data_root() + "/blues";
  if (!std::filesystem::is_directory(dir))
    GTEST_SKIP() << "no " << dir
                 << ": set MGR_GTZAN_DEV to a copy of the gtzan-dev excerpts (blues/, jazz/)";
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".ogg") files.push_back(e.path().string());
  ASSERT_FALSE(files.empty());
  std::sort(files.begin(), files.end());
  std::vector<float> y = data::load_audio(files[0], 22050);
  y.resize(std::min<size_t>(y.size(), 5 * 22050));  // the first 5 s keep the test short
  const RoundTrip r = round_trip(y, LogMelParams{});
  std::printf("[ figures  ] %s (first 5 s) round trip: SC %.4f, mel SC %.4f\n",
              std::filesystem::path(files[0]).filename().c_str(), r.sc, r.mel_sc);
  EXPECT_LE(r.sc, 0.42);
  EXPECT_LE(r.mel_sc, 0.15);
}

}  // namespace
}  // namespace mgr
