// extract_features FILE.yaml [--set key=value ...] [--out cache.h5] [--device ...]
// Computes the features an experiment describes (any features.type, clip-level vectors
// included) for every clip of its corpus and writes them to the HDF5 feature cache, with a
// progress line (clips/s, ETA). run_experiment then reads the same file when features.cache is
// auto. Prints where it wrote; a valid cache with the same key is reused, not recomputed.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/features/pipeline.h"
#include "framework/store/feature_table.h"

int main(int argc, char** argv) {
  CLI::App app{"mgr: compute an experiment's features and write them to the HDF5 feature cache"};
  std::string file, out, device;
  std::vector<std::string> overrides;
  app.add_option("config", file, "experiment YAML (e.g. experiments/crnn_gru.yaml)")->required();
  app.add_option("--set", overrides, "override a config key, e.g. --set features.type=mfcc");
  app.add_option("--out", out, "cache file (default: <features.cache_dir>/<type>-<key>.h5)");
  app.add_option("--device", device, "auto | cpu | cuda | cuda:N (same as --set device=...)");
  CLI11_PARSE(app, argc, argv);
  if (!device.empty()) overrides.push_back("device=" + device);
  try {
    using namespace mgr;
    const config::ExperimentConfig cfg = experiment::load(file, overrides);
    const Device dev = resolve_device(cfg.device, std::cerr);
    train::LoadedData data = train::load_experiment_data(cfg, std::cerr);
    features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, dev);
    std::cerr << fmt::format("extract_features: {} clips of {:.2f} s from {}, {} on {}\n",
                             data.ds.clips.size(), cfg.data.clip_seconds, data.root,
                             pipeline.describe(), dev.str());
    train::FeatureTableOptions opt;
    opt.corpus_root = data.root;
    opt.out_path = out;
    opt.force_cache = true;  // features.cache = off would make this program pointless
    const train::FeatureTable t = train::feature_table(cfg, data.ds, pipeline, std::cerr, opt);
    std::cout << t.cache_path << "\n";
  } catch (const std::exception& e) {
    std::cerr << "extract_features: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
