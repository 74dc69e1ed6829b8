#include "framework/train/experiment.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "framework/config/tree_yaml.h"
#include "framework/config/yaml_config.h"
#include "framework/data/synthetic.h"
#include "framework/gan/gan_run.h"
#include "framework/graph/model_check.h"
#include "framework/train/model_runs.h"
#include "framework/train/report.h"
#include "framework/train/run_setup.h"
#include "framework/tree/class_tree.h"

namespace mgr::train {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

LoadedData load_experiment_data(const config::ExperimentConfig& cfg, std::ostream& log) {
  LoadedData out;
  out.root = cfg.data.root;
  if (cfg.data.source == "synthetic") {
    data::SyntheticOptions so;
    so.root = out.root;
    so.tracks_per_genre = cfg.data.synthetic.tracks_per_genre;
    so.track_seconds = cfg.data.synthetic.track_seconds;
    so.sample_rate = cfg.data.sample_rate;
    so.seed = cfg.data.synthetic.seed;
    out.root = data::ensure_synthetic_corpus(so, log);
  }
  data::GtzanOptions go;
  go.root = out.root;
  go.genres = cfg.data.genres;
  go.sample_rate = cfg.data.sample_rate;
  go.max_tracks_per_genre = cfg.data.max_tracks_per_genre;
  go.max_track_seconds = cfg.data.max_track_seconds;
  out.ds = data::load_gtzan(go, log, &out.report);
  data::segment_clips(out.ds, cfg.data.clip_seconds, cfg.data.clip_hop_seconds, log);
  if (cfg.data.max_clips_per_track > 0) {
    // Clips are in track order, each track's from its start: keep the first N of each.
    std::vector<int> kept(out.ds.tracks.size(), 0);
    std::vector<data::Clip> clips;
    for (const data::Clip& c : out.ds.clips)
      if (kept[static_cast<size_t>(c.track_id)]++ < cfg.data.max_clips_per_track)
        clips.push_back(c);
    out.ds.clips = std::move(clips);
  }
  return out;
}

RunResult run_experiment(const config::ExperimentConfig& cfg, const RunOptions& opt) {
  const auto t_start = Clock::now();
  // The model against the data's shape, before any audio is read.
  graph::check_model(cfg);
  std::unique_ptr<RunSetup> s = setup_run(cfg, opt);

  RunResult result;
  result.run_dir = s->run_dir;
  result.metrics = common_metrics(*s);
  nlohmann::json& m = result.metrics;
  m["timing_seconds"] = {{"data", s->data_seconds}, {"features", s->feature_seconds}};
  if (cfg.model.type == "tree")
    run_tree(*s, opt, result);
  else if (cfg.model.type == "knn")
    run_knn(*s, opt, result);
  else if (cfg.model.type == "gan")
    gan::run_gan(*s, opt, result);
  else
    run_network(*s, opt, result);
  m["timing_seconds"]["total"] = seconds_since(t_start);
  std::ofstream(fs::path(s->run_dir) / "metrics.json") << m.dump(2) << "\n";
  if (cfg.model.type == "gan")
    std::ofstream(fs::path(s->run_dir) / "table_row.md") << gan::gan_table(m);
  else
    write_reports(s->run_dir, m);
  s->say(fmt::format("run directory: {}", result.run_dir));
  return result;
}

std::string model_summary(const config::ExperimentConfig& cfg) {
  graph::check_model(cfg);
  if (cfg.model.type == "knn") {
    const config::KnnConfig& k = cfg.model.knn;
    return fmt::format(
        "k nearest neighbours on {} features of {} values per clip: k {}, {} distance, {} vote, "
        "{}\n",
        cfg.features.type, shape_str(graph::model_input_shape(cfg)), k.k, k.metric, k.vote,
        k.standardise ? "standardised columns" : "raw columns");
  }
  if (cfg.model.type == "network") {
    graph::GraphModel model(graph::plan_classifier(cfg), cfg.seed);
    return model.summary_text();
  }
  if (cfg.model.type == "gan") return gan::gan_model_summary(cfg);
  const tree::ClassTree t(cfg.model.tree, graph::model_genres(cfg));
  std::string out = "tree of classifiers (" + std::to_string(t.nodes().size()) + " nodes):\n";
  for (int k : t.order()) {
    const tree::TreeNode& n = t.nodes()[static_cast<size_t>(k)];
    std::vector<std::string> children;
    for (int c = 0; c < n.children(); ++c)
      children.push_back(n.child_name(c, t.genres(), t.nodes()));
    out += std::string(2 * static_cast<size_t>(n.depth) + 2, ' ') + n.name + " -> " +
           fmt::format("{}", fmt::join(children, " | ")) + "\n";
  }
  for (int k : t.order()) {
    const tree::TreeNode& n = t.nodes()[static_cast<size_t>(k)];
    std::vector<std::string> errors;
    const config::ExperimentConfig nc =
        config::node_config(cfg, cfg.model.tree[static_cast<size_t>(k)], errors);
    graph::GraphModel model(graph::plan_tree_node(nc, n.name, n.children()), cfg.seed);
    out += "\nnode " + n.name + " (" +
           (nc.train.iterations > 0 ? std::to_string(nc.train.iterations) + " iterations"
                                    : std::to_string(nc.train.epochs) + " epochs") +
           "):\n" + model.summary_text();
  }
  return out;
}

}  // namespace mgr::train
