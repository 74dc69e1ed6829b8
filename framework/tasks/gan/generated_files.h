// A finished GAN run directory asked for new spectrograms (the `generate` tool): the resolved
// config.yaml, gan.json and generator.h5 are read back, n latent vectors are drawn, and the
// generator's [-1, 1] output is turned back into log-mel dB with the run's scaling.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/graph/graph_model.h"

namespace mgr::gan {

class LoadedGenerator {
 public:
  // Throws mgr::Error naming the missing or inconsistent file.
  static LoadedGenerator load(const std::string& run_dir, const std::string& device = "auto");

  const config::ExperimentConfig& config() const { return cfg_; }
  const nlohmann::json& mel() const { return mel_; }  // gan.json
  const std::vector<std::string>& genres() const { return genres_; }
  bool conditional() const { return cfg_.model.gan.conditional; }
  graph::GraphModel& generator() { return *generator_; }

 private:
  config::ExperimentConfig cfg_;
  nlohmann::json mel_;
  std::vector<std::string> genres_;
  std::shared_ptr<graph::GraphModel> generator_;
};

// n generated spectrograms in log-mel dB, [n, n_mels, frames] row-major (channel 1 dropped).
struct GeneratedMels {
  int64_t n = 0;
  int bands = 0, frames = 0;
  std::vector<float> db;    // [-top_db, 0]
  std::vector<float> unit;  // the generator's own output in [-1, 1]
  std::string genre;        // "" for an unconditional generator
  uint64_t seed = 0;
};

// `genre` must be one of genres() for a conditional generator and empty (or any, ignored with
// a note in `note`) for an unconditional one.
GeneratedMels generate_mels(LoadedGenerator& g, const std::string& genre, int64_t n, uint64_t seed);

// Writes DIR/generated.h5 (datasets log_mel_db and unit [n, n_mels, frames]; attributes: every
// gan.json mel parameter, genre, seed, run), DIR/sample_NNN.png per spectrogram and
// DIR/grid.png; returns the files written. The attribute `datasets` describes the two datasets.
std::vector<std::string> write_generated(const std::string& dir, const GeneratedMels& mels,
                                         const LoadedGenerator& g, const std::string& run_dir);

}  // namespace mgr::gan
