// The log-mel module's stages: log_mel and mel, and the intermediates every mel-based type
// reads (mel_power, mel_db).
#include "framework/features/log_mel.h"
#include "framework/features/mel_project.h"
#include "framework/features/pipeline.h"
#include "framework/features/stage_util.h"

namespace mgr::features {

namespace {

LogMelExtractor& extractor(FeatureContext& ctx) {
  return ctx.state<LogMelExtractor>("log_mel", [&] {
    return std::make_shared<LogMelExtractor>(log_mel_params_from(ctx.config(), ctx.sample_rate()),
                                             ctx.device());
  });
}

Shape mel_shape(const config::FeatureConfig& f, int sample_rate, int64_t num_samples) {
  return {1, f.n_mels, stft_frames(f, sample_rate, num_samples)};
}

}  // namespace

void register_log_mel_stages() {
  // The mel power spectrogram |X|^power projected by the mel filterbank. When the same call
  // already computed the STFT at that power (beat_chroma computes the power spectrogram for its
  // chroma), project it instead of running a second STFT.
  register_intermediate("mel_power", [](FeatureContext& ctx) {
    const config::FeatureConfig& f = ctx.config();
    const char* stft = f.power == 2.0 ? "stft_power" : f.power == 1.0 ? "stft_magnitude" : "";
    if (*stft != '\0' && ctx.has(stft)) {
      const Tensor& fb = ctx.state<Tensor>("mel_filterbank_dense", [&] {
        const LogMelParams p = log_mel_params_from(f, ctx.sample_rate());
        return std::make_shared<Tensor>(
            Tensor::from_vector(mel_filterbank(p), {p.n_mels, p.bins()}, ctx.device()));
      });
      return mel_from_spectrogram(ctx.get(stft), fb);
    }
    return extractor(ctx).mel_spectrogram(ctx.audio());
  });
  register_intermediate("mel_db", [](FeatureContext& ctx) {
    const bool from_stft = ctx.has("stft_power") || ctx.has("stft_magnitude");
    // Nobody else reads the mel power: convert the fused extractor's buffer in place.
    if (!ctx.has("mel_power") && !from_stft) return extractor(ctx)(ctx.audio());
    Tensor db = ctx.get("mel_power").clone();
    power_to_db_(db, extractor(ctx).params());
    return db;
  });

  FeatureStage log_mel;
  log_mel.shape = mel_shape;
  log_mel.compute = [](FeatureContext& ctx) { return one_channel(ctx.get("mel_db")); };
  log_mel.parameters = with_db(mel_parameters());
  register_feature_stage("log_mel", log_mel);

  FeatureStage mel;
  mel.shape = mel_shape;
  mel.compute = [](FeatureContext& ctx) { return one_channel(ctx.get("mel_power")); };
  mel.parameters = mel_parameters();
  register_feature_stage("mel", mel);
}

}  // namespace mgr::features
