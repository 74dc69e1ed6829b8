// The chroma module's stages (chroma.h, rhythm.h): chroma from the STFT
// power spectrogram, and paper 000's beat-synchronous chroma vector. Reads the stft_power
// intermediate (register_stft.cpp) and onset_env_median (dp tracker) or onset_env (grid tracker)
// (register_rhythm.cpp).
#include <cstdlib>

#include "framework/features/chroma.h"
#include "framework/features/pipeline.h"
#include "framework/features/rhythm.h"
#include "framework/features/stage_util.h"

namespace mgr::features {

namespace {

ChromaParams chroma_params(const FeatureContext& ctx) {
  ChromaParams p;
  p.sample_rate = ctx.sample_rate();
  p.n_fft = ctx.config().n_fft;
  p.n_chroma = ctx.config().n_chroma;
  const std::string& tuning = ctx.config().tuning;
  if (tuning != "auto") {
    char* end = nullptr;
    p.tuning = std::strtod(tuning.c_str(), &end);
    MGR_CHECK(!tuning.empty() && end == tuning.c_str() + tuning.size(),
              "features.tuning = \"" << tuning << "\" must be auto or a number");
  }
  p.validate();
  return p;
}

}  // namespace

void register_chroma_stages() {
  // [B, n_chroma, T]; features.tuning = auto estimates each clip's tuning from the same power
  // spectrogram first (librosa.feature.chroma_stft(y, tuning=None)).
  register_intermediate("chroma", [](FeatureContext& ctx) {
    const Tensor& power = ctx.get("stft_power");
    const ChromaParams p = chroma_params(ctx);
    if (ctx.config().tuning == "auto")
      return chroma_from_power(power, p, estimate_tuning_bins(power, p));
    return chroma_from_power(power, p);
  });

  FeatureStage chroma;
  chroma.shape = [](const config::FeatureConfig& f, int sr, int64_t n) -> Shape {
    return {1, f.n_chroma, stft_frames(f, sr, n)};
  };
  chroma.compute = [](FeatureContext& ctx) { return one_channel(ctx.get("chroma")); };
  chroma.parameters = key_names_of<FramingKeys, ChromaKeys>();
  register_feature_stage("chroma", chroma);

  FeatureStage beat;
  beat.clip_level = true;
  beat.shape = [](const config::FeatureConfig& f, int, int64_t) -> Shape {
    return {int64_t(f.n_chroma) * f.beat_chroma_beats};
  };
  beat.compute = [](FeatureContext& ctx) {
    // Chroma first: its power spectrogram then feeds the mel projection behind the onset
    // envelope (when features.power is 2), so the batch runs one STFT.
    const Tensor& c = ctx.get("chroma");
    const bool dp = ctx.config().beat_tracker == "dp";
    const Tensor& onset = ctx.get(dp ? "onset_env_median" : "onset_env");
    return beat_sync_chroma(c, onset, ctx.config().beat_chroma_beats, ctx.config().hop_length,
                            ctx.sample_rate(), dp ? BeatTracker::kDp : BeatTracker::kGrid);
  };
  beat.parameters = join(with_db(mel_parameters()), key_names_of<ChromaKeys, BeatChromaKeys>());
  beat.consumers =
      "the clip-vector classifiers of paper 000 (issue 4: SVM / MLP on "
      "clip-level descriptors)";
  register_feature_stage("beat_chroma", beat);
}

}  // namespace mgr::features
