// The MFCC stage (mfcc.h, deltas.h): orthonormal DCT-II of the dB mel
// spectrogram, optional lifter, and the delta / delta-delta as extra input channels; and
// mfcc_stats, the MFCCs' mean and variance over the clip as one vector.
#include "framework/features/deltas.h"
#include "framework/features/log_mel.h"
#include "framework/features/mfcc.h"
#include "framework/features/pipeline.h"
#include "framework/features/spectral.h"
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
    // The dB mel with features.mfcc_ref as its reference: the shared mel_db when that is
    // features.ref, else power_to_db of the mel power with ref = mfcc_ref.
    Tensor db;
    if (f.mfcc_ref == f.ref) {
      db = ctx.get("mel_db");
    } else {
      config::FeatureConfig g = f;
      g.ref = f.mfcc_ref;
      db = ctx.get("mel_power").clone();
      power_to_db_(db, log_mel_params_from(g, ctx.sample_rate()));
    }
    const Tensor c = mfcc_from_db(db, p);  // [B, n_mfcc, T]
    std::vector<Tensor> channels = {one_channel(c)};
    for (int order = 1; order <= f.deltas; ++order)
      channels.push_back(one_channel(delta(c, f.delta_width, order)));
    return channels.size() == 1 ? channels[0] : concat(channels, 1);  // [B, 1 + deltas, D, T]
  };
  // features.ref does not change the MFCC (mfcc_ref replaces it).
  // features.ref does not reach the MFCC: mfcc_ref replaces it.
  mfcc.parameters = without(join(with_db(mel_parameters()), key_names_of<MfccKeys>()), {"ref"});
  register_feature_stage("mfcc", mfcc);

  // The clip vector of the usual "30-second features" tables (GTZAN's features_30_sec.csv,
  // paper 004's KNN baseline): each coefficient's mean and variance over the clip's frames.
  FeatureStage stats;
  stats.clip_level = true;
  stats.shape = [](const config::FeatureConfig& f, int, int64_t) -> Shape {
    return {2 * static_cast<int64_t>(f.n_mfcc)};
  };
  stats.compute = [mfcc_compute = mfcc.compute](FeatureContext& ctx) {
    MGR_CHECK(ctx.config().deltas == 0, "features.type mfcc_stats takes no features.deltas");
    const Tensor c = mfcc_compute(ctx);  // [B, 1, n_mfcc, T]
    return mean_var_over_time(c.reshape({c.shape()[0], c.shape()[2], c.shape()[3]}));
  };
  stats.parameters = mfcc.parameters;
  stats.consumers = "model.type knn (experiments/knn_baseline.yaml)";
  register_feature_stage("mfcc_stats", stats);
}

}  // namespace mgr::features
