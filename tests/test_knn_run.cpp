// model.type knn end to end on CPU: one clip vector per track (mfcc_stats), fitted on the
// training split, test clips classified by their neighbours; and its config errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/results/html_report.h"
#include "kernels/error.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string knn_yaml(const fs::path& corpus) {
  return R"(name: knn_small
paper: "test"
device: cpu
data:
  root: )" +
         corpus.string() +
         R"(
  genres: [classical, metal, pop]
  sample_rate: 11025
  clip_seconds: 2.0
  split_fractions: [0.5, 0.25, 0.25]
  synthetic: {tracks_per_genre: 8, track_seconds: 4.0}
features: {type: mfcc_stats, n_fft: 512, hop_length: 256, n_mels: 40, n_mfcc: 13,
           normalize: none, cache: "off"}
model:
  type: knn
  knn: {k: 3}
)";
}

TEST(KnnRun, ClassifiesTestClipsAndWritesTheRunDirectory) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_knn_run_test";
  fs::remove_all(tmp);
  const config::ExperimentConfig cfg = experiment::parse(knn_yaml(tmp / "corpus"), "knn.yaml");
  train::RunOptions opt;
  opt.quiet = true;
  opt.out_dir = (tmp / "run").string();
  const nlohmann::json m = train::run_experiment(experiment::resolve(cfg), opt).metrics;
  EXPECT_EQ(m["model_type"], "knn");
  EXPECT_EQ(m["knn"]["k"], 3);
  EXPECT_EQ(m["knn"]["columns"], 26);
  EXPECT_EQ(m["test"]["clip"]["n"], m["data"]["test_clips"]);
  // Classical, metal and pop of the synthetic corpus differ plainly in timbre: well above the
  // 1/3 of chance with 13 MFCC means and variances.
  EXPECT_GT(m["test"]["clip_accuracy"].get<double>(), 0.6);
  for (const char* f : {"metrics.json", "config.yaml", "table_row.md", "confusion_clip.svg"})
    EXPECT_TRUE(fs::exists(tmp / "run" / f)) << f;
  EXPECT_FALSE(fs::exists(tmp / "run" / "learning_curves.svg")) << "a KNN has no epochs";
  // The report's KNN section: its settings and validation accuracy, no learning curve.
  const std::string html =
      results::html_report((tmp / "run").string(), {.spectrograms_per_genre = 0});
  EXPECT_THAT(html, ::testing::HasSubstr("<section class='kind kind-knn'>"));
  EXPECT_THAT(html, ::testing::HasSubstr("k nearest neighbours</h3>"));
  EXPECT_THAT(html, ::testing::HasSubstr("<tr><th>k</th><td>3</td></tr>"));
  EXPECT_THAT(html,
              ::testing::HasSubstr(
                  "<tr><th>columns</th><td>26 (standardised on the training split)</td></tr>"));
  EXPECT_THAT(html, ::testing::Not(::testing::HasSubstr("learning curves")));
  fs::remove_all(tmp);
}

// Paper 000's fusion: concatenated clip vectors, one distance weight per group. A weight of 0
// on every group but one gives exactly the KNN on that group's vector alone.
TEST(KnnRun, GroupWeightsSelectAndWeighTheConcatenatedParts) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_knn_run_weights";
  fs::remove_all(tmp);
  const std::string y = knn_yaml(tmp / "corpus");
  train::RunOptions opt;
  opt.quiet = true;
  auto run = [&](const std::string& out, const std::vector<std::string>& sets) {
    opt.out_dir = (tmp / out).string();
    return train::run_experiment(experiment::parse(y, "knn.yaml", sets), opt).metrics;
  };
  const nlohmann::json fused =
      run("fused", {"features.type=vectors", "features.vectors=[mfcc_stats, spectral]",
                    "model.knn.groups=[mfcc_stats, spectral]", "model.knn.weights=[0, 1]"});
  const nlohmann::json alone = run("alone", {"features.type=spectral"});
  EXPECT_EQ(fused["knn"]["columns"], 26 + 15);
  EXPECT_EQ(fused["test"]["clip"]["confusion_matrix"], alone["test"]["clip"]["confusion_matrix"])
      << "weight 0 removes the MFCC part from the distance";
  fs::remove_all(tmp);
}

TEST(KnnRun, GroupWeightsNeedOneWeightPerGroupAndAKnownGroup) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_knn_run_groups";
  const std::string y = knn_yaml(tmp / "corpus");
  try {
    experiment::parse(y, "knn.yaml", {"model.knn.groups=[mfcc_stats]"});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("model.knn.weights: must give one weight per group of "
                                    "model.knn.groups (1), got 0"));
  }
  try {
    experiment::parse(y, "knn.yaml",
                      {"model.knn.groups=[pitch]", "model.knn.weights=[2]", "features.type=vectors",
                       "features.vectors=[spectral, rhythm]"});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("model.knn.groups: no feature group named 'pitch'; the groups "
                                    "of features.type vectors are spectral, rhythm"));
  }
}

}  // namespace
}  // namespace mgr
