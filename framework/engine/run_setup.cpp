#include "framework/engine/run_setup.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "framework/config/did_you_mean.h"
#include "framework/config/yaml_config.h"
#include "framework/data/fma.h"
#include "framework/data/manifest.h"
#include "framework/data/synthetic.h"
#include "framework/data/track_selection.h"
#include "framework/engine/metrics.h"
#include "framework/graph/resolved_config.h"
#include "framework/store/atomic_write.h"
#include "framework/store/disk_source.h"
#include "framework/store/environment_info.h"
#include "framework/store/progress.h"

namespace mgr::train {

namespace fs = std::filesystem;

namespace {

// Where the training statistics of this split and seed are kept in the cache (each fold trains
// on other clips: its statistics are its own), and what they must have been computed with.
std::string norm_group(const config::ExperimentConfig& cfg) {
  const uint64_t seed = config::split_seed_of(cfg);
  return cfg.protocol.folds > 0 ? fmt::format("{}-{}-fold{}of{}", cfg.data.split, seed,
                                              cfg.protocol.fold, cfg.protocol.folds)
                                : fmt::format("{}-{}", cfg.data.split, seed);
}
std::string norm_tag(const config::ExperimentConfig& cfg) {
  return fmt::format("{} fractions {}", cfg.features.normalize,
                     fmt::join(cfg.data.split_fractions, ","));
}

std::string gib(int64_t bytes) { return fmt::format("{:.2f} GiB", double(bytes) / (1 << 30)); }

// The cached table kept in memory when it fits features.storage / memory_budget_gb, else read
// from disk batch by batch; standardised with the training split's statistics either way (read
// from beside the cache when a run of this split and seed stored them).
void prepare_cached_table(RunSetup& s, std::ostream& log, bool quiet) {
  const config::ExperimentConfig& cfg = s.cfg;
  const CacheTable& ct = *s.cache_table;
  s.table_bytes = ct.bytes();
  const int64_t budget = memory_budget_bytes(cfg.features.memory_budget_gb, s.pipeline->device());
  s.storage = cfg.features.storage != "auto" ? cfg.features.storage
              : s.table_bytes <= budget      ? "memory"
                                             : "disk";
  s.table.cache_path = ct.files.front();
  s.table.cache_hit = !ct.built;
  const std::string group = norm_group(cfg), tag = norm_tag(cfg);
  s.norm = load_table_statistics(ct, group, tag);
  const bool computed = !s.norm;
  if (s.storage == "memory") {
    Tensor table = load_table(ct, s.pipeline->device());
    if (!s.norm)
      s.norm = features::normalisation_statistics(table, s.split.train, cfg.features.normalize);
    features::apply_normalisation_(table, *s.norm);
    s.table.features = table;
    s.source = precomputed_source(table);
  } else {
    if (!s.norm) {
      const CacheTableReader reader(ct);
      Progress progress;
      s.norm = streamed_normalisation_statistics(
          s.split.train,
          [&](const std::vector<int>& rows) {
            Shape shape = ct.clip_shape;
            shape.insert(shape.begin(), int64_t(rows.size()));
            Tensor t = Tensor::empty(shape, DType::F32, Device::cpu());
            reader.read_rows(rows, t.f32());
            return t;
          },
          cfg.features.normalize, cfg.features.batch_clips,
          [&](int64_t done, int64_t total) {
            if (!quiet)
              progress.update(
                  fmt::format("features: training statistics from disk, {}/{} clips", done, total));
          });
    }
    s.source = disk_source(ct, *s.norm, s.pipeline->device());
  }
  if (computed) {
    try {
      store_table_statistics(ct, group, tag, *s.norm);
    } catch (const Error& e) {
      log << "features: normalisation statistics not cached (" << e.what() << ")\n";
    }
  }
  log << fmt::format(
      "features: table of {} ({} clips) {} (features.storage {}, budget {})\n", gib(s.table_bytes),
      ct.rows,
      s.storage == "memory" ? "kept in memory" : "read from disk in batches with read-ahead",
      cfg.features.storage, gib(budget));
}

// Features of every clip: the table (with its HDF5 cache), standardised in place with the
// training split's statistics, or the on-the-fly source.
void prepare_features(RunSetup& s, const RunOptions& opt) {
  const config::ExperimentConfig& cfg = s.cfg;
  const data::Dataset& ds = s.loaded.ds;
  const data::Split& split = s.split;
  if (!s.pipeline)
    s.pipeline =
        std::make_unique<features::FeaturePipeline>(cfg.features, cfg.data.sample_rate, s.device);
  std::ostringstream discard;
  std::ostream& feature_log = opt.quiet ? static_cast<std::ostream&>(discard) : std::cerr;
  s.on_the_fly = cfg.features.mode == "on_the_fly";
  // Standardise with statistics of the training split only (features.normalize), so the first
  // layer sees unit-scale inputs whatever the dB range.
  if (s.on_the_fly) {
    // No table and no cache: each batch is computed when it is needed (the path augmentation
    // takes). The statistics come from one streamed pass over the training clips.
    Progress stats_progress;
    s.norm = streamed_normalisation_statistics(
        ds, split.train, *s.pipeline, cfg.features.normalize, cfg.features.batch_clips,
        [&](int64_t done, int64_t total) {
          if (!opt.quiet)
            stats_progress.update(
                fmt::format("features: on the fly; training statistics {}/{} clips", done, total));
        });
    if (!opt.quiet)
      stats_progress.finish(
          fmt::format("features: on the fly ({} on {}); training statistics from {} clips",
                      cfg.features.type, s.device.str(), split.train.size()));
    s.source = on_the_fly_source(ds, *s.pipeline, *s.norm);
  } else if (s.cache_table) {
    prepare_cached_table(s, feature_log, opt.quiet);
  } else {
    // features.cache off: the decoded corpus through the pipeline, no cache.
    FeatureTableOptions fto;
    fto.quiet = opt.quiet;
    s.table = feature_table(cfg, ds, *s.pipeline, feature_log, fto);
    Tensor table = s.table.features;  // [clips, ...]
    s.norm = features::normalisation_statistics(table, split.train, cfg.features.normalize);
    features::apply_normalisation_(table, *s.norm);
    s.source = precomputed_source(table);
  }
  s.clip_shape = s.source->clip_shape();
}

// data.genres against what the source holds, before any audio is decoded: a genre it does not
// hold is named beside the ones it does, with the nearest as a did-you-mean, instead of a loader
// failing on it later (or a genre silently left without tracks).
void check_genres_held(const std::vector<std::string>& wanted, const std::vector<std::string>& held,
                       const std::string& where) {
  for (const std::string& g : wanted) {
    if (std::find(held.begin(), held.end(), g) != held.end()) continue;
    const std::string near = config::closest_match(g, held);
    MGR_FAIL("data.genres: '" << g << "' is not a genre of " << where << " (it holds: "
                              << (held.empty() ? std::string("none")
                                               : fmt::format("{}", fmt::join(held, ", ")))
                              << ")"
                              << (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
  }
}

// The genre folders of a GTZAN-layout root, sorted; empty when the root is not a folder (the
// loader then says what the layout should be).
std::vector<std::string> genre_folders(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(root, ec))
    if (e.is_directory(ec)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The loader's options for the folder `root`.
data::GtzanOptions gtzan_options(const config::ExperimentConfig& cfg, const std::string& root) {
  data::GtzanOptions go;
  go.root = root;
  go.genres = cfg.data.genres;
  go.sample_rate = cfg.data.sample_rate;
  go.max_tracks_per_genre = cfg.data.max_tracks_per_genre;
  go.max_track_seconds = cfg.data.max_track_seconds;
  return go;
}

}  // namespace

TrackList select_experiment_tracks(const config::ExperimentConfig& cfg, std::ostream& log,
                                   std::string& root) {
  root = cfg.data.root;
  std::string corpus_manifest;
  if (cfg.data.source == "synthetic") {
    data::SyntheticOptions so;
    so.root = root;
    so.tracks_per_genre = cfg.data.synthetic.tracks_per_genre;
    so.track_seconds = cfg.data.synthetic.track_seconds;
    so.sample_rate = cfg.data.sample_rate;
    so.seed = cfg.data.synthetic.seed;
    root = data::ensure_synthetic_corpus(so, log);
    std::ifstream in(fs::path(root) / "corpus.json");
    std::stringstream text;
    text << in.rdbuf();
    corpus_manifest = text.str();
  }
  const data::GtzanOptions go = gtzan_options(cfg, root);
  // The tracks first (no audio read), then the selections, then decoding of what is left.
  std::vector<data::Track> tracks;
  std::vector<std::string> genres;
  std::string source = root;
  if (cfg.data.source == "manifest") {
    data::ManifestTracks m = data::read_manifest(cfg.data.manifest, cfg.data.genres);
    check_genres_held(cfg.data.genres, m.labels, "the manifest " + cfg.data.manifest);
    tracks = std::move(m.tracks);
    genres = std::move(m.genres);
    source = root = cfg.data.manifest;
  } else if (cfg.data.source == "fma") {
    data::FmaOptions fo;
    fo.metadata = cfg.data.fma.metadata;
    fo.audio_root = cfg.data.root;
    fo.subset = cfg.data.fma.subset;
    fo.genres = cfg.data.genres;
    data::FmaTracks f = data::read_fma(fo);
    check_genres_held(cfg.data.genres, f.found_genres,
                      "the FMA " + fo.subset + " subset (its track/genre_top values)");
    log << "data: FMA " << fo.subset << ": " << f.tracks.size() << " tracks of " << f.genres.size()
        << " genres";
    if (f.without_genre > 0) log << "; " << f.without_genre << " without a genre_top left out";
    if (f.other_genres > 0) log << "; " << f.other_genres << " of other genres left out";
    log << "\n";
    tracks = std::move(f.tracks);
    genres = std::move(f.genres);
    source = "FMA " + fo.subset + " (" + cfg.data.root + ")";
  } else {
    if (cfg.data.source == "gtzan") {
      // A root without any genre folder is the wrong folder altogether (GTZAN's archive nests
      // genres_original/): that is left to the loader, which says what the layout should be.
      const std::vector<std::string> folders = genre_folders(root);
      const auto is_genre_folder = [&](const std::string& f) {
        const std::vector<std::string>& known = data::gtzan_genres();
        return std::find(known.begin(), known.end(), f) != known.end() ||
               std::find(cfg.data.genres.begin(), cfg.data.genres.end(), f) !=
                   cfg.data.genres.end();
      };
      if (std::any_of(folders.begin(), folders.end(), is_genre_folder))
        check_genres_held(cfg.data.genres, folders, "the folder " + root + " (its subfolders)");
    }
    tracks = data::scan_gtzan(go);
    genres = go.genres.empty() ? data::gtzan_genres() : go.genres;
  }
  if (cfg.data.source != "synthetic" && cfg.data.source != "gtzan" &&
      cfg.data.max_tracks_per_genre > 0) {
    // The first N of each genre in track order, as scan_gtzan does for a folder.
    std::vector<int> kept(genres.size(), 0);
    std::vector<data::Track> first;
    for (data::Track& t : tracks)
      if (kept[static_cast<size_t>(t.label)]++ < cfg.data.max_tracks_per_genre)
        first.push_back(std::move(t));
    tracks = std::move(first);
  }
  if (!cfg.data.exclude.empty())
    data::exclude_tracks(tracks, data::read_track_ids(cfg.data.exclude), cfg.data.exclude, log);
  if (cfg.data.split == "gtzan_fault_filtered") data::assign_fault_filtered_parts(tracks, log);
  if (cfg.data.split == "official") {
    // Tracks the corpus's split leaves out are not decoded.
    const size_t before = tracks.size();
    std::erase_if(tracks, [](const data::Track& t) { return t.part == data::TrackPart::None; });
    if (tracks.size() < before)
      log << "data.split official: " << before - tracks.size()
          << " tracks without a split value left out\n";
  }
  TrackList list;
  list.candidates = std::move(tracks);
  list.genres = std::move(genres);
  list.source = source;
  list.corpus_manifest = std::move(corpus_manifest);
  return list;
}

LoadedData load_experiment_data(const config::ExperimentConfig& cfg, std::ostream& log) {
  LoadedData out;
  TrackList list = select_experiment_tracks(cfg, log, out.root);
  const data::GtzanOptions go = gtzan_options(cfg, out.root);
  out.ds = data::decode_tracks(std::move(list.candidates), list.genres, go, list.source, log,
                               &out.report);
  data::segment_clips(out.ds, cfg.data.clip_seconds, cfg.data.clip_hop_seconds, log,
                      cfg.data.pad_short_seconds);
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

std::string default_run_dir(const std::string& name) {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%d-%H%M%S", std::gmtime(&now));
  std::string dir = "runs/" + name + "-" + buf;
  for (int i = 2; fs::exists(dir); ++i) dir = "runs/" + name + "-" + buf + "-" + std::to_string(i);
  return dir;
}

std::unique_ptr<RunSetup> setup_run(const config::ExperimentConfig& cfg, const RunOptions& opt) {
  auto s = std::make_unique<RunSetup>();
  s->cfg = cfg;
  s->device = resolve_device(cfg.device, std::cerr);
  const bool quiet = opt.quiet;
  s->say = [quiet](const std::string& line) {
    if (!quiet) std::cerr << line << "\n";
  };
  s->run_dir = opt.out_dir.empty() ? default_run_dir(cfg.name) : opt.out_dir;
  fs::create_directories(s->run_dir);
  const fs::path dir(s->run_dir);
  s->say(fmt::format("run {}: {} {}", cfg.name,
                     opt.resume && fs::exists(dir / "config.yaml") ? "resuming in" : "writing to",
                     s->run_dir));
  // A resumed protocol may reach runs that never started: those begin like any run.
  s->resume = opt.resume && fs::exists(dir / "config.yaml");
  if (!s->resume) {
    // config.yaml last: --resume takes a run directory with it for one that started.
    const std::string resolved =
        "# resolved configuration of this run (source: " + opt.config_source + ")\n" +
        graph::to_yaml(cfg);
    nlohmann::json env = environment_info(s->device);
    env["config_source"] = opt.config_source;
    env["overrides"] = opt.overrides;
    write_file_atomically((dir / "environment.json").string(),
                          env.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    write_file_atomically((dir / "config.yaml").string(), resolved);
  } else {
    // The first start's environment stays; each resume adds where and on what it continued.
    nlohmann::json env;
    if (std::ifstream in(dir / "environment.json"); in)
      env = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!env.is_object()) env = nlohmann::json::object();
    env["resumes"].push_back(environment_info(s->device));
    write_file_atomically((dir / "environment.json").string(),
                          env.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }

  const auto t_data = Clock::now();
  if (cfg.features.mode == "precomputed" && cfg.features.cache == "auto") {
    // The cache is built a group of tracks at a time (or found): the clip list comes from it and
    // no audio is held; the features wait in its files until prepare_features.
    std::ostringstream discard;
    std::ostream& log = opt.quiet ? static_cast<std::ostream&>(discard) : std::cerr;
    s->pipeline =
        std::make_unique<features::FeaturePipeline>(cfg.features, cfg.data.sample_rate, s->device);
    const TrackList list = select_experiment_tracks(cfg, log, s->loaded.root);
    CacheBuildOptions bo;
    bo.quiet = opt.quiet;
    s->cache_table =
        std::make_unique<CacheTable>(open_cache_table(cfg, list, *s->pipeline, log, bo));
    s->loaded.ds = std::move(s->cache_table->ds);
    s->loaded.report = s->cache_table->report;
  } else {
    s->loaded = load_experiment_data(cfg, std::cerr);
  }
  const data::Dataset& ds = s->loaded.ds;
  s->split_kind = data::parse_split(cfg.data.split);
  // protocol.folds: this run is one fold (framework/experiment/protocol.h runs each in turn).
  MGR_CHECK(cfg.protocol.folds == 0 || cfg.protocol.fold >= 0,
            "protocol.folds is " << cfg.protocol.folds
                                 << " but no protocol.fold is chosen: run the whole protocol with "
                                    "run_protocol (run_experiment does)");
  s->split = cfg.protocol.folds > 0
                 ? data::make_fold_split(ds, s->split_kind, cfg.protocol.folds, cfg.protocol.fold,
                                         config::split_seed_of(cfg))
                 : data::make_split(ds, s->split_kind, cfg.data.split_fractions,
                                    config::split_seed_of(cfg));
  s->num_classes = static_cast<int>(ds.genres.size());
  const data::Split& split = s->split;
  MGR_CHECK(!split.train.empty() && !split.validation.empty() && !split.test.empty(),
            "the split left a part empty (train "
                << split.train.size() << ", validation " << split.validation.size() << ", test "
                << split.test.size() << " clips): "
                << (s->split_kind == data::SplitKind::Assigned ? "the corpus's own split gives no "
                                                                 "track to that part"
                                                               : "use more data"));
  s->say(fmt::format(
      "data: {} tracks ({} skipped), {} clips of {:.2f} s; split {}{}: {} / {} / {} clips",
      ds.tracks.size(), s->loaded.report.skipped, ds.clips.size(), cfg.data.clip_seconds,
      cfg.data.split,
      cfg.protocol.folds > 0 ? fmt::format(", fold {} of {}", cfg.protocol.fold, cfg.protocol.folds)
                             : "",
      split.train.size(), split.validation.size(), split.test.size()));
  const std::vector<data::TrackSides> sides = data::track_sides(ds, split);
  s->tracks_on_two_sides = data::tracks_on_two_sides(sides);
  write_file_atomically((dir / "split.csv").string(), data::split_csv(ds, sides));
  if (s->tracks_on_two_sides > 0)
    s->say(fmt::format(
        "data: note: {} of {} tracks have clips on two sides of the split ({}); its accuracies "
        "are optimistic and are labelled leaky",
        s->tracks_on_two_sides, ds.tracks.size(), cfg.data.split));
  for (const data::Clip& c : ds.clips) {
    s->labels.push_back(c.label);
    s->tracks.push_back(c.track_id);
  }
  s->data_seconds = seconds_since(t_data);

  const auto t_feat = Clock::now();
  prepare_features(*s, opt);
  s->feature_seconds = seconds_since(t_feat);
  return s;
}

nlohmann::json common_metrics(const RunSetup& s) {
  const config::ExperimentConfig& cfg = s.cfg;
  const data::Dataset& ds = s.loaded.ds;
  nlohmann::json m;
  m["experiment"] = cfg.name;
  m["paper"] = cfg.paper;
  m["seed"] = cfg.seed;
  m["device"] = s.device.str();
  m["split"] = cfg.data.split;
  m["split_seed"] = config::split_seed_of(cfg);
  m["leaky"] = s.tracks_on_two_sides > 0;
  m["model_type"] = cfg.model.type;
  m["protocol"] = {{"folds", cfg.protocol.folds},
                   {"fold", cfg.protocol.folds > 0 ? nlohmann::json(cfg.protocol.fold)
                                                   : nlohmann::json(nullptr)}};
  m["data"] = {
      {"source", cfg.data.source},
      {"root", s.loaded.root},
      {"tracks", ds.tracks.size()},
      {"tracks_skipped", s.loaded.report.skipped},
      {"clips", ds.clips.size()},
      {"train_clips", s.split.train.size()},
      {"validation_clips", s.split.validation.size()},
      {"test_clips", s.split.test.size()},
      {"tracks_on_two_sides", s.tracks_on_two_sides},
      {"feature_type", cfg.features.type},
      {"feature_shape", s.clip_shape},
      {"feature_mode", cfg.features.mode},
      {"feature_cache", s.on_the_fly                 ? "off (on_the_fly)"
                        : s.table.cache_path.empty() ? "off"
                                                     : (s.table.cache_hit ? "hit" : "miss")},
      {"feature_storage", s.storage.empty() ? "memory" : s.storage},
      {"feature_table_bytes", s.table_bytes},
      {"standardisation",
       {{"mode", s.norm->mode}, {"mean", s.norm->mean}, {"std", s.norm->stddev}}}};
  m["class_names"] = ds.genres;
  m["paper_test_accuracy"] = cfg.paper_test_accuracy >= 0 ? nlohmann::json(cfg.paper_test_accuracy)
                                                          : nlohmann::json(nullptr);
  return m;
}

nlohmann::json test_metrics(const std::vector<int>& truth, const std::vector<int>& tracks,
                            const std::vector<float>& probs, int num_classes,
                            const std::vector<std::string>& class_names,
                            const std::vector<int>& vote_thresholds) {
  const std::vector<int> pred = argmax_rows(probs, num_classes);
  const ClassificationReport clip_report = classify_report(truth, pred, num_classes);
  const TrackVote vote = vote_by_track(tracks, truth, probs, num_classes);
  const ClassificationReport track_report = classify_report(vote.truth, vote.pred, num_classes);
  // Beside the majority vote: the mean-probability vote, and paper 003's threshold votes.
  const TrackVote mean_vote = vote_by_mean_probability(tracks, truth, probs, num_classes);
  nlohmann::json votes;
  votes["mean_probability"] =
      report_to_json(classify_report(mean_vote.truth, mean_vote.pred, num_classes), class_names);
  votes["thresholds"] = nlohmann::json::array();
  for (int t : vote_thresholds)
    votes["thresholds"].push_back(
        threshold_vote_to_json(threshold_vote(tracks, truth, probs, num_classes, t)));
  return {{"clip_accuracy", clip_report.accuracy},
          {"track_accuracy", track_report.accuracy},
          {"clip", report_to_json(clip_report, class_names)},
          {"track", report_to_json(track_report, class_names)},
          {"track_votes", votes}};
}

}  // namespace mgr::train
