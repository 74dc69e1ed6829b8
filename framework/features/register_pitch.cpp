// The pitch module's stage (pitch.h): paper 000's pitch content vector. The low band's power
// spectrogram is the stft_power intermediate (register_stft.cpp), so in a features.vectors
// concatenation with chroma / beat_chroma the batch's audio is transformed once; the high band's
// envelope goes through the same STFT extractor.
#include "framework/features/pipeline.h"
#include "framework/features/pitch.h"
#include "framework/features/stage_util.h"
#include "framework/features/stft.h"

namespace mgr::features {

void register_pitch_stages() {
  FeatureStage pitch;
  pitch.clip_level = true;
  pitch.shape = [](const config::FeatureConfig& f, int sr, int64_t) -> Shape {
    return {pitch_params_from(f, sr).output_size()};
  };
  pitch.compute = [](FeatureContext& ctx) {
    const PitchParams p = pitch_params_from(ctx.config(), ctx.sample_rate());
    PitchHistogram& histogram = ctx.state<PitchHistogram>(
        "pitch_histogram", [&] { return std::make_shared<PitchHistogram>(p, ctx.device()); });
    const Tensor& low = ctx.get("stft_power");
    const Tensor high =
        stft_extractor(ctx)(pitch_highband(ctx.audio(), p), StftOutput::Power);  // [B, bins, T]
    return histogram(low, high);
  };
  pitch.parameters = key_names_of<FramingKeys, PitchKeys>();
  pitch.consumers =
      "the clip-vector classifiers of paper 000 (KNN on fused clip-level descriptors; "
      "features.type vectors)";
  register_feature_stage("pitch_histogram", pitch);
}

}  // namespace mgr::features
