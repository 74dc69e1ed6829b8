// Tiny trained run directories for the classify tests (a network and a tree on a synthetic
// corpus, about a second each on a CPU), trained once per test binary and removed at exit.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "tests/temp_dir.h"

namespace mgr::test {

struct TinyRun {
  TempDir tmp;
  config::ExperimentConfig cfg;
  train::RunResult result;
  explicit TinyRun(const std::string& name) : tmp(name) {}
};

// Overlapping 1 s clips every 0.5 s, per_band standardisation, a GRU on MFCCs.
inline std::string tiny_run_yaml(const std::string& corpus, const std::string& model) {
  return R"(name: classify_tiny
paper: "test"
device: cpu
seed: 3
data:
  root: )" +
         corpus +
         R"(
  genres: [blues, classical, metal, pop]
  sample_rate: 11025
  clip_seconds: 1.0
  clip_hop_seconds: 0.5
  split_fractions: [0.5, 0.25, 0.25]
  synthetic: {tracks_per_genre: 4, track_seconds: 3.2}
features: {type: mfcc, n_fft: 512, hop_length: 256, n_mels: 40, n_mfcc: 13, normalize: per_band,
           upload: int16, cache: "off"}
)" + model +
         R"(
train: {batch_size: 8, iterations: 12, lr: 0.01}
evaluation: {vote_thresholds: [2]}
)";
}

inline const TinyRun& tiny_run(bool tree) {
  auto train_one = [](bool is_tree) {
    auto* r = new TinyRun(is_tree ? "classify_tree_run" : "classify_network_run");
    const std::string layers = R"(  layers:
    - {name: seq, type: to_sequence}
    - {name: rnn, type: gru, units: 12}
)";
    const std::string model =
        is_tree ? "model:\n  type: tree\n  tree_baseline: false\n" + layers +
                      R"(    - {name: out, type: dense, units: children}
  tree:
    - {name: root, children: [calm, loud]}
    - {name: calm, children: [blues, classical]}
    - {name: loud, children: [metal, pop]})"
                : "model:\n" + layers + "    - {name: out, type: dense, units: num_classes}";
    const experiment::Experiment e =
        experiment::parse(tiny_run_yaml(r->tmp.file("corpus"), model), "tiny.yaml");
    r->cfg = e.cfg;
    train::RunOptions opt;
    opt.quiet = true;
    opt.out_dir = r->tmp.file("run");
    r->result = train::run_experiment(e, opt);
    return std::unique_ptr<TinyRun>(r);
  };
  if (tree) {
    static const std::unique_ptr<TinyRun> t = train_one(true);
    return *t;
  }
  static const std::unique_ptr<TinyRun> network = train_one(false);
  return *network;
}

// The classify binary next to the test binary (both go to the build's bin/).
inline std::string classify_binary() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "classify").string();
}

// A whole text file ("" when absent): a tool's captured output.
inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace mgr::test
