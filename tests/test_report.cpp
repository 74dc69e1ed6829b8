// The HTML report (framework/results/html_report.h) of a real sweep of the tiny experiment:
// self-contained (no file or network reference), every section present, the sweep's plot per
// varied key, one embedded spectrogram image per genre and clip, and the table's figures those
// of the run directories. (scripts/report/check_in_chromium.sh renders such a page in a
// browser; .ci/run runs it.) Tables in LaTeX and HTML from the same runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "framework/engine/html.h"
#include "framework/results/html_report.h"
#include "framework/results/tables.h"
#include "framework/tasks/gan/gan_run.h"
#include "kernels/error.h"
#include "tests/classify_runs.h"
#include "tests/temp_dir.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kTiny = std::string(MGR_SOURCE_DIR) + "/tests/data/sweep/tiny.yaml";

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(Report, SweepPageIsSelfContainedWithEverySection) {
  const std::string sweep = (fs::read_symlink("/proc/self/exe").parent_path() / "sweep").string();
  if (!fs::exists(sweep)) GTEST_SKIP() << "sweep not built";
  test::TempDir dir("report");
  std::ofstream(dir.file("s.yaml"))
      << "name: rep\nexperiment: " << kTiny << "\nout: " << dir.file("out")
      << "\nset:\n  data.root: " << dir.file("corpus")
      << "\n  features.cache_dir: " << dir.file("cache") << "\n  train.epochs: 1\n"
      << "grid:\n  data.split: [random_clips, track_stratified]\n"
      << "protocol: {seeds: [1, 2]}\n";
  const int st = std::system((sweep + " " + dir.file("s.yaml") + " >/dev/null 2>&1").c_str());
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);

  const std::string html = results::html_report(dir.file("out"));
  EXPECT_THAT(html, HasSubstr("<title>mgr report: sweep rep</title>"));
  for (const char* section :
       {"Results", "Metric against each varied key", "Runs", "Confusion matrices", "Per-class F1",
        "Input spectrograms", "Configuration"})
    EXPECT_THAT(html, HasSubstr(std::string("<h2>") + section + "</h2>"));
  // Nothing outside the page: no links, scripts or styles from elsewhere, images inline.
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("href=")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_FALSE(std::regex_search(html, std::regex("src=['\"](?!data:)")));
  // 4 genres x 2 clips, BMP ("BM" is "Qk" in base64).
  EXPECT_EQ(count(html, "src='data:image/bmp;base64,Qk"), 8u);
  EXPECT_THAT(html, HasSubstr("test accuracy by data.split"));
  EXPECT_THAT(html, HasSubstr("4 runs of <b>tiny</b>"));
  EXPECT_THAT(html, HasSubstr("2 of them on a leaky split"));
  EXPECT_EQ(count(html, "accuracy per epoch"), 4u) << "a learning curve per run";
  // The sweep table's figures are the runs'.
  const std::vector<results::RunRecord> runs = results::collect_runs({dir.file("out")});
  ASSERT_EQ(runs.size(), 4u);
  for (const std::string split : {"random_clips", "track_stratified"}) {
    std::vector<double> clip;
    for (const auto& r : runs)
      if (r.metrics["split"] == split)
        clip.push_back(r.metrics["test"]["clip_accuracy"].get<double>());
    ASSERT_EQ(clip.size(), 2u);
    EXPECT_THAT(html, HasSubstr(train::html_escape(results::mean_std_cell(clip))));
    const std::string latex = results::render(runs, "latex");
    EXPECT_THAT(latex, HasSubstr(results::mean_std_cell(clip, "$\\pm$")));
  }
  const std::string latex = results::render(runs, "latex");
  for (const char* rule : {"\\toprule", "\\midrule", "\\bottomrule"})
    EXPECT_EQ(count(latex, rule), 2u) << rule << " per table (experiments, sweep)";
  EXPECT_THAT(latex, HasSubstr("data.split & split & clip acc"));
  EXPECT_THAT(latex, HasSubstr("random\\_clips (leaky)"));
  EXPECT_THAT(results::render(runs, "html"), HasSubstr("<th>no track on two sides: clip acc</th>"));
  EXPECT_THROW(results::render(runs, "xlsx"), Error);
}

TEST(Report, BmpHasItsHeaderAndSize) {
  const std::string uri = train::bmp_data_uri({0, 1, 2, 3, 4, 5}, 2, 3);
  ASSERT_EQ(uri.rfind("data:image/bmp;base64,", 0), 0u);
  // 14 + 40 + 1024 palette + 2 rows of 4 bytes = 1086 bytes -> 1448 base64 characters.
  EXPECT_EQ(uri.size() - std::string("data:image/bmp;base64,").size(), 1448u);
  EXPECT_EQ(uri.substr(22, 4), "Qk0+") << "'BM' and the size 1086 (0x43e) little-endian";
  EXPECT_THROW(train::bmp_data_uri({1, 2}, 2, 3), Error);
}

// A tree run's section: the tree picture, one table row per node and the final accuracies under
// both routings, and every node's learning curves (nodes/<name>/ in metrics.json).
TEST(Report, TreeRunShowsTheTreeEveryNodeAndTheirCurves) {
  const test::TinyRun& run = test::tiny_run(/*tree=*/true);
  const std::string html = results::html_report(run.result.run_dir, {.spectrograms_per_genre = 0});
  EXPECT_THAT(html, HasSubstr("<section class='kind kind-tree'>"));
  EXPECT_THAT(html, HasSubstr("a tree of classifiers</h3>"));
  for (const char* node : {"root", "calm", "loud"}) {
    EXPECT_THAT(html, HasSubstr(std::string("<tr><td>") + node + "</td>")) << node;
    EXPECT_THAT(html, HasSubstr(std::string("<figcaption>node ") + node + "</figcaption>")) << node;
  }
  EXPECT_THAT(html, HasSubstr("<td>final (hard routing)</td>"));
  EXPECT_THAT(html, HasSubstr("<td>final (soft routing)</td>"));
  EXPECT_EQ(count(html, "<figcaption>node "), 3u);
  EXPECT_THAT(html, Not(HasSubstr("No training history")));
}

// A GAN's section from its metrics alone: the quality table, and the Frechet curve once the run
// holds several measured epochs (quality.by_epoch); missing plots and grids are said, not hidden.
TEST(Report, GanSectionDrawsTheFrechetCurveFromMeasuredEpochs) {
  test::TempDir dir("gan_section");
  nlohmann::json m;
  m["gan"] = {{"epochs_run", 3},
              {"iterations_run", 30},
              {"generator_parameters", 10},
              {"discriminator_parameters", 20},
              {"conditional", true},
              {"final",
               {{"epoch", 3}, {"d_loss", 1.2}, {"g_loss", 0.8}, {"d_real", 0.6}, {"d_fake", 0.4}}}};
  m["quality"] = {{"classifier_run", "runs/judge"},
                  {"generated", {{"frechet_distance", 3.5}, {"genre_accuracy", 0.25}}},
                  {"held_back", {{"frechet_distance", 0.5}, {"genre_accuracy", 0.9}}},
                  {"by_epoch",
                   {{{"epoch", 1}, {"frechet_distance", 9.0}},
                    {{"epoch", 2}, {"frechet_distance", 5.0}},
                    {{"epoch", 3}, {"frechet_distance", 3.5}}}}};
  const std::string h = gan::gan_report_section(dir.path.string(), m);
  EXPECT_THAT(h, HasSubstr("<td>generated</td><td>3.500</td><td>0.250</td>"));
  EXPECT_THAT(h, HasSubstr("Frechet distance per measured epoch"));
  EXPECT_THAT(h, HasSubstr("<figcaption>the Frechet curve</figcaption>"));
  EXPECT_THAT(h, HasSubstr("loss_curves.svg is missing from the run directory"));
  EXPECT_THAT(h, HasSubstr("No sample grid in samples/."));
  m["quality"].erase("by_epoch");
  EXPECT_THAT(gan::gan_report_section(dir.path.string(), m), Not(HasSubstr("Frechet curve")));
}

}  // namespace
}  // namespace mgr
