// End to end on CPU: synthetic corpus -> log-mel -> CRNN training -> metrics, small enough for
// CI. Asserts that the model learns (well above the 10% of chance) and that a second run with
// the same seed reproduces the metrics exactly.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/graph/resolved_config.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;

config::ExperimentConfig small_config(const std::string& corpus) {
  config::ExperimentConfig c;
  c.name = "e2e";
  c.device = "cpu";
  c.seed = 3;
  c.data.root = corpus;
  c.data.sample_rate = 11025;
  c.data.clip_seconds = 2.0;
  c.data.clip_hop_seconds = 2.0;
  c.data.split = "random_clips";
  c.data.synthetic.tracks_per_genre = 6;
  c.data.synthetic.track_seconds = 8.0;
  c.features.n_fft = 512;
  c.features.hop_length = 256;
  c.features.n_mels = 40;
  c.features.cache_dir = (fs::path(corpus).parent_path() / "cache").string();  // in the temp folder
  // The default network (paper 001's CRNN), narrower: layers are addressed by name.
  auto set = [&](const char* layer, const char* key, const char* value) {
    for (auto& l : c.model.layers)
      if (l.name == layer) l.set(key, value, "test");
  };
  set("conv1", "channels", "8");
  set("conv2", "channels", "16");
  set("gru", "units", "32");
  set("dense", "units", "32");
  set("dropout", "rate", "0.1");
  c.train.batch_size = 16;
  c.train.epochs = 12;
  c.train.lr = 3e-3;
  c.evaluation.vote_thresholds = {2};
  return c;
}

TEST(EndToEnd, CrnnLearnsSyntheticGenresAndIsDeterministic) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_e2e_test";
  fs::remove_all(tmp);
  const config::ExperimentConfig cfg = small_config((tmp / "corpus").string());
  experiment::resolve(cfg);
  train::RunOptions opt;
  opt.quiet = true;
  opt.out_dir = (tmp / "run1").string();
  const train::RunResult a = train::run_experiment(experiment::resolve(cfg), opt);
  opt.out_dir = (tmp / "run2").string();
  const train::RunResult b = train::run_experiment(experiment::resolve(cfg), opt);

  // The second run read the features the first one cached, and trained on the same numbers.
  EXPECT_EQ(a.metrics["data"]["feature_cache"], "miss");
  EXPECT_EQ(b.metrics["data"]["feature_cache"], "hit");
  const double acc = a.metrics["test"]["clip_accuracy"].get<double>();
  std::cout << "end-to-end test clip accuracy " << acc << ", track accuracy "
            << a.metrics["test"]["track_accuracy"].get<double>() << "\n";
  EXPECT_GT(acc, 0.35) << "chance is 0.10";
  EXPECT_GT(a.metrics["test"]["track_accuracy"].get<double>(), 0.35);
  EXPECT_EQ(a.metrics["test"], b.metrics["test"]) << "same seed, same metrics";
  EXPECT_EQ(a.metrics["history"], b.metrics["history"]);
  // Track decisions beside the majority vote: the mean-probability vote and the threshold vote.
  const auto& votes = a.metrics["test"]["track_votes"];
  EXPECT_GT(votes["mean_probability"]["accuracy"].get<double>(), 0.35);
  ASSERT_EQ(votes["thresholds"].size(), 1u);
  EXPECT_EQ(votes["thresholds"][0]["T"], 2);
  EXPECT_LE(votes["thresholds"][0]["plurality_reaches_T"].get<double>(),
            a.metrics["test"]["track_accuracy"].get<double>() + 1e-12);

  for (const char* f : {"config.yaml", "environment.json", "history.csv", "metrics.json",
                        "best_model.h5", "model_summary.txt", "table_row.md", "learning_curves.svg",
                        "confusion_clip.svg", "confusion_track.csv"})
    EXPECT_TRUE(fs::exists(tmp / "run1" / f)) << f;
  // The resolved config written into the run directory reads back to the same experiment.
  const config::ExperimentConfig back = experiment::load((tmp / "run1" / "config.yaml").string());
  EXPECT_EQ(graph::to_yaml(back), graph::to_yaml(cfg));
  std::ifstream row(tmp / "run1" / "table_row.md");
  std::string all((std::istreambuf_iterator<char>(row)), {});
  EXPECT_NE(all.find("leaky"), std::string::npos);
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace mgr

namespace mgr {
namespace {

// features.mode on_the_fly computes every batch through the device pipeline instead of gathering
// rows of a table: same features, same statistics (one streamed chunk), so the same run.
TEST(EndToEnd, OnTheFlyFeaturesTrainExactlyLikePrecomputed) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_e2e_otf_test";
  fs::remove_all(tmp);
  config::ExperimentConfig cfg = small_config((tmp / "corpus").string());
  cfg.data.synthetic.tracks_per_genre = 3;
  cfg.train.epochs = 2;
  cfg.features.cache = "off";
  train::RunOptions opt;
  opt.quiet = true;
  opt.out_dir = (tmp / "pre").string();
  const train::RunResult a = train::run_experiment(experiment::resolve(cfg), opt);
  cfg.features.mode = "on_the_fly";
  opt.out_dir = (tmp / "otf").string();
  const train::RunResult b = train::run_experiment(experiment::resolve(cfg), opt);
  EXPECT_EQ(b.metrics["data"]["feature_cache"], "off (on_the_fly)");
  EXPECT_EQ(b.metrics["data"]["feature_mode"], "on_the_fly");
  EXPECT_EQ(a.metrics["data"]["feature_shape"], b.metrics["data"]["feature_shape"]);
  EXPECT_EQ(a.metrics["data"]["standardisation"], b.metrics["data"]["standardisation"]);
  EXPECT_EQ(a.metrics["history"], b.metrics["history"]);
  EXPECT_EQ(a.metrics["test"], b.metrics["test"]);
  fs::remove_all(tmp);
}

TEST(EndToEnd, NonFiniteLossStopsTheRunWithAMessage) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_e2e_nan_test";
  fs::remove_all(tmp);
  config::ExperimentConfig cfg = small_config((tmp / "corpus").string());
  cfg.data.synthetic.tracks_per_genre = 2;
  cfg.data.split = "random_clips";
  cfg.train.epochs = 3;
  cfg.train.lr = 1e30;  // Adam moves every weight by ~lr per step: the logits overflow at once
  train::RunOptions opt;
  opt.quiet = true;
  opt.out_dir = (tmp / "run").string();
  try {
    train::run_experiment(experiment::resolve(cfg), opt);
    FAIL() << "expected the run to stop";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("training stopped: the loss became"), std::string::npos)
        << e.what();
  }
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace mgr
