#include "framework/features/stage_util.h"

#include "framework/features/log_mel.h"
#include "framework/features/pipeline.h"
#include "framework/features/stft.h"

namespace mgr::features {

const std::vector<std::string>& framing_parameters() {
  static const std::vector<std::string> p = {"n_fft",  "hop_length", "win_length",
                                             "window", "center",     "pad_mode"};
  return p;
}

const std::vector<std::string>& mel_parameters() {
  static const std::vector<std::string> p =
      join(framing_parameters(), {"n_mels", "fmin", "fmax", "mel_scale", "mel_norm", "power"});
  return p;
}

std::vector<std::string> with_db(std::vector<std::string> p) {
  return join(std::move(p), {"amin", "top_db", "ref"});
}

std::vector<std::string> join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

int stft_frames(const config::FeatureConfig& f, int sample_rate, int64_t num_samples) {
  return log_mel_params_from(f, sample_rate).num_frames(num_samples);
}

StftExtractor& stft_extractor(FeatureContext& ctx) {
  return ctx.state<StftExtractor>("stft", [&] {
    const config::FeatureConfig& f = ctx.config();
    StftParams p;
    p.sample_rate = ctx.sample_rate();
    p.n_fft = f.n_fft;
    p.hop_length = f.hop_length;
    p.win_length = f.win_length;
    p.window = f.window;
    p.center = f.center;
    p.pad_mode = f.pad_mode;
    return std::make_shared<StftExtractor>(p, ctx.device());
  });
}

Tensor one_channel(const Tensor& x) {
  MGR_CHECK(x.ndim() == 3, "one_channel: expected [B, D, T], got " << x.str());
  return x.reshape({x.dim(0), 1, x.dim(1), x.dim(2)});
}

}  // namespace mgr::features
