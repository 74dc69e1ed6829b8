// Sweeps (framework/results/sweep_plan.h, sweep_runner.h, tools/sweep.cpp): expansion of grid,
// zip and protocol, validation of every point with the sweep file's line before anything runs,
// and a real local sweep of the tiny experiment through the sweep binary: two workers, a run
// that fails and is recorded while the others go on, one feature computation shared through the
// cache, resume skipping the complete runs (in forked copies of sweep, then with --exec in
// run_experiment programs) and continuing an interrupted run from its last epoch, --status, and
// the tables made from its directories.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "framework/experiment/protocol.h"
#include "framework/results/sweep_plan.h"
#include "framework/results/sweep_runner.h"
#include "framework/results/tables.h"
#include "framework/store/atomic_write.h"
#include "kernels/error.h"
#include "tests/temp_dir.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const std::string kTiny = std::string(MGR_SOURCE_DIR) + "/tests/data/sweep/tiny.yaml";

std::string binary(const std::string& name) {
  return (fs::read_symlink("/proc/self/exe").parent_path() / name).string();
}

// Writes a sweep file over the tiny experiment whose corpus and cache live in `dir`.
std::string write_sweep(const test::TempDir& dir, const std::string& body) {
  std::ofstream(dir.file("sweep.yaml"))
      << "name: t\nexperiment: " << kTiny << "\nout: " << dir.file("out") << "\n"
      << "set:\n  data.root: " << dir.file("corpus")
      << "\n  features.cache_dir: " << dir.file("cache") << "\n  train.epochs: 1\n"
      << body;
  return dir.file("sweep.yaml");
}

std::pair<int, std::string> run(const std::string& cmd) {
  const std::string out_file =
      (fs::temp_directory_path() / ("mgr_sweep_test_out_" + std::to_string(::getpid()))).string();
  const int st = std::system((cmd + " >" + out_file + " 2>&1").c_str());
  std::ifstream in(out_file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(out_file);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, text};
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

TEST(SweepPlan, ExpandsGridTimesZipTimesProtocol) {
  test::TempDir dir("sweep_plan");
  const std::string file = write_sweep(dir,
                                       "grid:\n  model.layers.rnn.type: [gru, lstm]\n"
                                       "zip:\n  train.lr: [0.01, 0.001, 0.0001]\n"
                                       "  train.batch_size: [4, 8, 16]\n"
                                       "protocol: {seeds: [1, 2], folds: 3}\n");
  const results::SweepPlan p = results::load_sweep(file);
  EXPECT_EQ(p.name, "t");
  EXPECT_EQ(p.varied_keys,
            (std::vector<std::string>{"model.layers.rnn.type", "train.lr", "train.batch_size"}));
  ASSERT_EQ(p.points.size(), 6u);  // 2 x 3
  ASSERT_EQ(p.runs.size(), 36u);   // x 2 seeds x 3 folds
  EXPECT_EQ(p.points[0].dir, "000-gru-0.01-4");
  EXPECT_EQ(p.points[5].dir, "005-lstm-0.0001-16");
  EXPECT_EQ(p.runs[0].id, "000-gru-0.01-4/seed-1-fold-0");
  EXPECT_EQ(p.runs[35].id, "005-lstm-0.0001-16/seed-2-fold-2");
  EXPECT_EQ(p.points[4].varied[1].line, 11) << "train.lr is on line 11";
  // Every run computes the same features: one cache group.
  for (const auto& r : p.runs) EXPECT_EQ(r.features, p.runs[0].features);
  // The plan survives its JSON form.
  const results::SweepPlan back = results::plan_from_json(results::plan_to_json(p));
  EXPECT_EQ(results::plan_to_json(back), results::plan_to_json(p));
  // A run's arguments make exactly that run.
  const auto& a = p.runs[35].args;
  EXPECT_EQ(a.front(), kTiny);
  EXPECT_NE(std::find(a.begin(), a.end(), "protocol.fold=2"), a.end());
  EXPECT_NE(std::find(a.begin(), a.end(), "seed=2"), a.end());
  EXPECT_NE(std::find(a.begin(), a.end(), "model.layers.rnn.type=lstm"), a.end());
}

TEST(SweepPlan, AnInvalidPointFailsBeforeAnythingRunsWithTheSweepLine) {
  test::TempDir dir("sweep_invalid");
  const auto error_of = [&](const std::string& body) -> std::string {
    try {
      results::load_sweep(write_sweep(dir, body));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  // Line 8: the first line after the seven of write_sweep.
  std::string e = error_of("grid:\n  train.epochz: [1, 2]\n");
  EXPECT_THAT(e, HasSubstr(dir.file("sweep.yaml") + ":9:18: train.epochz=1"));
  EXPECT_THAT(e, HasSubstr("train.epochs"));  // did you mean
  EXPECT_THAT(e, HasSubstr("nothing was run"));
  e = error_of("grid:\n  train.epochs: [1, 0]\n");
  EXPECT_THAT(e, HasSubstr("sweep.yaml:9:21: train.epochs=0"));
  e = error_of("grid:\n  model.layers.rnn.units: [8, -3]\n");
  EXPECT_THAT(e, HasSubstr("sweep.yaml:9:31: model.layers.rnn.units=-3"));
  e = error_of("grid:\n  model.layers.nosuch.units: [8]\n");
  EXPECT_THAT(e, HasSubstr("sweep.yaml:9:31: model.layers.nosuch.units=8"));
  e = error_of("zip:\n  train.lr: [0.1, 0.2]\n  train.batch_size: [1]\n");
  EXPECT_THAT(e, HasSubstr("sweep.yaml:10:21: zip.train.batch_size: 1 values"));
  e = error_of("grids:\n  train.lr: [0.1]\n");
  EXPECT_THAT(e, HasSubstr("sweep.yaml:8:1: unknown key 'grids' (did you mean 'grid'?)"));
  e = error_of("protocol: {seeds: [1], folds: 2}\n");
  EXPECT_THAT(e, HasSubstr("sweep.yaml:8:31: protocol.folds=2"));
  EXPECT_FALSE(fs::exists(dir.file("out"))) << "nothing may be created";
  // A GAN has no test accuracy to aggregate: refused before anything runs, with the reason.
  std::ofstream(dir.file("gan_sweep.yaml"))
      << "name: g\nexperiment: " << MGR_SOURCE_DIR
      << "/experiments/dcgan_mel.yaml\nout: " << dir.file("out")
      << "\ngrid:\n  train.lr: [0.0002, 0.0001]\n";
  try {
    results::load_sweep(dir.file("gan_sweep.yaml"));
    ADD_FAILURE() << "a sweep of a GAN was accepted";
  } catch (const Error& err) {
    EXPECT_THAT(err.what(), HasSubstr("model.type gan: a GAN run has no test accuracy"));
  }
  EXPECT_FALSE(fs::exists(dir.file("out"))) << "nothing may be created";
}

TEST(SweepLocal, RunsInWorkersRecordsFailuresSharesFeaturesAndResumes) {
  for (const char* b : {"sweep", "run_experiment"})
    if (!fs::exists(binary(b))) GTEST_SKIP() << b << " not built";
  test::TempDir dir("sweep_local");
  // Point 2 keeps one track per genre: a valid config whose split leaves parts empty, so its
  // runs fail at run time while the others go on.
  const std::string file = write_sweep(dir,
                                       "zip:\n  model.layers.rnn.type: [gru, lstm, gru]\n"
                                       "  data.max_tracks_per_genre: [0, 0, 1]\n"
                                       "protocol: {seeds: [1, 2]}\n");
  const std::string sweep = binary("sweep") + " " + file;
  auto [rc, out] = run(sweep + " --workers 2 --threads 1");
  EXPECT_EQ(rc, 1) << "a failed run makes the exit status 1\n" << out;
  EXPECT_THAT(out, HasSubstr("6 to run with 2 workers, 1 thread each"));
  EXPECT_THAT(out, HasSubstr("sweep: [6/6]"));
  EXPECT_THAT(out, HasSubstr("4 done, 0 running, 0 queued, 2 failed, 0 pending"));
  EXPECT_THAT(out, HasSubstr("failed       002-gru-1/seed-1:"));
  EXPECT_THAT(out, HasSubstr("the split left a part empty"));

  const results::SweepPlan plan = results::load_sweep(file);
  std::map<std::string, int> cache;  // hit / miss over the done runs
  std::map<std::string, std::string> mtimes;
  for (const auto& r : plan.runs) {
    const nlohmann::json st = results::read_run_status(r);
    if (r.point == 2) {
      EXPECT_EQ(st["state"], "failed") << r.id;
      EXPECT_THAT(st["error"].get<std::string>(), HasSubstr("split left a part empty"));
      continue;
    }
    EXPECT_EQ(st["state"], "done") << r.id;
    ++cache[read_json(fs::path(r.dir) / "metrics.json")["data"]["feature_cache"]];
    EXPECT_EQ(read_json(fs::path(r.dir) / "environment.json")["omp_max_threads"], 1) << r.id;
    mtimes[r.id] = std::to_string(
        fs::last_write_time(fs::path(r.dir) / "metrics.json").time_since_epoch().count());
  }
  EXPECT_EQ(cache["miss"], 1) << "one run computes the shared features";
  EXPECT_EQ(cache["hit"], 3) << "the others read them from the cache";
  // Points whose runs are all done have their aggregate.
  const nlohmann::json agg = read_json(dir.path / "out" / plan.points[1].dir / "metrics.json");
  EXPECT_EQ(agg["runs"].size(), 2u);
  EXPECT_EQ(agg["sweep"]["varied"]["model.layers.rnn.type"], "lstm");
  EXPECT_FALSE(fs::exists(dir.path / "out" / plan.points[2].dir / "metrics.json"));

  // Resume: the complete runs are skipped, the failed ones tried again, this time each in a
  // run_experiment program (--exec) rather than a forked copy of sweep.
  std::tie(rc, out) = run(sweep + " --workers 2 --exec");
  EXPECT_EQ(rc, 1);
  EXPECT_THAT(out, HasSubstr("6 runs in 3 points, 4 already complete, 2 to run"));
  EXPECT_THAT(out,
              HasSubstr("failed       002-gru-1/seed-2: run_experiment: error: the split left"));
  for (const auto& [id, t] : mtimes) {
    const auto& r = *std::find_if(plan.runs.begin(), plan.runs.end(),
                                  [&, id = id](const auto& x) { return x.id == id; });
    EXPECT_EQ(std::to_string(
                  fs::last_write_time(fs::path(r.dir) / "metrics.json").time_since_epoch().count()),
              t)
        << id << " was run again";
  }
  std::tie(rc, out) = run(sweep + " --status");
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(out, HasSubstr("6 runs: 4 done, 0 running, 0 queued, 2 failed, 0 pending"));

  // Tables from the sweep directory: every figure is the one in its run's metrics.json.
  const std::vector<results::RunRecord> runs = results::collect_runs({dir.file("out")});
  ASSERT_EQ(runs.size(), 4u);
  std::istringstream csv(results::runs_csv(runs));
  std::string header, line;
  std::getline(csv, header);
  EXPECT_THAT(header, HasSubstr("model.layers.rnn.type,data.max_tracks_per_genre,clip_accuracy"));
  int rows = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    const nlohmann::json m = read_json(fs::path(cells.back()) / "metrics.json");
    const size_t n = cells.size();
    EXPECT_NEAR(std::stod(cells[n - 5]), m["test"]["clip_accuracy"].get<double>(), 5e-7);
    EXPECT_NEAR(std::stod(cells[n - 4]), m["test"]["track_accuracy"].get<double>(), 5e-7);
    EXPECT_NEAR(std::stod(cells[n - 3]), m["test"]["clip"]["macro_f1"].get<double>(), 5e-7);
    EXPECT_EQ(cells[7], std::to_string(m["seed"].get<int>()));
    ++rows;
  }
  EXPECT_EQ(rows, 4);
  const std::string md = results::render(runs, "md");
  for (int p = 0; p < 2; ++p) {
    std::vector<double> clip;
    for (const auto& r : runs)
      if (r.point_index == p) clip.push_back(r.metrics["test"]["clip_accuracy"].get<double>());
    EXPECT_THAT(md, HasSubstr(results::mean_std_cell(clip))) << md;
  }
  EXPECT_THAT(md, HasSubstr("| lstm | 0 | track_stratified |"));
  EXPECT_TRUE(fs::exists(dir.path / "out" / "sweep.json"));
}

TEST(SweepLocal, AnInterruptedSweepStopsItsRunsAndSaysSo) {
  if (!fs::exists(binary("sweep"))) GTEST_SKIP() << "sweep not built";
  test::TempDir dir("sweep_interrupt");
  // Runs long enough to be interrupted while the first one trains.
  const std::string file = write_sweep(dir, "grid:\n  train.epochs: [400, 401]\n");
  const std::string pid_file = dir.file("pid");
  ASSERT_EQ(std::system((binary("sweep") + " " + file + " --workers 1 >" + dir.file("log") +
                         " 2>&1 & echo $! >" + pid_file)
                            .c_str()),
            0);
  const results::SweepPlan plan = results::load_sweep(file);
  nlohmann::json st = nlohmann::json::object();
  for (int i = 0; i < 600 && st.value("state", "") != "running"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    st = results::read_run_status(plan.runs[0]);
  }
  ASSERT_EQ(st["state"], "running");
  std::ifstream pin(pid_file);
  pid_t sweep_pid = 0;
  pin >> sweep_pid;
  ASSERT_GT(sweep_pid, 0);
  ::kill(sweep_pid, SIGTERM);
  const pid_t run_pid = st["pid"].get<pid_t>();
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // Gone, or a zombie waiting for whoever adopted it.
    std::ifstream stat("/proc/" + std::to_string(run_pid) + "/stat");
    std::string pid_text, comm, state;
    gone = !(stat >> pid_text >> comm >> state) || state == "Z";
  }
  EXPECT_TRUE(gone) << "the run's process outlived the interrupted sweep";
  const auto [rc, out] = run(binary("sweep") + " " + file + " --status");
  EXPECT_EQ(rc, 0);
  EXPECT_THAT(out, HasSubstr("2 runs: 0 done, 0 running, 0 queued, 0 failed, 2 pending (1 "
                             "interrupted)"));
  EXPECT_THAT(out, HasSubstr("interrupted  000-400/seed-1"));
}

// A process killed while it wrote a file atomically leaves NAME.tmp.PID behind, which nothing
// else would remove (scripts/sweep_soak.sh found them in run folders: training_state.h5,
// best_model.h5, sweep_status.json). The sweep removes those of processes that are gone, before
// a run starts in its folder and once every run is done; a live writer's and other files stay.
TEST(SweepLocal, RemovesTheTemporariesOfKilledWriters) {
  test::TempDir dir("sweep_stale_tmp");
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  int ws = 0;
  ASSERT_EQ(::waitpid(child, &ws, 0), child);  // gone: a writer killed in mid-write
  const std::string dead = std::to_string(child), live = std::to_string(::getppid());
  const std::vector<std::string> stale = {"metrics.json.tmp." + dead,
                                          "training_state.h5.tmp." + dead};
  const std::vector<std::string> kept = {"sweep_status.json.tmp." + live, "notes.tmp.12ab",
                                         "corpus.json.tmp", "metrics.json", "a.tmp."};
  for (const auto& names : {stale, kept})
    for (const std::string& f : names) std::ofstream(dir.file(f)) << "x";
  fs::create_directories(dir.path / ("folder.tmp." + dead));
  EXPECT_EQ(train::remove_stale_temporaries(dir.path.string()), 2);
  for (const std::string& f : stale) EXPECT_FALSE(fs::exists(dir.file(f))) << f;
  for (const std::string& f : kept) EXPECT_TRUE(fs::exists(dir.file(f))) << f;
  EXPECT_TRUE(fs::is_directory(dir.path / ("folder.tmp." + dead)));
  EXPECT_EQ(train::remove_stale_temporaries(dir.file("absent")), 0);
}

// A sweep interrupted while a run trains: the next sweep continues that run from its last saved
// epoch (run_experiment --resume in the forked run), keeps its log, and ends with the metrics of
// the same run never interrupted.
TEST(SweepLocal, AnInterruptedRunContinuesFromItsLastEpoch) {
  for (const char* b : {"sweep", "run_experiment"})
    if (!fs::exists(binary(b))) GTEST_SKIP() << b << " not built";
  test::TempDir dir("sweep_resume");
  const std::string file = write_sweep(dir, "grid:\n  train.epochs: [300]\n");
  const results::SweepPlan plan = results::load_sweep(file);
  ASSERT_EQ(plan.runs.size(), 1u);
  const results::SweepRun& r = plan.runs[0];
  const std::string pid_file = dir.file("pid");
  ASSERT_EQ(std::system((binary("sweep") + " " + file + " --workers 1 >" + dir.file("log") +
                         " 2>&1 & echo $! >" + pid_file)
                            .c_str()),
            0);
  // Stop it once a few epochs are saved (the run writes history.csv with its training state).
  const fs::path history = fs::path(r.dir) / "history.csv";
  auto epochs_saved = [&] {
    std::ifstream in(history);
    int n = -1;  // the header
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };
  for (int i = 0; i < 1200 && epochs_saved() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  pid_t sweep_pid = 0;
  std::ifstream(pid_file) >> sweep_pid;
  ASSERT_GT(sweep_pid, 0);
  ::kill(sweep_pid, SIGTERM);
  for (int i = 0; i < 200 && ::kill(sweep_pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const int saved = epochs_saved();
  ASSERT_GE(saved, 3);
  ASSERT_LT(saved, 300) << "the run finished before the sweep was interrupted";
  ASSERT_FALSE(results::run_complete(r));
  ASSERT_TRUE(results::run_resumes(r));
  EXPECT_EQ(results::run_arguments(r, true), (std::vector<std::string>{"--resume", r.dir}));
  // Only with the arguments it started with: a run whose arguments changed starts afresh.
  results::SweepRun edited = r;
  const auto epochs = std::find(edited.args.begin(), edited.args.end(), "train.epochs=300");
  ASSERT_NE(epochs, edited.args.end());
  *epochs = "train.epochs=301";
  EXPECT_FALSE(results::run_resumes(edited));

  auto [rc, out] = run(binary("sweep") + " " + file + " --workers 1");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("1 to run (1 resuming from their last epoch)"));
  std::ifstream log_in(fs::path(r.dir) / "run.log");
  const std::string log((std::istreambuf_iterator<char>(log_in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(log, HasSubstr("writing to")) << "the first start's log is kept";
  EXPECT_THAT(log, HasSubstr("resuming in"));
  ASSERT_TRUE(results::run_complete(r));
  EXPECT_EQ(results::read_run_status(r)["resumed"], true);

  // The same run, never interrupted.
  std::vector<std::string> args = r.args;
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--out") args[i + 1] = dir.file("reference");
  std::string cmd = binary("run_experiment");
  for (const std::string& a : args) cmd += " '" + a + "'";
  std::tie(rc, out) = run(cmd);
  ASSERT_EQ(rc, 0) << out;
  const nlohmann::json resumed = read_json(fs::path(r.dir) / "metrics.json");
  const nlohmann::json reference = read_json(dir.path / "reference" / "metrics.json");
  EXPECT_EQ(resumed["history"], reference["history"]);
  EXPECT_EQ(resumed["test"], reference["test"]);
  EXPECT_EQ(resumed["best_epoch"], reference["best_epoch"]);
}

}  // namespace
}  // namespace mgr
