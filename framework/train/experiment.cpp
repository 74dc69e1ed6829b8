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
#include "framework/models/crnn.h"
#include "framework/ops/loss.h"
#include "framework/optim/adam.h"
#include "framework/tensor/index.h"
#include "framework/train/checkpoint.h"
#include "framework/train/environment_info.h"
#include "framework/train/feature_source.h"
#include "framework/train/feature_table.h"
#include "framework/train/metrics.h"
#include "framework/train/progress.h"
#include "framework/train/report.h"

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

struct EvalResult {
  double loss = 0;
  std::vector<int> truth, pred, tracks;
  std::vector<float> probs;
};

Tensor make_labels(const data::Dataset& ds, const std::vector<int>& idx, Device device) {
  std::vector<int32_t> y;
  y.reserve(idx.size());
  for (int i : idx) y.push_back(ds.clips[i].label);
  return Tensor::from_vector(y, {static_cast<int64_t>(y.size())}, device);
}

EvalResult evaluate(models::Crnn& model, FeatureSource& source, const data::Dataset& ds,
                    const std::vector<int>& clips, int batch_size, int num_classes, Device device) {
  EvalResult r;
  model.eval();
  NoGradGuard no_grad;
  double loss_sum = 0;
  for (size_t start = 0; start < clips.size(); start += batch_size) {
    const size_t end = std::min(clips.size(), start + batch_size);
    std::vector<int> idx(clips.begin() + start, clips.begin() + end);
    Var logits = model.forward(Var(source.batch(idx)));
    Tensor y = make_labels(ds, idx, device);
    loss_sum += double(ops::softmax_cross_entropy(logits, y).value().item()) * idx.size();
    std::vector<float> p = ops::softmax(logits.value()).to_vector();
    r.probs.insert(r.probs.end(), p.begin(), p.end());
    for (int i : idx) {
      r.truth.push_back(ds.clips[i].label);
      r.tracks.push_back(ds.clips[i].track_id);
    }
  }
  r.pred = argmax_rows(r.probs, num_classes);
  r.loss = clips.empty() ? 0.0 : loss_sum / clips.size();
  return r;
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
  if (pipeline.clip_level())
    MGR_FAIL("features.type " << cfg.features.type << " gives one vector per clip ("
                              << shape_str(pipeline.output_shape(ds.clip_samples))
                              << "); the CRNN needs a time-frequency feature (log_mel, mel, stft, "
                              << "stft_compressed, mfcc, chroma). Clip vectors are for "
                              << features::feature_stage(cfg.features.type).consumers
                              << "; extract_features computes and caches them today");
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
  models::Crnn model(cfg.model, static_cast<int>(clip_shape[1]), static_cast<int>(clip_shape[2]),
                     num_classes, cfg.seed, static_cast<int>(clip_shape[0]));
  model.to(device);
  optim::AdamOptions ao;
  ao.lr = static_cast<float>(cfg.train.lr);
  ao.beta1 = static_cast<float>(cfg.train.beta1);
  ao.beta2 = static_cast<float>(cfg.train.beta2);
  ao.eps = static_cast<float>(cfg.train.eps);
  ao.weight_decay = static_cast<float>(cfg.train.weight_decay);
  optim::Adam adam(model.parameters(), ao);
  const auto cs = model.conv_output_shape();
  say(fmt::format("model: CRNN {} parameters; input {}x{}x{}, after conv {}x{}x{}, {} {}",
                  model.num_parameters(), clip_shape[0], clip_shape[1], clip_shape[2], cs[0], cs[1],
                  cs[2], cfg.model.rnn, cfg.model.rnn_hidden));

  // ---- training ----------------------------------------------------------------------------
  std::ofstream history(dir / "history.csv");
  history << "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,epoch_seconds,"
             "train_clips_per_second\n";
  const std::string ckpt = (dir / "best_model.h5").string();
  std::mt19937_64 rng(cfg.seed * 0x9E3779B97F4A7C15ULL + 17);
  std::vector<int> order = split.train;
  const int bs = cfg.train.batch_size;
  const int64_t steps_per_epoch = (static_cast<int64_t>(order.size()) + bs - 1) / bs;
  int best_epoch = 0;
  double best_val_acc = -1, best_val_loss = 0;
  Progress progress;
  const auto t_train = Clock::now();
  nlohmann::json epochs_json = nlohmann::json::array();
  for (int epoch = 1; epoch <= cfg.train.epochs; ++epoch) {
    const auto t_epoch = Clock::now();
    model.train();
    data::fisher_yates(order, rng);  // portable: std::shuffle is implementation-defined
    double loss_sum = 0;
    int64_t seen = 0, correct = 0;
    for (int64_t step = 0; step < steps_per_epoch; ++step) {
      const size_t start = static_cast<size_t>(step) * bs;
      const size_t end = std::min(order.size(), start + bs);
      if (end - start < 2) continue;  // batch norm needs two samples for a variance
      std::vector<int> idx(order.begin() + start, order.begin() + end);
      Var logits = model.forward(Var(source->batch(idx)));
      Tensor y = make_labels(ds, idx, device);
      Var loss = ops::softmax_cross_entropy(logits, y);
      const float l = loss.value().item();
      if (!std::isfinite(l))
        MGR_FAIL("training stopped: the loss became " << l << " at epoch " << epoch << ", step "
                                                      << step + 1
                                                      << " (try a lower train.lr; the features "
                                                         "may contain non-finite values)");
      adam.zero_grad();
      loss.backward();
      adam.step();
      const std::vector<int> pred = argmax_rows(logits.value().to_vector(), num_classes);
      for (size_t i = 0; i < idx.size(); ++i) correct += pred[i] == ds.clips[idx[i]].label;
      loss_sum += double(l) * idx.size();
      seen += static_cast<int64_t>(idx.size());
      if (!opt.quiet && ((step + 1) % cfg.train.log_every == 0 || step + 1 == steps_per_epoch))
        progress.update(fmt::format("epoch {}/{} step {}/{} loss {:.4f} acc {:.3f} {:.1f} clips/s",
                                    epoch, cfg.train.epochs, step + 1, steps_per_epoch,
                                    loss_sum / seen, double(correct) / seen,
                                    seen / seconds_since(t_epoch)));
    }
    const double train_secs = seconds_since(t_epoch);
    EvalResult val = evaluate(model, *source, ds, split.validation, bs, num_classes, device);
    const double val_acc = classify_report(val.truth, val.pred, num_classes).accuracy;
    const double epoch_secs = seconds_since(t_epoch);
    const double train_loss = seen ? loss_sum / seen : 0.0,
                 train_acc = seen ? double(correct) / seen : 0.0;
    history << fmt::format("{},{:.6f},{:.6f},{:.6f},{:.6f},{:.3f},{:.2f}\n", epoch, train_loss,
                           train_acc, val.loss, val_acc, epoch_secs, seen / train_secs);
    history.flush();
    epochs_json.push_back({{"epoch", epoch},
                           {"train_loss", train_loss},
                           {"train_accuracy", train_acc},
                           {"validation_loss", val.loss},
                           {"validation_accuracy", val_acc}});
    const bool best =
        val_acc > best_val_acc || (val_acc == best_val_acc && val.loss < best_val_loss);
    if (best) {
      best_epoch = epoch, best_val_acc = val_acc, best_val_loss = val.loss;
      save_checkpoint(ckpt, model, {epoch, val_acc});
    }
    if (!opt.quiet)
      progress.finish(
          fmt::format("epoch {}/{}: train loss {:.4f} acc {:.3f} | val loss {:.4f} acc "
                      "{:.3f}{} | {:.1f} s, {:.1f} clips/s",
                      epoch, cfg.train.epochs, train_loss, train_acc, val.loss, val_acc,
                      best ? " (best)" : "", epoch_secs, seen / train_secs));
  }
  const double train_seconds = seconds_since(t_train);

  // ---- test --------------------------------------------------------------------------------
  load_checkpoint(ckpt, model);
  EvalResult test = evaluate(model, *source, ds, split.test, bs, num_classes, device);
  const ClassificationReport clip_report = classify_report(test.truth, test.pred, num_classes);
  const TrackVote vote = vote_by_track(test.tracks, test.truth, test.probs, num_classes);
  const ClassificationReport track_report = classify_report(vote.truth, vote.pred, num_classes);

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
  m["best_epoch"] = best_epoch;
  m["validation"] = {{"clip_accuracy", best_val_acc}, {"loss", best_val_loss}};
  m["test"] = {{"clip_accuracy", clip_report.accuracy},
               {"track_accuracy", track_report.accuracy},
               {"loss", test.loss},
               {"clip", report_to_json(clip_report, ds.genres)},
               {"track", report_to_json(track_report, ds.genres)}};
  m["paper_test_accuracy"] = cfg.paper_test_accuracy >= 0 ? nlohmann::json(cfg.paper_test_accuracy)
                                                          : nlohmann::json(nullptr);
  m["history"] = epochs_json;
  m["timing_seconds"] = {{"data", data_seconds},
                         {"features", feature_seconds},
                         {"training", train_seconds},
                         {"total", seconds_since(t_start)}};
  std::ofstream(dir / "metrics.json") << m.dump(2) << "\n";
  write_reports(dir.string(), m);
  say(fmt::format("test: clip accuracy {:.4f}, track accuracy {:.4f} (best epoch {}){}",
                  clip_report.accuracy, track_report.accuracy, best_epoch,
                  m["leaky"].get<bool>() ? " [leaky split]" : ""));
  say(fmt::format("run directory: {}", result.run_dir));
  return result;
}

}  // namespace mgr::train
