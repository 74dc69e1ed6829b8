// The spectral descriptors stage (spectral.h): per frame centroid,
// bandwidth, rolloff, flatness, flux (from the STFT magnitude), zero-crossing rate and RMS (from
// the audio); per clip their means and variances plus paper 000's low-energy fraction: [B, 15].
#include "framework/features/pipeline.h"
#include "framework/features/spectral.h"
#include "framework/features/stage_util.h"

namespace mgr::features {

void register_spectral_stages() {
  FeatureStage spectral;
  spectral.clip_level = true;
  spectral.shape = [](const config::FeatureConfig&, int, int64_t) -> Shape { return {15}; };
  spectral.compute = [](FeatureContext& ctx) {
    const config::FeatureConfig& f = ctx.config();
    const int sr = ctx.sample_rate();
    const Tensor& mag = ctx.get("stft_magnitude");  // [B, bins, T]
    const Tensor r = rms(ctx.audio(), f.n_fft, f.hop_length, f.center, f.pad_mode);
    const Tensor frames = concat(
        {spectral_centroid(mag, sr, f.n_fft), spectral_bandwidth(mag, sr, f.n_fft),
         spectral_rolloff(mag, sr, f.n_fft, f.roll_percent), spectral_flatness(mag),
         spectral_flux(mag), zero_crossing_rate(ctx.audio(), f.n_fft, f.hop_length, f.center), r},
        1);  // [B, 7, T]
    return concat({mean_var_over_time(frames), low_energy_fraction(r, f.low_energy_frames)},
                  1);  // [B, 15]
  };
  spectral.parameters = key_names_of<FramingKeys, SpectralKeys>();
  spectral.consumers =
      "the clip-vector classifiers of paper 000 (issue 4: SVM / MLP on "
      "clip-level descriptors)";
  register_feature_stage("spectral", spectral);
}

}  // namespace mgr::features
