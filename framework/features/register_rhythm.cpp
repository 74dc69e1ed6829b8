// The rhythm module's stage (rhythm.h): the onset strength envelopes of
// the dB mel spectrogram (intermediates: "onset_env" with librosa's default mean over bands, read
// by rhythm and by beat_chroma's grid tracker; "onset_env_median", what librosa.beat.beat_track
// reads, for beat_chroma's dp tracker) and the clip-level beat histogram of the mean envelope's
// autocorrelation (paper 000, section III).
#include "framework/features/pipeline.h"
#include "framework/features/rhythm.h"
#include "framework/features/stage_util.h"

namespace mgr::features {

namespace {

OnsetParams onset_params(const FeatureContext& ctx, OnsetAggregate aggregate) {
  const config::FeatureConfig& f = ctx.config();
  OnsetParams p;
  p.sample_rate = ctx.sample_rate();
  p.hop_length = f.hop_length;
  p.n_mels = f.n_mels;
  p.aggregate = aggregate;
  p.validate();
  return p;
}

}  // namespace

void register_rhythm_stages() {
  register_intermediate("onset_env", [](FeatureContext& ctx) {
    return onset_strength(ctx.get("mel_db"), onset_params(ctx, OnsetAggregate::kMean));  // [B, T]
  });
  register_intermediate("onset_env_median", [](FeatureContext& ctx) {
    return onset_strength(ctx.get("mel_db"), onset_params(ctx, OnsetAggregate::kMedian));
  });

  FeatureStage rhythm;
  rhythm.clip_level = true;
  rhythm.shape = [](const config::FeatureConfig& f, int, int64_t) -> Shape {
    return {f.beat_histogram_bins};
  };
  rhythm.compute = [](FeatureContext& ctx) {
    return beat_histogram(ctx.get("onset_env"), ctx.config().hop_length, ctx.sample_rate(),
                          ctx.config().beat_histogram_bins);
  };
  // No stage reads the tempogram window yet.
  rhythm.parameters =
      without(join(with_db(mel_parameters()), key_names_of<RhythmKeys>()), {"tempogram_win"});
  rhythm.consumers =
      "the clip-vector classifiers of paper 000 (issue 4: SVM / MLP on "
      "clip-level descriptors)";
  register_feature_stage("rhythm", rhythm);
}

}  // namespace mgr::features
