#include "framework/train/experiment.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "framework/config/tree_yaml.h"
#include "framework/config/yaml_config.h"
#include "framework/data/synthetic.h"
#include "framework/gan/gan_run.h"
#include "framework/graph/model_check.h"
#include "framework/train/atomic_write.h"
#include "framework/train/model_runs.h"
#include "framework/train/protocol.h"
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
  if (s->resume) m["resumed"] = true;
  if (cfg.model.type == "gan")
    write_file_atomically((fs::path(s->run_dir) / "table_row.md").string(), gan::gan_table(m));
  else
    write_reports(s->run_dir, m);
  // metrics.json last and atomically: its presence says the run finished (--resume relies on it).
  write_file_atomically((fs::path(s->run_dir) / "metrics.json").string(), m.dump(2) + "\n");
  s->say(fmt::format("run directory: {}", result.run_dir));
  return result;
}

RunResult resume_experiment(const std::string& run_dir, bool quiet) {
  const fs::path dir(run_dir);
  MGR_CHECK(fs::is_directory(dir), "--resume " << run_dir << ": not a directory");
  const fs::path config = dir / "config.yaml";
  MGR_CHECK(fs::is_regular_file(config),
            "--resume " << run_dir
                        << ": no config.yaml (not a run directory, or the run was stopped before "
                           "it started: run the experiment again)");
  RunResult result;
  result.run_dir = run_dir;
  if (fs::is_regular_file(dir / "metrics.json")) {
    std::ifstream in(dir / "metrics.json");
    result.metrics = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    MGR_CHECK(!result.metrics.is_discarded(), (dir / "metrics.json").string()
                                                  << " is not valid JSON");
    if (!quiet) std::cerr << "run " << run_dir << " finished already: nothing to resume\n";
    return result;
  }
  RunOptions opt;
  opt.out_dir = run_dir;
  opt.config_source = config.string();
  opt.quiet = quiet;
  opt.resume = true;
  // A protocol's directory continues run by run; a single run is its own protocol.
  return run_protocol(config::load_experiment(config.string(), {}), opt);
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
