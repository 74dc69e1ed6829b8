// The MFCC stage (mfcc.h, deltas.h): orthonormal DCT-II of the dB mel
// spectrogram, optional lifter, and the delta / delta-delta as extra input channels.
#include "framework/features/deltas.h"
#include "framework/features/mfcc.h"
#include "framework/features/pipeline.h"
#include "framework/features/stage_util.h"

namespace mgr::features {

void register_mfcc_stages() {
  FeatureStage mfcc;
  mfcc.shape = [](const config::FeatureConfig& f, int sr, int64_t n) -> Shape {
    return {1 + f.deltas, f.n_mfcc, stft_frames(f, sr, n)};
  };
  mfcc.compute = [](FeatureContext& ctx) {
    const config::FeatureConfig& f = ctx.config();
    MfccParams p;
    p.n_mfcc = f.n_mfcc;
    p.lifter = f.lifter;
    p.validate();
    const Tensor c = mfcc_from_db(ctx.get("mel_db"), p);  // [B, n_mfcc, T]
    std::vector<Tensor> channels = {one_channel(c)};
    for (int order = 1; order <= f.deltas; ++order)
      channels.push_back(one_channel(delta(c, f.delta_width, order)));
    return channels.size() == 1 ? channels[0] : concat(channels, 1);  // [B, 1 + deltas, D, T]
  };
  mfcc.parameters = join(with_db(mel_parameters()), {"n_mfcc", "lifter", "deltas", "delta_width"});
  register_feature_stage("mfcc", mfcc);
}

}  // namespace mgr::features
