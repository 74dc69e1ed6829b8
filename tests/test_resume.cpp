// Resuming a stopped run: the training state holds everything the next epochs depend on
// (parameters, batch-norm statistics, dropout steps, optimiser moments and step count, the
// shuffle generator and order, best-so-far and patience, history), so a run stopped at any
// point and resumed ends with the metrics of a run never stopped. In process (a task that
// throws mid-epoch) and for real: the run_experiment binary killed with SIGKILL at several
// points, then `run_experiment --resume`.
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "framework/config/yaml_config.h"
#include "framework/engine/classifier_task.h"
#include "framework/engine/run_setup.h"
#include "framework/engine/trainer.h"
#include "framework/engine/training_state.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/graph/graph_model.h"
#include "framework/graph/model_check.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

extern char** environ;

namespace mgr::train {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// The data section both experiments read: 4 genres, overlapping 1 s clips.
std::string corpus_yaml(const std::string& corpus) {
  return R"(data:
  root: )" +
         corpus + R"(
  genres: [blues, classical, metal, pop]
  sample_rate: 11025
  clip_seconds: 1.0
  clip_hop_seconds: 0.5
  split_fractions: [0.5, 0.25, 0.25]
  synthetic: {tracks_per_genre: 5, track_seconds: 4.0}
)";
}

// A corpus of 4 genres, overlapping 1 s clips; a small CRNN with batch norm and dropout trained
// by Adam for 6 epochs, so every kind of state matters.
std::string resume_yaml(const std::string& corpus, const std::string& optimizer,
                        bool tree = false) {
  return R"(name: resume_tiny
paper: "test"
device: cpu
seed: 5
)" + corpus_yaml(corpus) +
         R"(features: {type: log_mel, n_fft: 512, hop_length: 256, n_mels: 24, normalize: per_band,
           cache: "off"}
model:
)" +
         (tree ? R"(  type: tree
  tree_baseline: true
  tree:
    - {name: root, children: [calm, loud]}
    - {name: calm, children: [blues, classical]}
    - {name: loud, children: [metal, pop]}
)"
               : "") +
         R"(  layers:
    - {name: conv, type: conv2d, channels: 4, kernel: 3, padding: same}
    - {name: bn, type: batch_norm}
    - {name: relu, type: relu}
    - {name: pool, type: max_pool, size: [2, 2]}
    - {name: drop, type: dropout, rate: 0.3}
    - {name: seq, type: to_sequence}
    - {name: rnn, type: gru, units: 8}
    - {name: out, type: dense, units: )" +
         (tree ? "children" : "num_classes") + R"(}
train: {batch_size: 8, epochs: )" +
         (tree ? "3" : "6") + R"(, lr: 0.01, optimizer: )" + optimizer + R"(, lr_schedule: cosine}
)";
}

// A conditional DCGAN on 1 x 16 x 16 log-mel patches of the same corpus, 4 epochs: two networks,
// two optimisers and the GAN task's own record (latent seed, histories, sample grids).
std::string gan_resume_yaml(const std::string& corpus) {
  return R"(name: resume_gan
paper: "test"
device: cpu
seed: 5
)" + corpus_yaml(corpus) +
         R"(features: {type: log_mel, n_fft: 512, hop_length: 512, n_mels: 16, crop_frames: 16,
           normalize: none, cache: "off"}
model:
  type: gan
  gan: {latent: 8, conditional: true, grid_columns: 4, sample_every: 1}
  generator:
    - {name: zc, type: concat, in: [input, condition]}
    - {name: z, type: unflatten}
    - {name: up1, type: conv_transpose2d, channels: 16, kernel: 4, bias: false}
    - {name: bn1, type: batch_norm}
    - {name: a1, type: relu}
    - {name: up2, type: conv_transpose2d, channels: 8, kernel: 4, stride: 2, padding: 1, bias: false}
    - {name: bn2, type: batch_norm}
    - {name: a2, type: relu}
    - {name: up3, type: conv_transpose2d, channels: 1, kernel: 4, stride: 2, padding: 1, bias: false}
    - {name: out, type: tanh}
  discriminator:
    - {name: c1, type: conv2d, channels: 8, kernel: 4, stride: 2, padding: 1}
    - {name: a1, type: leaky_relu, slope: 0.2}
    - {name: drop, type: dropout, rate: 0.2}
    - {name: c2, type: conv2d, channels: 16, kernel: 4, stride: 2, padding: 1}
    - {name: bn2, type: batch_norm}
    - {name: a2, type: leaky_relu, slope: 0.2}
    - {name: flat, type: flatten}
    - {name: j, type: concat, in: [flat, condition]}
    - {name: logit, type: dense, units: 1}
train: {lr: 0.0002, beta1: 0.5, batch_size: 8, epochs: 4}
)";
}

// metrics.json without what may differ between two runs of the same config: wall times, and
// the record that this one was resumed.
nlohmann::json comparable_metrics(const fs::path& run) {
  std::ifstream in(run / "metrics.json");
  EXPECT_TRUE(in) << run;
  nlohmann::json m = nlohmann::json::parse(in);
  m.erase("resumed");
  // Wall times, wherever they are (timing_seconds, a tree node's seconds).
  const std::function<void(nlohmann::json&)> strip = [&](nlohmann::json& j) {
    if (j.is_object()) {
      j.erase("timing_seconds");
      j.erase("seconds");
      j.erase("sample_grids");  // paths inside the run directory (compared by file below)
    }
    if (j.is_structured())
      for (nlohmann::json& v : j) strip(v);
  };
  strip(m);
  return m;
}

// The JSON paths where `a` and `b` differ ("/test/clip_accuracy: 0.5 vs 0.55"), for messages.
std::string json_differences(const nlohmann::json& a, const nlohmann::json& b) {
  std::string out;
  for (const nlohmann::json& d : nlohmann::json::diff(a, b)) {
    const std::string path = d.at("path").get<std::string>();
    out += path + ": " +
           (d.at("op") == "add" ? "absent" : a.at(nlohmann::json::json_pointer(path)).dump()) +
           " vs " + (d.contains("value") ? d.at("value").dump() : "absent") + "\n";
  }
  return out;
}

// The run_experiment binary beside this test binary (both go to the build's bin/).
std::string run_experiment_binary() {
  return (fs::read_symlink("/proc/self/exe").parent_path() / "run_experiment").string();
}

pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("posix_spawn " + args[0] + " failed");
  return pid;
}

// The child's exit code (-signal when killed); a child still running after `limit_s` is killed
// and reported as -SIGKILL, so a resume that trains the wrong thing fails instead of hanging.
int wait_exit(pid_t pid, int limit_s = 240) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limit_s);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// Lines in `file` (0 when absent).
int line_count(const fs::path& file) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// Waits until `ready()` holds (or the child ends), sleeps `extra_ms`, and kills the child with
// SIGKILL. Returns false when the child finished before it could be killed.
template <typename Ready>
bool kill_when(pid_t pid, Ready ready, int extra_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!ready()) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return false;
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(extra_ms));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status);
}

class ResumeAfterKill : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new test::TempDir("resume_kill");
    write_yaml("adam");
    // The reference: never stopped. It also generates the corpus the others read.
    ref_status_ = wait_exit(
        spawn({run_experiment_binary(), yaml_, "--out", tmp_->file("ref")}, tmp_->file("ref.log")));
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  static void write_yaml(const std::string& optimizer) {
    yaml_ = tmp_->file("resume_" + optimizer + ".yaml");
    std::ofstream(yaml_) << resume_yaml(tmp_->file("corpus"), optimizer);
    tree_yaml_ = tmp_->file("resume_tree.yaml");
    std::ofstream(tree_yaml_) << resume_yaml(tmp_->file("corpus"), optimizer, true);
    gan_yaml_ = tmp_->file("resume_gan.yaml");
    std::ofstream(gan_yaml_) << gan_resume_yaml(tmp_->file("corpus"));
  }
  void SetUp() override {
    if (!fs::exists(run_experiment_binary())) GTEST_SKIP() << "run_experiment not built";
    ASSERT_EQ(ref_status_, 0) << "the reference run failed; see " << tmp_->file("ref.log");
  }

  // Starts a run into `name`, kills it when `ready(run_dir)` holds plus `extra_ms`, then resumes
  // (killing the resumed process too at each further point) until it finishes.
  nlohmann::json kill_and_resume(const std::string& name,
                                 const std::vector<std::function<bool(const fs::path&)>>& points,
                                 int extra_ms, const std::string& yaml = yaml_) {
    const fs::path run = tmp_->file(name);
    const std::string log = tmp_->file(name + ".log");
    int kills = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      const pid_t pid = i == 0 ? spawn({run_experiment_binary(), yaml, "--out", run.string()}, log)
                               : spawn({run_experiment_binary(), "--resume", run.string()}, log);
      kills += kill_when(
          pid, [&] { return points[i](run); }, extra_ms);
    }
    EXPECT_GE(kills, 1) << "every run finished before it could be killed; see " << log;
    EXPECT_FALSE(fs::exists(run / "metrics.json")) << "a killed run wrote metrics.json";
    EXPECT_EQ(wait_exit(spawn({run_experiment_binary(), "--resume", run.string()}, log)), 0)
        << "see " << log;
    // A kill in mid-write leaves NAME.tmp.PID; the resume removes it.
    for (const auto& e : fs::recursive_directory_iterator(run))
      EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos)
          << "left behind: " << e.path();
    return comparable_metrics(run);
  }

  static bool epochs_done(const fs::path& run, int n) {
    return line_count(run / "history.csv") >= n + 1;  // header + one line per epoch
  }

  static test::TempDir* tmp_;
  static std::string yaml_, tree_yaml_, gan_yaml_;
  static int ref_status_;
};
test::TempDir* ResumeAfterKill::tmp_ = nullptr;
std::string ResumeAfterKill::yaml_;
std::string ResumeAfterKill::tree_yaml_;
std::string ResumeAfterKill::gan_yaml_;
int ResumeAfterKill::ref_status_ = -1;

TEST_F(ResumeAfterKill, MidTrainingGivesTheUninterruptedMetrics) {
  const nlohmann::json ref = comparable_metrics(tmp_->file("ref"));
  // Killed a few milliseconds into epoch 2 (one epoch saved), then into epoch 4.
  const nlohmann::json m = kill_and_resume("mid",
                                           {[](const fs::path& r) { return epochs_done(r, 1); },
                                            [](const fs::path& r) { return epochs_done(r, 3); }},
                                           5);
  EXPECT_EQ(m, ref) << "resumed vs reference:\n" << json_differences(m, ref);
  std::ifstream env(tmp_->file("mid") + "/environment.json");
  EXPECT_EQ(nlohmann::json::parse(env).at("resumes").size(), 2u);
}

TEST_F(ResumeAfterKill, RightAfterAnEpochIsSavedAndBeforeAnyEpoch) {
  const nlohmann::json ref = comparable_metrics(tmp_->file("ref"));
  // Killed as soon as the run directory has its config (data loading, no state yet): the resume
  // starts training from the beginning. Then killed the moment epoch 5's history line appears
  // (the state of epoch 5 may or may not be written yet).
  const nlohmann::json m =
      kill_and_resume("edges",
                      {[](const fs::path& r) { return fs::exists(r / "config.yaml"); },
                       [](const fs::path& r) { return epochs_done(r, 5); }},
                      0);
  EXPECT_EQ(m, ref) << "resumed vs reference:\n" << json_differences(m, ref);
}

// A tree of three networks and the flat baseline: killed while the second node trains (the
// root's training finished: it is not trained again), then while the baseline trains.
TEST_F(ResumeAfterKill, ATreeResumesNodeByNode) {
  const std::string log = tmp_->file("tree_ref.log");
  ASSERT_EQ(
      wait_exit(spawn({run_experiment_binary(), tree_yaml_, "--out", tmp_->file("tree_ref")}, log)),
      0)
      << "see " << log;
  const nlohmann::json ref = comparable_metrics(tmp_->file("tree_ref"));
  const nlohmann::json m =
      kill_and_resume("tree",
                      {[](const fs::path& r) { return epochs_done(r / "nodes" / "calm", 1); },
                       [](const fs::path& r) { return epochs_done(r / "flat", 1); }},
                      3, tree_yaml_);
  EXPECT_EQ(m, ref) << "resumed vs reference:\n" << json_differences(m, ref);
}

// The GAN: killed a few milliseconds after its first and its third epoch's state was saved.
TEST_F(ResumeAfterKill, AGanResumesWithBothNetworksAndItsHistory) {
  const std::string log = tmp_->file("gan_ref.log");
  ASSERT_EQ(
      wait_exit(spawn({run_experiment_binary(), gan_yaml_, "--out", tmp_->file("gan_ref")}, log)),
      0)
      << "see " << log;
  const nlohmann::json ref = comparable_metrics(tmp_->file("gan_ref"));
  const auto state_of_epoch = [](int n) {
    return [n](const fs::path& r) {
      // The GAN writes a sample grid at each epoch's end, before the state is saved.
      return fs::exists(r / "samples" / ("epoch_00" + std::to_string(n) + ".png")) &&
             fs::exists(r / "training_state.h5");
    };
  };
  const nlohmann::json m =
      kill_and_resume("gan", {state_of_epoch(1), state_of_epoch(3)}, 3, gan_yaml_);
  EXPECT_EQ(m, ref) << "resumed vs reference:\n" << json_differences(m, ref);
  for (const char* f : {"generator.h5", "samples/epoch_004.png", "loss_curves.svg"})
    EXPECT_TRUE(fs::exists(fs::path(tmp_->file("gan")) / f)) << f;
}

// What a folder's files take on a tmpfs, in KiB (whole 4 KiB pages per file).
uintmax_t disk_kib(const fs::path& dir) {
  uintmax_t kib = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) kib += (e.file_size() + 4095) / 4096 * 4;
  return kib;
}

// The run directory on a file system too small for it (a tmpfs of 30%, 60% and 90% of what the
// finished reference takes, so the disk fills at different writes): the run stops with one line
// naming the file and "no space left on device", leaves no temporary file, and `--resume` after
// freeing space (the tmpfs remounted larger) ends with the metrics of a run that never stopped.
TEST_F(ResumeAfterKill, AFullDiskThenResumeAfterFreeingSpaceGivesTheUninterruptedMetrics) {
  const nlohmann::json ref = comparable_metrics(tmp_->file("ref"));
  const uintmax_t need = disk_kib(tmp_->file("ref"));
  std::vector<std::string> stopped_at;
  for (int percent : {30, 60, 90}) {
    test::TempDir disk("resume_full_disk");
    const std::string size =
        "size=" + std::to_string(std::max<uintmax_t>(64, need * percent / 100)) + "k";
    if (::mount("tmpfs", disk.path.c_str(), "tmpfs", 0, size.c_str()) != 0)
      GTEST_SKIP() << "cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN); the "
                      "full-disk cases run in CI";
    struct Unmount {
      const test::TempDir& d;
      ~Unmount() { ::umount(d.path.c_str()); }
    } unmount{disk};
    const fs::path run = disk.path / "run";
    const std::string log = tmp_->file("full_disk_" + std::to_string(percent) + ".log");
    EXPECT_NE(wait_exit(spawn({run_experiment_binary(), yaml_, "--out", run.string()}, log)), 0)
        << "the run fit in " << size << " of " << need << " KiB";
    std::ifstream in(log);
    const std::string text(std::istreambuf_iterator<char>(in), {});
    EXPECT_THAT(text, HasSubstr("no space left on device")) << percent << "%: " << text;
    EXPECT_THAT(text, Not(HasSubstr("HDF5-DIAG"))) << "HDF5 printed its error stack";
    for (const auto& e : fs::recursive_directory_iterator(run))
      EXPECT_NE(e.path().extension(), ".tmp") << "temporary left behind: " << e.path();
    stopped_at.push_back(std::to_string(percent) +
                         "%: " + std::to_string(std::max(0, line_count(run / "history.csv") - 1)) +
                         " epoch(s) saved");
    // Space freed: the same file system, larger.
    ASSERT_EQ(::mount("tmpfs", disk.path.c_str(), "tmpfs", MS_REMOUNT, "size=65536k"), 0);
    EXPECT_EQ(wait_exit(spawn({run_experiment_binary(), "--resume", run.string()}, log)), 0)
        << "see " << log;
    const nlohmann::json m = comparable_metrics(run);
    EXPECT_EQ(m, ref) << percent << "%: resumed vs reference:\n" << json_differences(m, ref);
  }
  std::cout << "disk filled at: " << fmt::format("{}", fmt::join(stopped_at, "; ")) << "\n";
}

// A finished GAN of 2 epochs given 2 more (run_experiment --resume RUN --epochs 4) ends with the
// metrics of the same GAN run for 4 epochs from the start; its 2-epoch metrics are kept. A
// cosine schedule (the network's) and a shorter length are refused, the run left as it was.
TEST_F(ResumeAfterKill, AFinishedRunGivenMoreEpochsEqualsTheLongerRun) {
  const std::string log = tmp_->file("extend.log");
  const fs::path ref = tmp_->file("gan_ref4");
  ASSERT_EQ(wait_exit(spawn({run_experiment_binary(), gan_yaml_, "--out", ref.string()}, log)), 0)
      << "see " << log;
  std::string two = gan_resume_yaml(tmp_->file("corpus"));
  two.replace(two.find("epochs: 4"), 9, "epochs: 2");
  std::ofstream(tmp_->file("gan2.yaml")) << two;
  const fs::path run = tmp_->file("gan_extended");
  ASSERT_EQ(wait_exit(spawn(
                {run_experiment_binary(), tmp_->file("gan2.yaml"), "--out", run.string()}, log)),
            0)
      << "see " << log;
  ASSERT_EQ(
      wait_exit(spawn({run_experiment_binary(), "--resume", run.string(), "--epochs", "4"}, log)),
      0)
      << "see " << log;
  const nlohmann::json m = comparable_metrics(run), r = comparable_metrics(ref);
  EXPECT_EQ(m["gan"]["epochs_run"], 4);
  EXPECT_EQ(m, r) << "extended vs 4 epochs from the start:\n" << json_differences(m, r);
  EXPECT_TRUE(fs::exists(run / "metrics-2-epochs.json"));

  const auto refused = [&](const fs::path& dir, const std::string& epochs) {
    const std::string out = tmp_->file("refused.log");
    fs::remove(out);
    EXPECT_NE(wait_exit(spawn(
                  {run_experiment_binary(), "--resume", dir.string(), "--epochs", epochs}, out)),
              0);
    std::ifstream in(out);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_THAT(refused(tmp_->file("ref"), "12"), HasSubstr("depends on the total number of steps"));
  EXPECT_TRUE(fs::exists(fs::path(tmp_->file("ref")) / "metrics.json")) << "left as it was";
  EXPECT_THAT(refused(run, "3"), HasSubstr("has 4 epochs already"));
}

TEST_F(ResumeAfterKill, AFinishedRunIsLeftAsItIs) {
  const fs::path ref = tmp_->file("ref");
  const auto before = fs::last_write_time(ref / "metrics.json");
  const std::string log = tmp_->file("finished.log");
  EXPECT_EQ(wait_exit(spawn({run_experiment_binary(), "--resume", ref.string()}, log)), 0);
  EXPECT_EQ(fs::last_write_time(ref / "metrics.json"), before);
  std::ifstream in(log);
  EXPECT_THAT(std::string(std::istreambuf_iterator<char>(in), {}),
              HasSubstr("finished already: nothing to resume"));
}

TEST(Resume, BadRunDirectoriesSayWhy) {
  test::TempDir tmp("resume_bad");
  EXPECT_THAT(test::error_of([&] { resume_experiment(tmp.file("none"), true); }),
              HasSubstr("not a directory"));
  EXPECT_THAT(test::error_of([&] { resume_experiment(tmp.path.string(), true); }),
              HasSubstr("no config.yaml"));
}

// In process: a task that stops (throws) in the middle of epoch `stop_epoch`, as a crash
// would, and a fresh model and task resumed from the state file. SGD with momentum this time.
TEST(Resume, InProcessStopsAndResumesToTheSameWeights) {
  test::TempDir tmp("resume_inproc");
  config::ExperimentConfig cfg =
      experiment::parse(resume_yaml(tmp.file("corpus"), "sgd"), "resume.yaml");
  cfg.train.momentum = 0.9;
  RunOptions ro;
  ro.quiet = true;
  ro.out_dir = tmp.file("setup");
  const std::unique_ptr<RunSetup> s = setup_run(cfg, ro);
  auto plan = graph::plan_classifier(cfg);

  class Stopping : public ClassifierTask {
   public:
    using ClassifierTask::ClassifierTask;
    int64_t stop_at = -1, steps = 0;
    StepResult train_step(const std::vector<int>& idx) override {
      if (steps++ == stop_at) throw std::runtime_error("stopped");
      return ClassifierTask::train_step(idx);
    }
  };
  auto train = [&](const std::string& dir, int64_t stop_at, bool resume) {
    fs::create_directories(dir);
    auto model = std::make_unique<graph::GraphModel>(plan, cfg.seed);
    Stopping task(*model, *s->source, s->labels, s->tracks, s->split.validation, cfg.train,
                  dir + "/best.h5");
    task.stop_at = stop_at;
    TrainLoopOptions lo;
    lo.quiet = true;
    lo.train = cfg.train;
    lo.history_csv = dir + "/history.csv";
    lo.state_path = dir + "/state.h5";
    lo.resume = resume;
    lo.shuffle_seed = cfg.seed;
    TrainLoopResult r = run_training(task, s->split.train, lo);
    std::vector<float> w;
    for (auto& [n, p] : model->named_parameters()) {
      const std::vector<float> v = p->value().to_vector();
      w.insert(w.end(), v.begin(), v.end());
    }
    return std::make_pair(r, w);
  };
  const auto [ref, ref_w] = train(tmp.file("ref"), -1, false);
  const int64_t per_epoch = ref.iterations_run / ref.epochs_run;
  EXPECT_THROW(train(tmp.file("cut"), 2 * per_epoch + 1, false), std::runtime_error);
  const auto [res, res_w] = train(tmp.file("cut"), -1, true);
  EXPECT_EQ(res.resumed_after_epoch, 2);
  EXPECT_EQ(res.history, ref.history);
  EXPECT_EQ(res.best_epoch, ref.best_epoch);
  EXPECT_EQ(res.best_validation_accuracy, ref.best_validation_accuracy);
  EXPECT_EQ(res_w, ref_w);  // bit for bit
  // A finished state resumes to nothing more.
  const auto [again, again_w] = train(tmp.file("cut"), 0, true);
  EXPECT_EQ(again.resumed_after_epoch, ref.epochs_run);
  EXPECT_EQ(again_w, ref_w);

  // A state saved with other settings is refused.
  config::TrainConfig other = cfg.train;
  other.batch_size = 4;
  auto model = std::make_unique<graph::GraphModel>(plan, cfg.seed);
  ClassifierTask task(*model, *s->source, s->labels, s->tracks, s->split.validation, other,
                      tmp.file("x.h5"));
  TrainLoopOptions lo;
  lo.quiet = true;
  lo.train = other;
  lo.state_path = tmp.file("cut") + "/state.h5";
  lo.resume = true;
  EXPECT_THAT(test::error_of([&] { run_training(task, s->split.train, lo); }),
              HasSubstr("saved with steps_per_epoch"));
}

}  // namespace
}  // namespace mgr::train
