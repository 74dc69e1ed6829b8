#include "framework/features/pipeline.h"

#include <algorithm>
#include <mutex>

#include "framework/autograd/var.h"
#include "framework/config/field_table.h"
#include "framework/features/stage_list.h"
#include "framework/ops/shape_ops.h"
#include "framework/tensor/index.h"

namespace mgr::features {

#define MGR_DECLARE_STAGE_FILE(name) void register_##name##_stages();
MGR_FEATURE_STAGE_FILES(MGR_DECLARE_STAGE_FILE)
#undef MGR_DECLARE_STAGE_FILE

namespace {

struct Registry {
  std::map<std::string, FeatureStage> stages;
  std::map<std::string, std::function<Tensor(FeatureContext&)>> intermediates;
};

Registry& raw_registry() {
  static Registry r;
  return r;
}

// The registry with every compiled stage file registered (once, on first use: registration by
// static initialisers would be dropped by the linker from a static library).
Registry& registry() {
  static std::once_flag once;
  std::call_once(once, [] {
#define MGR_CALL_STAGE_FILE(name) register_##name##_stages();
    MGR_FEATURE_STAGE_FILES(MGR_CALL_STAGE_FILE)
#undef MGR_CALL_STAGE_FILE
  });
  return raw_registry();
}

}  // namespace

void register_feature_stage(const std::string& type, FeatureStage stage) {
  raw_registry().stages[type] = std::move(stage);
}

void register_intermediate(const std::string& name, std::function<Tensor(FeatureContext&)> fn) {
  raw_registry().intermediates[name] = std::move(fn);
}

bool has_feature_stage(const std::string& type) { return registry().stages.count(type) != 0; }

std::vector<std::string> registered_feature_types() {
  std::vector<std::string> out;
  for (const auto& [name, stage] : registry().stages) out.push_back(name);
  return out;
}

const FeatureStage& feature_stage(const std::string& type) {
  const Registry& r = registry();
  auto it = r.stages.find(type);
  if (it == r.stages.end()) {
    std::string have;
    for (const auto& [name, stage] : r.stages) have += (have.empty() ? "" : ", ") + name;
    MGR_FAIL("features.type " << type << " is not built into this binary (built in: " << have
                              << "; see framework/features/stage_list.h)");
  }
  return it->second;
}

FeatureStage resolved_feature_stage(const config::FeatureConfig& cfg) {
  const FeatureStage& stage = feature_stage(cfg.type);
  return stage.resolve ? stage.resolve(cfg) : stage;
}

FeatureContext::FeatureContext(const config::FeatureConfig& cfg, int sample_rate, Device device,
                               Tensor audio, PipelineState& state)
    : cfg_(cfg),
      sample_rate_(sample_rate),
      device_(device),
      audio_(std::move(audio)),
      state_(state) {}

const Tensor& FeatureContext::get(const std::string& name) {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  const Registry& r = registry();
  auto fn = r.intermediates.find(name);
  MGR_CHECK(fn != r.intermediates.end(), "feature pipeline: intermediate '"
                                             << name << "' is not built into this binary "
                                             << "(see framework/features/stage_list.h)");
  Tensor v = fn->second(*this);
  return values_.emplace(name, std::move(v)).first->second;
}

FeaturePipeline::FeaturePipeline(const config::FeatureConfig& cfg, int sample_rate, Device device)
    : cfg_(cfg),
      sample_rate_(sample_rate),
      device_(device),
      stage_(resolved_feature_stage(cfg)),
      state_(std::make_shared<PipelineState>()) {}

Tensor FeaturePipeline::operator()(const Tensor& audio) {
  MGR_CHECK(audio.defined() && audio.dtype() == DType::F32 && audio.ndim() == 2,
            "feature pipeline: audio must be f32 [B, N], got "
                << (audio.defined() ? audio.str() : "undefined"));
  MGR_CHECK(audio.device() == device_, "feature pipeline: audio is on " << audio.device().str()
                                                                        << ", the pipeline on "
                                                                        << device_.str());
  ++batches_;
  FeatureContext ctx(cfg_, sample_rate_, device_, audio, *state_);
  Tensor out = stage_.compute(ctx);
  Shape want = stage_.shape(cfg_, sample_rate_, audio.dim(1));
  want.insert(want.begin(), audio.dim(0));
  check_shape(out, want, ("feature stage " + cfg_.type).c_str());
  const Shape cropped = output_shape(audio.dim(1));
  if (cropped.back() != want.back()) {
    // features.crop_frames: the first frames of each clip, as a contiguous tensor.
    NoGradGuard no_grad;
    out = ops::slice(Var(out), static_cast<int>(out.ndim()) - 1, 0, cropped.back()).value();
  }
  return out;
}

Shape FeaturePipeline::output_shape(int64_t num_samples) const {
  return feature_output_shape(cfg_, sample_rate_, num_samples);
}

Shape feature_output_shape(const config::FeatureConfig& cfg, int sample_rate, int64_t num_samples) {
  const FeatureStage stage = resolved_feature_stage(cfg);
  Shape s = stage.shape(cfg, sample_rate, num_samples);
  if (stage.clip_level || cfg.crop_frames <= 0) return s;
  MGR_CHECK(cfg.crop_frames <= s.back(),
            "features.crop_frames = " << cfg.crop_frames << " exceeds the " << s.back()
                                      << " frames of one clip (data.clip_seconds, "
                                         "features.hop_length, features.center)");
  s.back() = cfg.crop_frames;
  return s;
}

namespace {

nlohmann::json parameters_of(const FeatureStage& stage, const config::FeatureConfig& cfg,
                             int sample_rate) {
  // Values as the config's own YAML text, so every type prints and compares exactly.
  config::ExperimentConfig ec;
  ec.features = cfg;
  nlohmann::json j;
  j["type"] = cfg.type;
  j["sample_rate"] = sample_rate;
  j["upload"] = cfg.upload;
  j["feature_code_version"] = kFeatureCodeVersion;
  if (cfg.crop_frames > 0 && !stage.clip_level) j["crop_frames"] = cfg.crop_frames;
  for (const std::string& key : stage.parameters) {
    const config::Field* f = config::find_field("features." + key);
    MGR_CHECK(f != nullptr, "feature stage " << cfg.type << " lists unknown parameter " << key);
    j[key] = f->yaml(ec);
  }
  return j;
}

}  // namespace

nlohmann::json FeaturePipeline::parameters() const {
  return parameters_of(stage_, cfg_, sample_rate_);
}

nlohmann::json feature_parameters(const config::FeatureConfig& cfg, int sample_rate) {
  return parameters_of(resolved_feature_stage(cfg), cfg, sample_rate);
}

std::string feature_parameters_markdown() {
  std::string md =
      "Every type's numbers also depend on `features.type`, `data.sample_rate` and "
      "`features.upload`; a time-frequency type's on `features.crop_frames`. Two runs whose keys "
      "below agree share the feature cache, and a GAN's judge must agree with the GAN on them.\n\n"
      "| `features.type` | the `features.*` keys that change its numbers |\n|---|---|\n";
  for (const std::string& type : registered_feature_types()) {
    const FeatureStage& s = feature_stage(type);
    std::string keys;
    if (s.resolve) {
      keys = "`vectors`, and the keys of each type it lists";
    } else {
      std::vector<std::string> sorted = s.parameters;
      std::sort(sorted.begin(), sorted.end());
      for (const std::string& k : sorted) keys += (keys.empty() ? "`" : ", `") + k + "`";
    }
    md += "| `" + type + "` | " + keys + " |\n";
  }
  return md;
}

Tensor concat(const std::vector<Tensor>& parts, int dim) {
  MGR_CHECK(!parts.empty(), "concat: nothing to concatenate");
  const Tensor& first = parts.front();
  const int nd = first.ndim();
  if (dim < 0) dim += nd;
  MGR_CHECK(dim >= 0 && dim < nd, "concat: dim out of range for " << first.str());
  Shape out_shape = first.shape();
  out_shape[dim] = 0;
  for (const Tensor& t : parts) {
    MGR_CHECK(t.ndim() == nd && t.device() == first.device() && t.dtype() == first.dtype(),
              "concat: " << t.str() << " does not match " << first.str());
    for (int i = 0; i < nd; ++i)
      MGR_CHECK(i == dim || t.dim(i) == first.dim(i),
                "concat: " << t.str() << " does not match " << first.str() << " off dim " << dim);
    out_shape[dim] += t.dim(dim);
  }
  // Move `dim` to the front (a swap, its own inverse), stack rows, move it back.
  std::vector<int> swap(nd);
  for (int i = 0; i < nd; ++i) swap[i] = i;
  std::swap(swap[0], swap[dim]);
  NoGradGuard no_grad;
  Shape front = out_shape;
  std::swap(front[0], front[dim]);
  Tensor stacked = Tensor::empty(front, first.dtype(), first.device());
  int64_t row = 0;
  for (const Tensor& t : parts) {
    const Tensor moved = dim == 0 ? t : ops::permute(Var(t), swap).value();
    copy_rows(stacked, row, moved);
    row += t.dim(dim);
  }
  return dim == 0 ? stacked : ops::permute(Var(stacked), swap).value();
}

}  // namespace mgr::features
