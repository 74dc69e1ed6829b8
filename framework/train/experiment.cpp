#include "framework/train/experiment.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>

#include "framework/config/yaml_config.h"
#include "framework/data/dataset.h"
#include "framework/data/shuffle.h"
#include "framework/data/split.h"
#include "framework/data/synthetic.h"
#include "framework/features/pipeline.h"
#include "framework/features/standardise.h"
#include "framework/graph/model_check.h"
#include "framework/tensor/index.h"
#include "framework/train/checkpoint.h"
#include "framework/train/classifier_task.h"
#include "framework/train/environment_info.h"
#include "framework/train/feature_source.h"
#include "framework/train/feature_table.h"
#include "framework/train/metrics.h"
#include "framework/train/progress.h"
#include "framework/train/report.h"
#include "framework/train/trainer.h"

namespace mgr::train {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string default_run_dir(const std::string& name) {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", std::gmtime(&now));
  std::string dir = "runs/" + name + "-" + buf;
  for (int i = 2; fs::exists(dir); ++i) dir = "runs/" + name + "-" + buf + "-" + std::to_string(i);
  return dir;
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
  const Device device = resolve_device(cfg.device, std::cerr);
  auto say = [&](const std::string& s) {
    if (!opt.quiet) std::cerr << s << "\n";
  };

  RunResult result;
  result.run_dir = opt.out_dir.empty() ? default_run_dir(cfg.name) : opt.out_dir;
  fs::create_directories(result.run_dir);
  const fs::path dir(result.run_dir);
  say(fmt::format("run {}: writing to {}", cfg.name, result.run_dir));
  {
    std::ofstream(dir / "config.yaml")
        << "# resolved configuration of this run (source: " << opt.config_source << ")\n"
        << config::to_yaml(cfg);
    nlohmann::json env = environment_info(device);
    env["config_source"] = opt.config_source;
    env["overrides"] = opt.overrides;
    std::ofstream(dir / "environment.json") << env.dump(2) << "\n";
  }

  // The network against the data's shape, before any audio is read.
  const std::shared_ptr<const graph::GraphPlan> plan = graph::plan_classifier(cfg);

  // ---- data ------------------------------------------------------------------------------
  const auto t_data = Clock::now();
  LoadedData loaded = load_experiment_data(cfg, std::cerr);
  data::Dataset& ds = loaded.ds;
  const std::string& root = loaded.root;
  const data::LoadReport& load_report = loaded.report;
  const data::SplitKind split_kind = data::parse_split(cfg.data.split);
  const data::Split split = data::make_split(ds, split_kind, cfg.data.split_fractions, cfg.seed);
  const int num_classes = static_cast<int>(ds.genres.size());
  MGR_CHECK(!split.train.empty() && !split.validation.empty() && !split.test.empty(),
            "the split left a part empty (train " << split.train.size() << ", validation "
                                                  << split.validation.size() << ", test "
                                                  << split.test.size() << " clips): use more data");
  say(fmt::format(
      "data: {} tracks ({} skipped), {} clips of {:.2f} s; split {}: {} / {} / {} clips",
      ds.tracks.size(), load_report.skipped, ds.clips.size(), cfg.data.clip_seconds, cfg.data.split,
      split.train.size(), split.validation.size(), split.test.size()));
  if (split_kind == data::SplitKind::RandomClips)
    say("data: note: random_clips puts clips of one track on both sides of the split (the "
        "paper's protocol); its accuracies are optimistic and are labelled leaky");
  const double data_seconds = seconds_since(t_data);

  // ---- features ----------------------------------------------------------------------------
  const auto t_feat = Clock::now();
  features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, device);
  MGR_CHECK(num_classes == graph::model_num_classes(cfg),
            "the corpus has " << num_classes << " genres, the model was planned for "
                              << graph::model_num_classes(cfg));
  std::ostringstream discard;
  std::ostream& feature_log = opt.quiet ? static_cast<std::ostream&>(discard) : std::cerr;
  const bool on_the_fly = cfg.features.mode == "on_the_fly";
  // Standardise with statistics of the training split only (features.normalize), so the first
  // convolution sees unit-scale inputs whatever the dB range.
  std::optional<features::NormalisationStats> norm;
  std::unique_ptr<FeatureSource> source;
  FeatureTable ft;
  if (on_the_fly) {
    // No table and no cache: each batch is computed when it is needed (the path augmentation
    // takes). The statistics come from one streamed pass over the training clips.
    Progress stats_progress;
    norm = streamed_normalisation_statistics(
        ds, split.train, pipeline, cfg.features.normalize, cfg.features.batch_clips,
        [&](int64_t done, int64_t total) {
          if (!opt.quiet)
            stats_progress.update(
                fmt::format("features: on the fly; training statistics {}/{} clips", done, total));
        });
    if (!opt.quiet)
      stats_progress.finish(
          fmt::format("features: on the fly ({} on {}); training statistics "
                      "from {} clips",
                      cfg.features.type, device.str(), split.train.size()));
    source = on_the_fly_source(ds, pipeline, *norm);
  } else {
    FeatureTableOptions fto;
    fto.corpus_root = root;
    fto.quiet = opt.quiet;
    ft = feature_table(cfg, ds, pipeline, feature_log, fto);
    Tensor table = ft.features;  // [clips, C, D, T]
    // A later run with the same split and seed reads the statistics from the cache.
    const std::string norm_group = fmt::format("{}-{}", cfg.data.split, cfg.seed);
    const std::string norm_tag = fmt::format("{} fractions {}", cfg.features.normalize,
                                             fmt::join(cfg.data.split_fractions, ","));
    if (ft.cache) norm = ft.cache->load_normalisation(norm_group, norm_tag);
    if (!norm) {
      norm = features::normalisation_statistics(table, split.train, cfg.features.normalize);
      if (ft.cache) {
        try {
          ft.cache->store_normalisation(norm_group, norm_tag, *norm);
        } catch (const Error& e) {
          feature_log << "features: normalisation statistics not cached (" << e.what() << ")\n";
        }
      }
    }
    features::apply_normalisation_(table, *norm);
    source = precomputed_source(table);
  }
  const Shape clip_shape = source->clip_shape();  // [C, D, T]
  const double feature_seconds = seconds_since(t_feat);

  // ---- model -------------------------------------------------------------------------------
  MGR_CHECK(clip_shape == plan->input,
            "the features are " << shape_str(clip_shape) << " per clip, the model was planned for "
                                << shape_str(plan->input));
  graph::GraphModel model(plan, cfg.seed);
  model.to(device);
  const std::string summary = model.summary_text();
  std::ofstream(dir / "model_summary.txt") << summary;
  say("model:\n" + summary);

  // ---- training ----------------------------------------------------------------------------
  std::vector<int> labels, tracks;
  labels.reserve(ds.clips.size());
  for (const data::Clip& c : ds.clips) {
    labels.push_back(c.label);
    tracks.push_back(c.track_id);
  }
  const std::string ckpt = (dir / "best_model.h5").string();
  ClassifierTask task(model, *source, labels, tracks, split.validation, cfg.train, ckpt);
  TrainLoopOptions lo;
  lo.train = cfg.train;
  lo.history_csv = (dir / "history.csv").string();
  lo.quiet = opt.quiet;
  lo.shuffle_seed = cfg.seed;
  const TrainLoopResult trained = run_training(task, split.train, lo);
  const double train_seconds = trained.seconds;

  // ---- test --------------------------------------------------------------------------------
  load_checkpoint(ckpt, model);
  const Predictions test =
      predict(model, *source, split.test, labels, tracks, cfg.train.batch_size);
  const ClassificationReport clip_report = classify_report(test.truth, test.pred, num_classes);
  const TrackVote vote = vote_by_track(test.tracks, test.truth, test.probs, num_classes);
  const ClassificationReport track_report = classify_report(vote.truth, vote.pred, num_classes);
  // Beside the majority vote: the mean-probability vote, and paper 003's threshold votes.
  const TrackVote mean_vote =
      vote_by_mean_probability(test.tracks, test.truth, test.probs, num_classes);
  nlohmann::json votes;
  votes["mean_probability"] =
      report_to_json(classify_report(mean_vote.truth, mean_vote.pred, num_classes), ds.genres);
  votes["thresholds"] = nlohmann::json::array();
  for (int t : cfg.evaluation.vote_thresholds)
    votes["thresholds"].push_back(threshold_vote_to_json(
        threshold_vote(test.tracks, test.truth, test.probs, num_classes, t)));

  nlohmann::json& m = result.metrics;
  m["experiment"] = cfg.name;
  m["paper"] = cfg.paper;
  m["seed"] = cfg.seed;
  m["device"] = device.str();
  m["split"] = cfg.data.split;
  m["leaky"] = split_kind == data::SplitKind::RandomClips;
  m["data"] = {
      {"source", cfg.data.source},
      {"root", root},
      {"tracks", ds.tracks.size()},
      {"tracks_skipped", load_report.skipped},
      {"clips", ds.clips.size()},
      {"train_clips", split.train.size()},
      {"validation_clips", split.validation.size()},
      {"test_clips", split.test.size()},
      {"feature_type", cfg.features.type},
      {"feature_shape", clip_shape},
      {"feature_mode", cfg.features.mode},
      {"feature_cache", on_the_fly              ? "off (on_the_fly)"
                        : ft.cache_path.empty() ? "off"
                                                : (ft.cache_hit ? "hit" : "miss")},
      {"standardisation", {{"mode", norm->mode}, {"mean", norm->mean}, {"std", norm->stddev}}}};
  m["class_names"] = ds.genres;
  m["model_parameters"] = model.num_parameters();
  m["model_layers"] = model.summary().size();
  m["best_epoch"] = trained.best_epoch;
  m["epochs_run"] = trained.epochs_run;
  m["iterations_run"] = trained.iterations_run;
  m["stopped_early"] = trained.stopped_early;
  m["validation"] = {{"clip_accuracy", trained.best_validation_accuracy},
                     {"loss", trained.best_validation_loss}};
  m["test"] = {{"clip_accuracy", clip_report.accuracy},
               {"track_accuracy", track_report.accuracy},
               {"loss", test.loss},
               {"clip", report_to_json(clip_report, ds.genres)},
               {"track", report_to_json(track_report, ds.genres)},
               {"track_votes", votes}};
  m["paper_test_accuracy"] = cfg.paper_test_accuracy >= 0 ? nlohmann::json(cfg.paper_test_accuracy)
                                                          : nlohmann::json(nullptr);
  m["history"] = trained.history;
  m["timing_seconds"] = {{"data", data_seconds},
                         {"features", feature_seconds},
                         {"training", train_seconds},
                         {"total", seconds_since(t_start)}};
  std::ofstream(dir / "metrics.json") << m.dump(2) << "\n";
  write_reports(dir.string(), m);
  say(fmt::format("test: clip accuracy {:.4f}, track accuracy {:.4f} (best epoch {}){}",
                  clip_report.accuracy, track_report.accuracy, trained.best_epoch,
                  m["leaky"].get<bool>() ? " [leaky split]" : ""));
  say(fmt::format("run directory: {}", result.run_dir));
  return result;
}

}  // namespace mgr::train
