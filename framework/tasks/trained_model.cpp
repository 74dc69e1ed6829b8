#include "framework/tasks/trained_model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "framework/autograd/var.h"
#include "framework/config/yaml_config.h"
#include "framework/data/dataset.h"
#include "framework/engine/checkpoint.h"
#include "framework/graph/graph_model.h"
#include "framework/graph/model_check.h"
#include "framework/ops/loss.h"
#include "framework/store/feature_table.h"
#include "framework/tasks/task_kind.h"
#include "framework/tasks/tree/class_tree.h"
#include "framework/tensor/index.h"
#include "kernels/error.h"

namespace mgr::infer {

namespace fs = std::filesystem;

struct TrainedModel::Impl {
  std::string run_dir;
  config::ExperimentConfig cfg;
  std::vector<std::string> class_names;
  features::NormalisationStats norm;
  Device device;
  std::unique_ptr<features::FeaturePipeline> pipeline;
  int64_t clip_samples = 0, hop_samples = 0;
  // network: one model; tree: one per node, in tree.nodes() order, and the tree.
  std::vector<std::unique_ptr<graph::GraphModel>> models;
  std::shared_ptr<const tree::ClassTree> tree;
};

namespace {

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  MGR_CHECK(in, "cannot open " << p.string());
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    MGR_FAIL(p.string() << ": not valid JSON (" << e.what() << ")");
  }
}

std::vector<int> argmax_rows(const std::vector<float>& p, int classes) {
  std::vector<int> out(p.size() / static_cast<size_t>(classes));
  for (size_t i = 0; i < out.size(); ++i) {
    const float* row = p.data() + i * static_cast<size_t>(classes);
    out[i] = static_cast<int>(std::max_element(row, row + classes) - row);
  }
  return out;
}

}  // namespace

TrainedModel::TrainedModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TrainedModel::TrainedModel(TrainedModel&&) noexcept = default;
TrainedModel& TrainedModel::operator=(TrainedModel&&) noexcept = default;
TrainedModel::~TrainedModel() = default;

TrainedModel TrainedModel::load(const std::string& path, const std::string& device) {
  fs::path dir(path);
  // A checkpoint names its run directory (nodes/<name>/best_model.h5: the tree's run).
  if (fs::is_regular_file(dir)) {
    dir = dir.parent_path();
    if (dir.parent_path().filename() == "nodes") dir = dir.parent_path().parent_path();
  }
  if (dir.empty()) dir = ".";
  MGR_CHECK(fs::is_directory(dir), path << ": no such run directory");
  const fs::path config_path = dir / "config.yaml";
  MGR_CHECK(fs::is_regular_file(config_path),
            dir.string() << ": not a run directory (no config.yaml; run_experiment writes one)");
  auto impl = std::make_unique<Impl>();
  impl->run_dir = dir.string();
  impl->cfg = config::load_experiment(config_path.string(), {}, tasks::kind_rules());
  const tasks::PlannedTask planned = tasks::plan_task(impl->cfg);
  const config::ExperimentConfig& cfg = impl->cfg;
  MGR_CHECK(planned.kind->load_trained, dir.string() << ": " << planned.kind->cannot_classify);
  const fs::path metrics_path = dir / "metrics.json";
  MGR_CHECK(fs::is_regular_file(metrics_path),
            dir.string() << ": no metrics.json (the run did not finish), so no standardisation "
                            "statistics");
  const nlohmann::json m = read_json(metrics_path);
  try {
    const nlohmann::json& st = m.at("data").at("standardisation");
    impl->norm.mode = st.at("mode").get<std::string>();
    impl->norm.mean = st.at("mean").get<std::vector<float>>();
    impl->norm.stddev = st.at("std").get<std::vector<float>>();
    impl->class_names = m.contains("class_names")
                            ? m.at("class_names").get<std::vector<std::string>>()
                            : graph::model_genres(cfg);
  } catch (const nlohmann::json::exception& e) {
    MGR_FAIL(metrics_path.string()
             << ": no data.standardisation {mode, mean, std} (" << e.what() << ")");
  }
  MGR_CHECK(static_cast<int>(impl->class_names.size()) == graph::model_num_classes(cfg),
            metrics_path.string() << " names " << impl->class_names.size()
                                  << " classes, config.yaml's model has "
                                  << graph::model_num_classes(cfg));

  std::ostringstream device_log;  // "auto without a GPU" is reported by the caller
  impl->device = resolve_device(device, device_log);
  impl->pipeline =
      std::make_unique<features::FeaturePipeline>(cfg.features, cfg.data.sample_rate, impl->device);
  impl->clip_samples = data::seconds_to_samples(cfg.data.clip_seconds, cfg.data.sample_rate);
  impl->hop_samples = data::seconds_to_samples(cfg.data.clip_hop_seconds, cfg.data.sample_rate);

  tasks::TrainedNetworks nets;
  planned.kind->load_trained(cfg, *planned.plan, impl->run_dir, impl->device, nets);
  impl->models = std::move(nets.models);
  impl->tree = std::move(nets.tree);
  MGR_CHECK(!impl->tree || impl->tree->genres() == impl->class_names,
            metrics_path.string() << " names other classes than the tree's genres");
  return TrainedModel(std::move(impl));
}

const std::string& TrainedModel::run_dir() const { return impl_->run_dir; }
const config::ExperimentConfig& TrainedModel::config() const { return impl_->cfg; }
const std::string& TrainedModel::model_type() const { return impl_->cfg.model.type; }
const std::vector<std::string>& TrainedModel::class_names() const { return impl_->class_names; }
int TrainedModel::num_classes() const { return static_cast<int>(impl_->class_names.size()); }
int TrainedModel::sample_rate() const { return impl_->cfg.data.sample_rate; }
int64_t TrainedModel::clip_samples() const { return impl_->clip_samples; }
int64_t TrainedModel::hop_samples() const { return impl_->hop_samples; }
void TrainedModel::set_hop_seconds(double seconds) {
  const int64_t hop = data::seconds_to_samples(seconds, impl_->cfg.data.sample_rate);
  MGR_CHECK(std::isfinite(seconds) && hop > 0, "a hop of " << seconds << " s is no whole sample at "
                                                           << impl_->cfg.data.sample_rate << " Hz");
  impl_->hop_samples = hop;
}
Device TrainedModel::device() const { return impl_->device; }
const features::NormalisationStats& TrainedModel::standardisation() const { return impl_->norm; }

std::vector<int64_t> TrainedModel::clip_offsets(int64_t num_samples) const {
  std::vector<int64_t> out;
  for (int64_t off = 0; off + impl_->clip_samples <= num_samples; off += impl_->hop_samples)
    out.push_back(off);
  if (out.empty()) out.push_back(0);
  return out;
}

Tensor TrainedModel::clip_features(const std::vector<float>& audio,
                                   const std::vector<int64_t>& offsets, int batch_clips) {
  MGR_CHECK(!offsets.empty(), "clip_features: no clips");
  // A one-track data set, so the features come from the very code that computed the run's
  // feature table (int16 upload, batching, crop_frames).
  data::Dataset ds;
  ds.sample_rate = sample_rate();
  ds.clip_samples = impl_->clip_samples;
  ds.tracks.push_back(data::Track{});
  const int64_t end = *std::max_element(offsets.begin(), offsets.end()) + impl_->clip_samples;
  ds.audio.push_back(audio);
  if (static_cast<int64_t>(audio.size()) < end) ds.audio[0].resize(static_cast<size_t>(end), 0.0f);
  std::vector<int> rows;
  for (int64_t off : offsets) {
    rows.push_back(static_cast<int>(ds.clips.size()));
    ds.clips.push_back(data::Clip{0, 0, off});
  }
  train::ComputeOptions co;
  co.batch_clips = std::max(1, batch_clips);
  Tensor f = train::compute_features(ds, rows, *impl_->pipeline, co);
  features::apply_normalisation_(f, impl_->norm);
  return f;
}

ClipEmbeddings TrainedModel::embed_features(const Tensor& features, int batch_clips) {
  MGR_CHECK(!impl_->tree && impl_->models.size() == 1,
            impl_->run_dir << ": embeddings need a model.type network run (this one is "
                           << impl_->cfg.model.type << ")");
  graph::GraphModel& model = *impl_->models[0];
  const graph::PlannedLayer& last = model.plan().layers.back();
  MGR_CHECK(last.inputs.size() == 1 && last.inputs[0] >= 0,
            impl_->run_dir << ": the last layer '" << last.spec->name
                           << "' does not read one earlier layer, so there is no penultimate "
                              "layer to embed with");
  const int penultimate = last.inputs[0];
  ClipEmbeddings out;
  out.clips = features.dim(0);
  out.dim = static_cast<int>(shape_numel(model.plan().layers[size_t(penultimate)].out));
  const int64_t batch = std::max(1, batch_clips);
  NoGradGuard no_grad;
  model.eval();
  for (int64_t start = 0; start < out.clips; start += batch) {
    const int64_t b = std::min(batch, out.clips - start);
    std::vector<int32_t> rows(static_cast<size_t>(b));
    for (int64_t i = 0; i < b; ++i) rows[static_cast<size_t>(i)] = static_cast<int32_t>(start + i);
    const std::vector<Var> outs = model.forward_all(Var(gather_rows(features, rows)));
    const std::vector<float> e = outs[size_t(penultimate)].value().to_vector();
    const std::vector<float> p = ops::softmax(outs.back().value()).to_vector();
    out.values.insert(out.values.end(), e.begin(), e.end());
    out.probs.insert(out.probs.end(), p.begin(), p.end());
  }
  return out;
}

ClipScores TrainedModel::score_features(const Tensor& features, int batch_clips) {
  const int64_t n = features.dim(0);
  const int64_t batch = std::max(1, batch_clips);
  NoGradGuard no_grad;
  // Per model (the network, or each tree node): softmax rows of every clip.
  std::vector<std::vector<float>> probs(impl_->models.size());
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t b = std::min(batch, n - start);
    std::vector<int32_t> rows(static_cast<size_t>(b));
    for (int64_t i = 0; i < b; ++i) rows[static_cast<size_t>(i)] = static_cast<int32_t>(start + i);
    const Var x(gather_rows(features, rows));
    for (size_t k = 0; k < impl_->models.size(); ++k) {
      const std::vector<float> p = ops::softmax(impl_->models[k]->forward(x).value()).to_vector();
      probs[k].insert(probs[k].end(), p.begin(), p.end());
    }
  }
  ClipScores out;
  out.clips = n;
  if (impl_->tree) {
    out.probs = impl_->tree->route_soft(probs, static_cast<int>(n));
    out.decisions = impl_->tree->route_hard(probs, static_cast<int>(n));
  } else {
    out.probs = std::move(probs[0]);
    out.decisions = argmax_rows(out.probs, num_classes());
  }
  return out;
}

ClipScores TrainedModel::score(const std::vector<float>& audio, int batch_clips) {
  MGR_CHECK(!audio.empty(), "no audio");
  const std::vector<int64_t> offsets = clip_offsets(static_cast<int64_t>(audio.size()));
  ClipScores out = score_features(clip_features(audio, offsets, batch_clips), batch_clips);
  out.offsets = offsets;
  out.padded = static_cast<int64_t>(audio.size()) < impl_->clip_samples;
  return out;
}

std::vector<float> TrainedModel::clip_probabilities(const std::vector<float>& audio,
                                                    int batch_clips) {
  return score(audio, batch_clips).probs;
}

}  // namespace mgr::infer
