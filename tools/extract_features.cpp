// extract_features FILE.yaml [--set key=value ...] [--device ...] [--threads T]
//                  [--shard i/N | --shards N [--workers W | --slurm [--wait] [--sbatch-arg=A]...]]
// Computes the features an experiment describes (any features.type, clip-level vectors included)
// for every clip of its corpus into the HDF5 feature cache (framework/store/cache_table.h), a
// group of tracks at a time. run_experiment reads the same files when features.cache is auto.
//   (no shard option)  the whole table: the whole-list file, or the most complete shard set
//                      with its missing shards built here (open_cache_table)
//   --shard i/N        shard i of N only (one job of an array)
//   --shards N         every shard not complete yet as local worker processes (this program
//                      with --shard i/N), W at once, a line per finished shard
//   --shards N --slurm the shards not complete yet (nor queued or running in an earlier array)
//                      as one Slurm job array, one task per shard; --wait returns when it has
//                      finished and lists the shards still missing
// stdout carries only the cache files, one a line, once they are all there; everything else
// goes to stderr. A shard counts as complete when its file exists (files are renamed into place
// when written); each file is checked when it is opened, and a damaged one rebuilt.
// Exit status: 0 done (or submitted), 1 some shard failed or is missing, 2 an error (the
// configuration, Slurm missing or unreachable, sbatch refusing).
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "framework/config/yaml_config.h"
#include "framework/engine/run_setup.h"
#include "framework/features/pipeline.h"
#include "framework/results/slurm.h"
#include "framework/store/cache_table.h"
#include "kernels/error.h"

namespace fs = std::filesystem;
using namespace mgr;
using Clock = std::chrono::steady_clock;

namespace {

int cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

// "0-3", "2", "0,2-3": the indices (sorted) as an sbatch --array list.
std::string index_ranges(const std::vector<int>& v) {
  std::string out;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += j == i ? std::to_string(v[i]) : fmt::format("{}-{}", v[i], v[j]);
    i = j + 1;
  }
  return out;
}

std::string list_text(const std::vector<int>& v) {
  std::string out;
  for (int i : v) out += (out.empty() ? "" : ", ") + std::to_string(i);
  return out;
}

std::string list_text_of(const std::set<std::string>& v) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

std::string last_line_of(const fs::path& p) {
  std::ifstream in(p);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

// What a sharded build needs before any shard is built: the list (a synthetic corpus is
// generated here, once, not by each worker), its key and the shard files.
struct ShardSet {
  config::ExperimentConfig cfg;
  train::TrackList tracks;
  std::string key;
  int count = 0;
  std::vector<std::string> paths;
  fs::path jobs_dir;  // <cache_dir>/shards-<type>-<key16>-of-<N>: logs and job scripts
  std::vector<int> complete() const {
    std::vector<int> v;
    std::error_code ec;
    for (int i = 0; i < count; ++i)
      if (fs::exists(paths[size_t(i)], ec)) v.push_back(i);
    return v;
  }
  std::vector<int> missing() const {
    std::vector<int> v;
    std::error_code ec;
    for (int i = 0; i < count; ++i)
      if (!fs::exists(paths[size_t(i)], ec)) v.push_back(i);
    return v;
  }
};

ShardSet plan_shards(const config::ExperimentConfig& cfg, int count) {
  ShardSet s;
  s.cfg = cfg;
  s.count = count;
  std::string root;
  s.tracks = train::select_experiment_tracks(cfg, std::cerr, root);
  MGR_CHECK(!s.tracks.candidates.empty(), "no tracks in " << s.tracks.source);
  // The key does not depend on the device: the parent never touches a GPU (a Slurm login node
  // may have none).
  const features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, Device::cpu());
  s.key = train::track_list_cache_key(cfg, s.tracks, pipeline);
  for (int i = 0; i < count; ++i)
    s.paths.push_back(train::cache_shard_path(cfg, s.key, train::ShardSpec{i, count}));
  s.jobs_dir = fs::absolute(
      fs::path(cfg.features.cache_dir) /
      fmt::format("shards-{}-{}-of-{}", cfg.features.type, s.key.substr(0, 16), count));
  fs::create_directories(s.jobs_dir);
  std::cerr << fmt::format("extract_features: {} tracks from {}, {} shards, {} of them complete\n",
                           s.tracks.candidates.size(), s.tracks.source, count, s.complete().size());
  return s;
}

void print_paths(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) std::cout << p << "\n";
}

// The arguments every shard worker or array task gets besides --shard and --threads.
std::vector<std::string> worker_args(const std::string& file,
                                     const std::vector<std::string>& overrides,
                                     const std::string& device) {
  std::vector<std::string> a{fs::absolute(file).string()};
  for (const std::string& o : overrides) a.insert(a.end(), {"--set", o});
  if (!device.empty()) a.insert(a.end(), {"--device", device});
  return a;
}

std::string self_program() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  MGR_CHECK(!ec, "cannot find this program (/proc/self/exe): " << ec.message());
  return self.string();
}

// --shards N: the missing shards as local worker processes, `workers` at once.
int run_local_shards(const ShardSet& s, const std::vector<std::string>& args, int workers,
                     int threads) {
  const std::vector<int> todo = s.missing();
  if (todo.empty()) {
    std::cerr << "extract_features: every shard is complete\n";
    print_paths(s.paths);
    return 0;
  }
  workers = std::max(1, std::min(workers, static_cast<int>(todo.size())));
  if (threads <= 0) threads = std::max(1, cores() / workers);
  std::cerr << fmt::format(
      "extract_features: building shards {} with {} worker{} x {} thread{}; logs in {}\n",
      list_text(todo), workers, workers == 1 ? "" : "s", threads, threads == 1 ? "" : "s",
      s.jobs_dir.string());
  const std::string program = self_program();
  struct Child {
    int shard;
    Clock::time_point start;
    fs::path log;
  };
  std::map<pid_t, Child> running;
  std::vector<int> failed;
  size_t next = 0;
  int finished = 0;
  std::cerr.flush();
  std::cout.flush();
  while (next < todo.size() || !running.empty()) {
    while (next < todo.size() && static_cast<int>(running.size()) < workers) {
      const int shard = todo[next++];
      const fs::path log = s.jobs_dir / fmt::format("shard-{}.log", shard);
      std::vector<std::string> argv_s{program};
      argv_s.insert(argv_s.end(), args.begin(), args.end());
      argv_s.insert(argv_s.end(), {"--shard", fmt::format("{}/{}", shard, s.count), "--threads",
                                   std::to_string(threads)});
      std::vector<char*> argv;
      for (std::string& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      const pid_t pid = ::fork();
      MGR_CHECK(pid >= 0, "cannot start a worker for shard " << shard);
      if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
          ::dup2(fd, 1);
          ::dup2(fd, 2);
        }
        ::execv(program.c_str(), argv.data());
        std::perror("extract_features: exec");
        ::_exit(127);
      }
      running[pid] = Child{shard, Clock::now(), log};
    }
    int st = 0;
    const pid_t pid = ::waitpid(-1, &st, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      MGR_FAIL("waiting for the shard workers: " << std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const Child c = it->second;
    running.erase(it);
    ++finished;
    const double secs = std::chrono::duration<double>(Clock::now() - c.start).count();
    std::error_code ec;
    const bool ok =
        WIFEXITED(st) && WEXITSTATUS(st) == 0 && fs::exists(s.paths[size_t(c.shard)], ec);
    if (ok) {
      std::cerr << fmt::format("extract_features: shard {}/{} done in {:.1f} s ({} of {} left)\n",
                               c.shard, s.count, secs, todo.size() - size_t(finished), todo.size());
      continue;
    }
    failed.push_back(c.shard);
    const std::string why = WIFSIGNALED(st) ? fmt::format("killed by signal {}", WTERMSIG(st))
                            : WIFEXITED(st) && WEXITSTATUS(st) != 0
                                ? fmt::format("exit status {}", WEXITSTATUS(st))
                                : std::string("no file written");
    const std::string last = last_line_of(c.log);
    std::cerr << fmt::format("extract_features: shard {}/{} failed after {:.1f} s ({}){}; log {}\n",
                             c.shard, s.count, secs, why, last.empty() ? "" : ": " + last,
                             c.log.string());
  }
  if (!failed.empty()) {
    std::sort(failed.begin(), failed.end());
    std::cerr << fmt::format(
        "extract_features: shards {} of {} failed; the same command builds just those again\n",
        list_text(failed), s.count);
    return 1;
  }
  print_paths(s.paths);
  return 0;
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    const bool plain = !a.empty() && a.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
                                         "OPQRSTUVWXYZ0123456789_-+=/.,:@%") == std::string::npos;
    out += (i ? " " : "") + (plain ? a : results::shell_quote(a));
  }
  return out;
}

// --shards N --slurm: the shards neither complete nor live in an earlier array, as one array.
int submit_slurm_shards(const ShardSet& s, const std::vector<std::string>& args, int threads,
                        bool wait, const std::vector<std::string>& sbatch_args,
                        const std::string& resubmit) {
  const std::string job_name = fmt::format("mgr-features-{}-of-{}", s.key.substr(0, 16), s.count);
  std::set<int> live;
  std::set<std::string> live_jobs;
  for (const auto& [job, tasks] : results::live_array_tasks(job_name)) {
    live.insert(tasks.begin(), tasks.end());
    live_jobs.insert(job);
  }
  std::vector<int> todo;
  for (int i : s.missing())
    if (!live.count(i)) todo.push_back(i);
  if (todo.empty()) {
    if (live.empty()) {
      std::cerr << "extract_features: nothing to submit: every shard is complete\n";
      print_paths(s.paths);
      return 0;
    }
    std::cerr << fmt::format(
        "extract_features: nothing to submit: {} shards complete, shards {} queued or running in "
        "job {}\n",
        s.complete().size(), list_text({live.begin(), live.end()}), list_text_of(live_jobs));
    return 0;
  }
  int k = 0;
  while (fs::exists(s.jobs_dir / fmt::format("job-{}.sh", k))) ++k;
  const fs::path script = s.jobs_dir / fmt::format("job-{}.sh", k);
  {
    std::ofstream out(script);
    out << "#!/bin/bash\n"
        << "# extract_features: shards " << index_ranges(todo) << " of " << s.count
        << ", one per array task (written by extract_features --shards " << s.count << " --slurm)\n"
        << "#SBATCH --job-name=" << job_name << "\n"
        << "#SBATCH --array=" << index_ranges(todo) << "\n"
        << "#SBATCH --output=" << (s.jobs_dir / "%A_%a.out").string() << "\n"
        << "#SBATCH --ntasks=1\n"
        << "cd " << results::shell_quote(fs::current_path().string()) << "\n"
        << "exec " << results::shell_quote(self_program());
    for (const std::string& a : args) out << " " << results::shell_quote(a);
    out << " --shard \"$SLURM_ARRAY_TASK_ID/" << s.count << "\" --threads "
        << (threads > 0 ? std::to_string(threads) : std::string("\"${SLURM_CPUS_PER_TASK:-1}\""))
        << "\n";
    MGR_CHECK(out, "cannot write the job script " << script.string());
  }
  fs::permissions(script, fs::perms::owner_exec, fs::perm_options::add);
  std::cerr << fmt::format(
      "extract_features: submitting shards {} of {} as a job array of {} task{}{}, script {}\n",
      list_text(todo), s.count, todo.size(), todo.size() == 1 ? "" : "s",
      wait ? " and waiting for it" : "", script.string());
  std::cerr.flush();
  const std::string job = results::sbatch_submit(script.string(), sbatch_args, wait);
  std::ofstream(s.jobs_dir / fmt::format("job-{}.id", k)) << job << "\n";
  std::cerr << fmt::format("extract_features: job array {} ({} task{}), logs {}/{}_<shard>.out\n",
                           job, todo.size(), todo.size() == 1 ? "" : "s", s.jobs_dir.string(), job);
  if (!wait) return 0;
  const std::vector<int> missing = s.missing();
  if (missing.empty()) {
    std::cerr << fmt::format("extract_features: job array {} finished; all {} shards complete\n",
                             job, s.count);
    print_paths(s.paths);
    return 0;
  }
  std::cerr << fmt::format(
      "extract_features: job array {} finished with shards {} of {} missing (logs {}/{}_<shard>"
      ".out); resubmit them with: {}\n",
      job, list_text(missing), s.count, s.jobs_dir.string(), job, resubmit);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "mgr: compute an experiment's features into the HDF5 feature cache, whole or as shards "
      "(local workers or a Slurm job array); prints the cache files on stdout"};
  std::string file, device, shard_text;
  std::vector<std::string> overrides, sbatch_args;
  int shards = 0, workers = 0, threads = 0;
  bool slurm = false, wait = false;
  app.add_option("config", file, "experiment YAML (e.g. experiments/crnn_gru.yaml)")->required();
  app.add_option("--set", overrides, "override a config key, e.g. --set features.type=mfcc");
  app.add_option("--device", device, "auto | cpu | cuda | cuda:N (same as --set device=...)");
  auto* shard_opt =
      app.add_option("--shard", shard_text, "build shard i of N only (i/N, 0 <= i < N), e.g. 3/8");
  auto* shards_opt =
      app.add_option("--shards", shards,
                     "build the N shards not complete yet: local worker processes, or with "
                     "--slurm one Slurm job array")
          ->check(CLI::Range(1, 100000))
          ->excludes(shard_opt);
  app.add_option("--threads", threads,
                 "decoding threads per build (default: every core; with --shards, the cores "
                 "shared among the workers; in a Slurm task, SLURM_CPUS_PER_TASK or 1)")
      ->check(CLI::NonNegativeNumber);
  auto* slurm_opt = app.add_flag("--slurm", slurm,
                                 "with --shards: submit the shards not complete (nor queued or "
                                 "running) as a Slurm job array, one task per shard")
                        ->needs(shards_opt);
  app.add_option("--workers", workers,
                 "with --shards: worker processes at once (default: one per core)")
      ->check(CLI::PositiveNumber)
      ->needs(shards_opt)
      ->excludes(slurm_opt);
  app.add_flag("--wait", wait,
               "with --slurm: return when the array has finished, listing missing shards")
      ->needs(slurm_opt);
  app.add_option("--sbatch-arg", sbatch_args,
                 "with --slurm: extra sbatch option, e.g. --sbatch-arg=--mem=4G (repeatable)")
      ->needs(slurm_opt);
  CLI11_PARSE(app, argc, argv);
  try {
    std::optional<train::ShardSpec> spec;
    if (!shard_text.empty()) spec = train::parse_shard(shard_text);
    if (slurm)
      if (auto problem = results::slurm_problem()) throw Error(*problem);
    std::vector<std::string> all = overrides;
    if (!device.empty()) all.push_back("device=" + device);
    // The config checked key by key, not the model against the features: the cache does not
    // depend on the model, and clip-level types are extracted for models that take vectors.
    const config::ExperimentConfig cfg = config::load_experiment(file, all);
    train::CacheBuildOptions opt;
    opt.threads = threads;
    if (shards > 0) {
      const ShardSet s = plan_shards(cfg, shards);
      const std::vector<std::string> args = worker_args(file, overrides, device);
      if (slurm)
        return submit_slurm_shards(s, args, threads, wait, sbatch_args, command_line(argc, argv));
      return run_local_shards(s, args, workers > 0 ? workers : cores(), threads);
    }
    const Device dev = resolve_device(cfg.device, std::cerr);
    features::FeaturePipeline pipeline(cfg.features, cfg.data.sample_rate, dev);
    std::string root;
    const train::TrackList tracks = train::select_experiment_tracks(cfg, std::cerr, root);
    std::cerr << fmt::format("extract_features: {} tracks from {}, clips of {:.2f} s, {} on {}\n",
                             tracks.candidates.size(), tracks.source, cfg.data.clip_seconds,
                             pipeline.describe(), dev.str());
    if (spec) {
      std::cout << train::build_cache_shard(cfg, tracks, pipeline, *spec, std::cerr, opt) << "\n";
      return 0;
    }
    const train::CacheTable t = train::open_cache_table(cfg, tracks, pipeline, std::cerr, opt);
    print_paths(t.files);
  } catch (const std::exception& e) {
    std::cerr << "extract_features: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
