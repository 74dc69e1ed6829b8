#include "framework/features/stage_util.h"

#include <algorithm>

#include "framework/features/log_mel.h"
#include "framework/features/pipeline.h"
#include "framework/features/stft.h"

namespace mgr::features {

const std::vector<std::string>& framing_parameters() {
  static const std::vector<std::string> p = key_names_of<FramingKeys>();
  return p;
}

const std::vector<std::string>& mel_parameters() {
  static const std::vector<std::string> p = key_names_of<FramingKeys, MelKeys>();
  return p;
}

std::vector<std::string> with_db(std::vector<std::string> p) {
  return join(std::move(p), key_names_of<DbKeys>());
}

std::vector<std::string> without(std::vector<std::string> p, const std::vector<std::string>& drop) {
  std::erase_if(p, [&](const std::string& k) {
    return std::find(drop.begin(), drop.end(), k) != drop.end();
  });
  return p;
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
    return std::make_shared<StftExtractor>(stft_params_from(ctx.config(), ctx.sample_rate()),
                                           ctx.device());
  });
}

Tensor one_channel(const Tensor& x) {
  MGR_CHECK(x.ndim() == 3, "one_channel: expected [B, D, T], got " << x.str());
  return x.reshape({x.dim(0), 1, x.dim(1), x.dim(2)});
}

}  // namespace mgr::features
