// The composite type vectors (vectors.h): resolved per config into the concatenation of the
// clip-level stages named by features.vectors.
#include <algorithm>

#include "framework/features/pipeline.h"
#include "framework/features/vectors.h"

namespace mgr::features {

namespace {

// The stages of features.vectors, checked: registered, clip-level, not composite, no repeats.
// (YAML configs are checked with file:line by the config's field table; this guards configs
// built in code.)
std::vector<FeatureStage> vector_parts(const config::FeatureConfig& cfg) {
  MGR_CHECK(!cfg.vectors.empty(),
            "features.vectors: the list is empty; name the clip-level "
            "types to concatenate, e.g. [spectral, rhythm]");
  std::vector<FeatureStage> parts;
  for (size_t i = 0; i < cfg.vectors.size(); ++i) {
    const std::string& name = cfg.vectors[i];
    MGR_CHECK(std::find(cfg.vectors.begin(), cfg.vectors.begin() + long(i), name) ==
                  cfg.vectors.begin() + long(i),
              "features.vectors: entry " << i << " ('" << name << "') repeats an earlier one");
    const FeatureStage& stage = feature_stage(name);  // throws naming the built-in types
    MGR_CHECK(!stage.resolve, "features.vectors: entry " << i << " ('" << name
                                                         << "') would nest the concatenation");
    MGR_CHECK(stage.clip_level, "features.vectors: entry "
                                    << i << " ('" << name
                                    << "') is a time-frequency type ([C, D, T] per clip); only "
                                       "clip-level types concatenate into one vector");
    parts.push_back(stage);
  }
  return parts;
}

FeatureStage compose(const config::FeatureConfig& cfg) {
  const std::vector<FeatureStage> parts = vector_parts(cfg);
  FeatureStage s;
  s.clip_level = true;
  s.shape = [parts](const config::FeatureConfig& f, int sr, int64_t n) -> Shape {
    int64_t d = 0;
    for (const FeatureStage& p : parts) d += p.shape(f, sr, n).at(0);
    return {d};
  };
  const std::vector<std::string> names = cfg.vectors;
  s.compute = [parts, names](FeatureContext& ctx) {
    std::vector<Tensor> outs;
    for (size_t i = 0; i < parts.size(); ++i) {
      Tensor out = parts[i].compute(ctx);
      Shape want = parts[i].shape(ctx.config(), ctx.sample_rate(), ctx.audio().dim(1));
      want.insert(want.begin(), ctx.audio().dim(0));
      check_shape(out, want, ("features.vectors part " + names[i]).c_str());
      outs.push_back(std::move(out));
    }
    return concat(outs, 1);
  };
  // The list itself, then every part's keys once, in order of first use.
  s.parameters = {"vectors"};
  for (const FeatureStage& p : parts)
    for (const std::string& key : p.parameters)
      if (std::find(s.parameters.begin(), s.parameters.end(), key) == s.parameters.end())
        s.parameters.push_back(key);
  s.consumers =
      "distance-based classifiers over fused clip vectors (paper 000; feature_groups gives each "
      "part's columns for per-group weights)";
  return s;
}

}  // namespace

std::vector<FeatureGroup> feature_groups(const config::FeatureConfig& cfg, int sample_rate,
                                         int64_t num_samples) {
  const FeatureStage& stage = feature_stage(cfg.type);
  std::vector<FeatureGroup> groups;
  if (stage.resolve) {
    int64_t at = 0;
    const std::vector<FeatureStage> parts = vector_parts(cfg);
    for (size_t i = 0; i < parts.size(); ++i) {
      const int64_t d = parts[i].shape(cfg, sample_rate, num_samples).at(0);
      groups.push_back({cfg.vectors[i], at, at + d});
      at += d;
    }
    return groups;
  }
  MGR_CHECK(stage.clip_level, "feature_groups: features.type "
                                  << cfg.type
                                  << " is a time-frequency type; only clip-level types (and "
                                     "vectors) have a clip vector with column groups");
  groups.push_back({cfg.type, 0, stage.shape(cfg, sample_rate, num_samples).at(0)});
  return groups;
}

void register_vectors_stages() {
  FeatureStage vectors;
  vectors.clip_level = true;
  vectors.resolve = compose;
  register_feature_stage("vectors", vectors);
}

}  // namespace mgr::features
