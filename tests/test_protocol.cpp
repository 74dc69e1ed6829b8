// Protocols (framework/experiment/protocol.h): the runs of protocol.seeds x protocol.folds, their
// statistics, and a whole 3-fold protocol of the tiny experiment whose aggregate metrics.json
// must hold exactly the figures of the run directories beside it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "framework/config/yaml_config.h"
#include "framework/engine/run_setup.h"
#include "framework/experiment/load.h"
#include "framework/experiment/protocol.h"
#include "framework/results/tables.h"
#include "kernels/error.h"
#include "tests/temp_dir.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;

const std::string kTiny = std::string(MGR_SOURCE_DIR) + "/tests/data/sweep/tiny.yaml";

TEST(Protocol, RunsAreSeedsTimesFolds) {
  config::ExperimentConfig c;
  c.seed = 9;
  auto runs = train::protocol_runs(c);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].seed, 9u);
  EXPECT_EQ(runs[0].fold, -1);
  EXPECT_EQ(runs[0].subdir, "");

  c.protocol.seeds = {1, 2};
  c.protocol.folds = 3;
  runs = train::protocol_runs(c);
  ASSERT_EQ(runs.size(), 6u);
  EXPECT_EQ(runs[0].subdir, "seed-1-fold-0");
  EXPECT_EQ(runs[5].subdir, "seed-2-fold-2");
  EXPECT_EQ(runs[4].seed, 2u);
  EXPECT_EQ(runs[4].fold, 1);
  const config::ExperimentConfig one = train::run_config(c, runs[4]);
  EXPECT_EQ(one.seed, 2u);
  EXPECT_TRUE(one.protocol.seeds.empty());
  EXPECT_EQ(one.protocol.fold, 1);
  EXPECT_EQ(train::protocol_runs(one).size(), 1u) << "a run's own config is one run";

  c.protocol.seeds.clear();
  c.protocol.fold = 2;
  runs = train::protocol_runs(c);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].fold, 2);
  EXPECT_EQ(runs[0].seed, 9u);
}

TEST(Protocol, ConfigChecksFoldAgainstFolds) {
  EXPECT_NO_THROW(experiment::load(kTiny, {"protocol.folds=3", "protocol.fold=2"}));
  for (const char* bad : {"protocol.folds=2", "protocol.fold=3"}) {
    try {
      experiment::load(kTiny, {"protocol.folds=3", bad});
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  try {
    experiment::load(kTiny, {"protocol.seeds=[1, 1]"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no duplicates"), std::string::npos) << e.what();
  }
}

TEST(Protocol, SummaryStatisticsUseTheSampleStandardDeviation) {
  const nlohmann::json s = train::summary_statistics({0.5, 0.6, 0.7});
  EXPECT_NEAR(s["mean"].get<double>(), 0.6, 1e-12);
  EXPECT_NEAR(s["std"].get<double>(), 0.1, 1e-12);
  EXPECT_EQ(s["n"].get<int>(), 3);
  EXPECT_EQ(s["min"].get<double>(), 0.5);
  EXPECT_EQ(train::summary_statistics({0.25})["std"].get<double>(), 0.0);
  // A single run shows its figure alone: "± 0.000" would read as a measured zero spread.
  EXPECT_EQ(results::mean_std_cell({0.25}), "0.250 (one run)");
  EXPECT_EQ(results::mean_std_cell({0.5, 0.6, 0.7}), "0.600 ± 0.100 (n=3)");
}

// data.split_seed fixes the folds whatever the experiment seed; unset (0), the seed draws them.
TEST(Protocol, SplitSeedKeepsTheFoldsAcrossExperimentSeeds) {
  test::TempDir tmp("split_seed");
  const auto test_clips = [&](const std::string& seed, const std::string& split_seed) {
    const config::ExperimentConfig cfg = experiment::load(
        kTiny,
        {"data.root=" + tmp.file("corpus"), "features.cache_dir=" + tmp.file("cache"),
         "protocol.folds=3", "protocol.fold=1", "seed=" + seed, "data.split_seed=" + split_seed});
    train::RunOptions opt;
    opt.quiet = true;
    opt.out_dir = tmp.file("run-" + seed + "-" + split_seed);
    const auto setup = train::setup_run(experiment::resolve(cfg).cfg, opt);
    EXPECT_EQ(train::common_metrics(*setup)["split_seed"],
              split_seed == "0" ? std::stoull(seed) : std::stoull(split_seed));
    return setup->split.test;
  };
  const std::vector<int> seed1 = test_clips("1", "0");
  EXPECT_EQ(test_clips("2", "1"), seed1) << "split_seed 1: seed 1's folds";
  EXPECT_EQ(test_clips("3", "1"), seed1);
  EXPECT_NE(test_clips("2", "0"), seed1) << "no split_seed: seed 2 draws its own folds";
}

TEST(Protocol, ThreeFoldsWriteRunsAndTheirAggregate) {
  test::TempDir tmp("protocol");
  config::ExperimentConfig cfg = experiment::load(
      kTiny, {"data.root=" + tmp.file("corpus"), "features.cache_dir=" + tmp.file("cache"),
              "protocol.folds=3", "train.epochs=1"});
  train::RunOptions opt;
  opt.quiet = true;
  opt.out_dir = tmp.file("exp");
  const train::RunResult r = train::run_protocol(experiment::resolve(cfg), opt);
  EXPECT_EQ(r.run_dir, tmp.file("exp"));
  std::ifstream in(tmp.file("exp/metrics.json"));
  const nlohmann::json a = nlohmann::json::parse(in);
  EXPECT_EQ(a, r.metrics);
  ASSERT_EQ(a["runs"].size(), 3u);
  EXPECT_EQ(a["protocol"]["folds"], 3);
  EXPECT_FALSE(a["leaky"].get<bool>());
  size_t tested = 0, clips = 0;
  std::vector<double> clip_acc;
  for (int f = 0; f < 3; ++f) {
    const fs::path dir = tmp.path / "exp" / ("fold-" + std::to_string(f));
    std::ifstream min(dir / "metrics.json");
    const nlohmann::json m = nlohmann::json::parse(min);
    EXPECT_EQ(m["protocol"]["fold"], f);
    EXPECT_EQ(a["runs"][static_cast<size_t>(f)]["dir"], "fold-" + std::to_string(f));
    EXPECT_EQ(a["runs"][static_cast<size_t>(f)]["clip_accuracy"], m["test"]["clip_accuracy"]);
    EXPECT_EQ(a["runs"][static_cast<size_t>(f)]["track_macro_f1"], m["test"]["track"]["macro_f1"]);
    clip_acc.push_back(m["test"]["clip_accuracy"].get<double>());
    tested += m["data"]["test_clips"].get<size_t>();
    clips = m["data"]["clips"].get<size_t>();
    EXPECT_TRUE(fs::exists(dir / "config.yaml"));
    // split.csv: each track once, on one side only (track folds), the fold's test clips in it.
    std::ifstream split_in(dir / "split.csv");
    std::string line;
    std::getline(split_in, line);
    EXPECT_EQ(line, "track,path,genre,train_clips,validation_clips,test_clips");
    size_t rows = 0, split_test = 0;
    while (std::getline(split_in, line)) {
      ++rows;
      const auto last = line.rfind(','), mid = line.rfind(',', last - 1),
                 first = line.rfind(',', mid - 1);
      const int tr = std::stoi(line.substr(first + 1)), va = std::stoi(line.substr(mid + 1)),
                te = std::stoi(line.substr(last + 1));
      EXPECT_LE((tr > 0) + (va > 0) + (te > 0), 1) << line;
      split_test += static_cast<size_t>(te);
    }
    EXPECT_EQ(rows, m["data"]["tracks"].get<size_t>());
    EXPECT_EQ(split_test, m["data"]["test_clips"].get<size_t>());
    EXPECT_EQ(m["data"]["tracks_on_two_sides"], 0);
    // The run's resolved config reruns that fold alone.
    const config::ExperimentConfig back = experiment::load((dir / "config.yaml").string());
    EXPECT_EQ(back.protocol.fold, f);
    EXPECT_EQ(train::protocol_runs(back).size(), 1u);
  }
  EXPECT_EQ(tested, clips) << "the three test folds cover every clip once";
  EXPECT_EQ(a["aggregate"]["clip_accuracy"], train::summary_statistics(clip_acc));
  std::ifstream t(tmp.file("exp/table_row.md"));
  const std::string table((std::istreambuf_iterator<char>(t)), std::istreambuf_iterator<char>());
  EXPECT_NE(table.find("3-fold, 1 seed"), std::string::npos) << table;
  EXPECT_NE(table.find("no track on two sides"), std::string::npos) << table;
}

}  // namespace
}  // namespace mgr

namespace mgr::train {
namespace {

// A run's metrics with just what aggregate_metrics reads; `variants` as a tree run writes them.
nlohmann::json fake_tree_run(double hard, double soft, double flat, bool leaky) {
  const auto test = [](double acc) {
    return nlohmann::json{{"clip_accuracy", acc},
                          {"track_accuracy", acc},
                          {"clip", {{"macro_f1", acc}, {"confusion_matrix", {{1, 0}, {0, 1}}}}},
                          {"track", {{"macro_f1", acc}, {"confusion_matrix", {{1, 0}, {0, 1}}}}}};
  };
  const auto figures = [](double acc) {
    return nlohmann::json{{"clip_accuracy", acc},
                          {"track_accuracy", acc},
                          {"clip_macro_f1", acc},
                          {"track_macro_f1", acc}};
  };
  return {{"experiment", "hierarchical"},
          {"split", "track_stratified"},
          {"leaky", leaky},
          {"seed", 1},
          {"protocol", {{"folds", 3}, {"fold", 0}}},
          {"test", test(hard)},
          {"variants",
           {{"tree, hard routing", figures(hard)},
            {"tree, soft routing", figures(soft)},
            {"flat baseline", figures(flat)}}}};
}

// Under folds a tree run aggregates what its paper's claim needs: both routings and the flat
// baseline, each mean ± std, in metrics.json and in the table row; one leaky run makes the
// aggregate leaky.
TEST(Protocol, TreeFoldsAggregateBothRoutingsAndTheFlatBaseline) {
  const nlohmann::json a =
      aggregate_metrics({fake_tree_run(0.5, 0.6, 0.7, false), fake_tree_run(0.7, 0.8, 0.9, false),
                         fake_tree_run(0.6, 0.7, 0.8, false)},
                        {"fold-0", "fold-1", "fold-2"});
  EXPECT_NEAR(a["variants"]["tree, soft routing"]["clip_accuracy"]["mean"].get<double>(), 0.7,
              1e-12);
  EXPECT_NEAR(a["variants"]["flat baseline"]["track_accuracy"]["std"].get<double>(), 0.1, 1e-12);
  EXPECT_EQ(a["variants"]["tree, hard routing"]["clip_accuracy"]["n"], 3);
  EXPECT_FALSE(a["leaky"].get<bool>());
  const std::string table = aggregate_table(a);
  EXPECT_NE(table.find("| hierarchical (flat baseline) | track_stratified | 3-fold, 1 seed | "
                       "0.8000 ± 0.1000 (n=3)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| hierarchical (tree, soft routing) |"), std::string::npos) << table;
  EXPECT_TRUE(
      aggregate_metrics({fake_tree_run(0.5, 0.6, 0.7, false), fake_tree_run(0.5, 0.6, 0.7, true)},
                        {"a", "b"})["leaky"]
          .get<bool>());
  // One run: its figure alone, no "± 0.0000".
  const std::string one =
      aggregate_table(aggregate_metrics({fake_tree_run(0.5, 0.6, 0.7, false)}, {"a"}));
  EXPECT_NE(one.find("0.5000 (one run)"), std::string::npos) << one;
  EXPECT_EQ(one.find("±"), std::string::npos) << one;
}

}  // namespace
}  // namespace mgr::train
