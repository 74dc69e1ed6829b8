// The STFT module's stages (stft.h, compress.h): stft and stft_compressed,
// and the intermediates stft_power / stft_magnitude that chroma, beat_chroma and spectral read.
#include "framework/features/compress.h"
#include "framework/features/log_mel.h"  // power_to_db_ (the same dB as log_mel)
#include "framework/features/pipeline.h"
#include "framework/features/stage_util.h"
#include "framework/features/stft.h"

namespace mgr::features {

namespace {

// power_to_db with the config's amin / top_db / ref, per clip (as log_mel does it).
Tensor to_db(const Tensor& power, const config::FeatureConfig& f) {
  LogMelParams db;
  db.amin = f.amin;
  db.top_db = f.top_db;
  db.ref = f.ref;
  Tensor out = power.clone();
  power_to_db_(out, db);
  return out;
}

// The spectrogram in the form features.stft_output asks for, [B, bins, T]; log_power is the dB
// of the power spectrogram, taken after `reduce` (the octave compression averages power, not dB).
Tensor stft_values(FeatureContext& ctx, Tensor (*reduce)(const Tensor&)) {
  const config::FeatureConfig& f = ctx.config();
  if (f.stft_output == "magnitude") return reduce(ctx.get("stft_magnitude"));
  if (f.stft_output == "power") return reduce(ctx.get("stft_power"));
  MGR_CHECK(f.stft_output == "log_power", "features.stft_output " << f.stft_output << " unknown");
  return to_db(reduce(ctx.get("stft_power")), f);
}

Tensor identity(const Tensor& x) { return x; }

std::vector<std::string> stft_parameters() {
  return with_db(key_names_of<FramingKeys, StftKeys>());
}

}  // namespace

void register_stft_stages() {
  register_intermediate("stft_power", [](FeatureContext& ctx) {
    return stft_extractor(ctx)(ctx.audio(), StftOutput::Power);
  });
  register_intermediate("stft_magnitude", [](FeatureContext& ctx) {
    return stft_extractor(ctx)(ctx.audio(), StftOutput::Magnitude);
  });

  FeatureStage stft;
  stft.shape = [](const config::FeatureConfig& f, int sr, int64_t n) -> Shape {
    const StftParams p = stft_params_from(f, sr);
    return {1, p.bins(), p.num_frames(n)};
  };
  stft.compute = [](FeatureContext& ctx) { return one_channel(stft_values(ctx, identity)); };
  stft.parameters = stft_parameters();
  register_feature_stage("stft", stft);

  FeatureStage compressed;
  compressed.shape = [](const config::FeatureConfig& f, int sr, int64_t n) -> Shape {
    const StftParams p = stft_params_from(f, sr);
    MGR_CHECK(p.bins() == 1025, "stft_compressed needs features.n_fft = 2048, got " << p.n_fft);
    return {1, 72, p.num_frames(n)};
  };
  compressed.compute = [](FeatureContext& ctx) {
    return one_channel(stft_values(ctx, compress_octaves));
  };
  compressed.parameters = stft_parameters();
  register_feature_stage("stft_compressed", compressed);
}

}  // namespace mgr::features
