#include "framework/results/sweep_runner.h"

#include <cblas.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <omp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/experiment/protocol.h"
#include "framework/store/atomic_write.h"
#include "framework/tensor/device.h"
#include "kernels/error.h"

extern char** environ;

namespace mgr::results {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

std::string host_name() {
  char host[256] = {0};
  return gethostname(host, sizeof(host) - 1) == 0 ? std::string(host) : std::string("?");
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buf;
}

// Writes a file whole or not at all (readers of another process never see half of it).
void write_atomically(const fs::path& path, const std::string& text) {
  train::write_file_atomically(path.string(), text);
}

// The line of a run's log that says why it failed: the last one naming an error, else the last.
std::string error_line(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last, last_error;
  while (std::getline(in, line)) {
    const size_t cr = line.rfind('\r');  // progress lines rewritten in place
    if (cr != std::string::npos) line = line.substr(cr + 1);
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    last = line;
    if (line.find("error") != std::string::npos || line.find("Error") != std::string::npos)
      last_error = line;
  }
  const std::string s = last_error.empty() ? last : last_error;
  return s.empty() ? "no output" : s.substr(0, 500);
}

// Log file flags: a resumed run adds to the log of its earlier start instead of replacing it.
int log_flags(bool append) { return O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC); }

// Starts `program args` with stdout and stderr written to `log`; returns the child's pid.
pid_t spawn(const std::string& program, const std::vector<std::string>& args,
            const std::string& log, const std::vector<std::string>& extra_env, bool append) {
  std::vector<std::string> argv_s = {program};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s;
  std::set<std::string> replaced;
  for (const std::string& e : extra_env) replaced.insert(e.substr(0, e.find('=')));
  for (char** e = environ; *e; ++e) {
    const std::string kv = *e;
    if (!replaced.count(kv.substr(0, kv.find('=')))) env_s.push_back(kv);
  }
  env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (std::string& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), log_flags(append), 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  MGR_CHECK(rc == 0, "cannot start " << program << ": " << std::strerror(rc));
  return pid;
}

// The run in a forked copy of this process instead of a new program: no dynamic loading and no
// library start-up per run (about 30 ms on the 2-core machine, a tenth of a tiny run). The
// arguments are the ones run_experiment takes (the plan writes only CONFIG, --set and --out).
// The sweep itself never starts CUDA or OpenMP threads, so the child initialises them afresh.
pid_t fork_run(const SweepRun& r, const std::string& log, const std::vector<std::string>& env,
               bool resume) {
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  MGR_CHECK(pid >= 0, "fork: " << std::strerror(errno));
  if (pid > 0) return pid;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);  // not the sweep's handler
  int code = 1;
  try {
    const int fd = ::open(log.c_str(), log_flags(resume) | O_CLOEXEC, 0644);
    if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0) ::_exit(126);
    ::close(fd);
    for (const std::string& e : env) {
      const size_t eq = e.find('=');
      ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
      // OpenMP and OpenBLAS read their variables when loaded, in the parent: set them here.
      if (e.compare(0, eq, "OMP_NUM_THREADS") == 0) {
        omp_set_num_threads(std::stoi(e.substr(eq + 1)));
        openblas_set_num_threads(std::stoi(e.substr(eq + 1)));
      }
    }
    if (resume) {
      train::resume_experiment(r.dir);
      std::cout.flush();
      std::cerr.flush();
      ::_exit(0);
    }
    MGR_CHECK(!r.args.empty(), "run " << r.id << " has no arguments");
    train::RunOptions opt;
    opt.config_source = r.args[0];
    for (size_t i = 1; i + 1 < r.args.size(); i += 2) {
      if (r.args[i] == "--set")
        opt.overrides.push_back(r.args[i + 1]);
      else if (r.args[i] == "--out")
        opt.out_dir = r.args[i + 1];
      else
        MGR_FAIL("run " << r.id << ": unexpected argument " << r.args[i]);
    }
    train::run_protocol(experiment::load(opt.config_source, opt.overrides), opt);
    code = 0;
  } catch (const std::exception& e) {
    std::cerr << "run_experiment: error: " << e.what() << "\n";
  }
  std::cout.flush();
  std::cerr.flush();
  ::_exit(code);  // no destructors of the parent's objects in the child
}

// The run's arguments are kept: a later sweep resumes the run only with the same ones.
nlohmann::json started_status(const SweepRun& r, pid_t pid, bool resumed) {
  return {{"state", "running"},   {"pid", pid},     {"host", host_name()},
          {"started", utc_now()}, {"args", r.args}, {"resumed", resumed}};
}

// Records how the child ended; true when the run is done.
bool finish_run(const SweepRun& r, nlohmann::json status, int wait_status, double seconds) {
  const bool exited_ok = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
  const bool done = exited_ok && fs::exists(fs::path(r.dir) / "metrics.json");
  status["state"] = done ? "done" : "failed";
  status["seconds"] = seconds;
  status["finished"] = utc_now();
  if (WIFEXITED(wait_status)) status["exit_code"] = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) status["signal"] = WTERMSIG(wait_status);
  if (!done) {
    status["error"] = !exited_ok ? error_line(fs::path(r.dir) / "run.log")
                                 : std::string("exited 0 but wrote no metrics.json");
  }
  write_run_status(r, status);
  return done;
}

std::string duration_text(double s) {
  if (s < 60) return fmt::format("{:.1f}s", s);
  const int m = static_cast<int>(s / 60);
  return m < 60 ? fmt::format("{}m{:02d}s", m, static_cast<int>(s) % 60)
                : fmt::format("{}h{:02d}m", m / 60, m % 60);
}

// A pid recorded on this host that no longer exists: the sweep that ran it was interrupted.
bool interrupted(const nlohmann::json& st) {
  if (st.value("state", "") != "running" || st.value("host", "") != host_name()) return false;
  const pid_t pid = st.value("pid", 0);
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  // A zombie is gone too: its parent, the sweep, died without reaping it.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_text, comm, state;
  return (stat >> pid_text >> comm >> state) && state == "Z";
}

// The running children by worker slot, for the signal handler: an interrupted sweep stops its
// runs too (their folders say "running" with a pid that is gone: --status calls them
// interrupted and the next sweep reruns them).
constexpr int kMaxSlots = 256;
volatile pid_t g_children[kMaxSlots] = {};

extern "C" void stop_children(int sig) {
  for (int i = 0; i < kMaxSlots; ++i)
    if (g_children[i] > 0) ::kill(g_children[i], SIGTERM);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

nlohmann::json read_run_status(const SweepRun& r) {
  std::ifstream in(fs::path(r.dir) / "sweep_status.json");
  if (!in) return {{"state", "pending"}};
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return {{"state", "pending"}};
  }
}

void write_run_status(const SweepRun& r, const nlohmann::json& status) {
  fs::create_directories(r.dir);
  write_atomically(fs::path(r.dir) / "sweep_status.json",
                   status.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

bool run_resumes(const SweepRun& r) {
  const fs::path dir(r.dir);
  if (!fs::is_regular_file(dir / "config.yaml") || fs::exists(dir / "metrics.json")) return false;
  const nlohmann::json st = read_run_status(r);
  return st.contains("args") && st["args"] == nlohmann::json(r.args);
}

std::vector<std::string> run_arguments(const SweepRun& r, bool resume) {
  return resume ? std::vector<std::string>{"--resume", r.dir} : r.args;
}

bool run_complete(const SweepRun& r) {
  return read_run_status(r).value("state", "") == "done" &&
         fs::exists(fs::path(r.dir) / "metrics.json");
}

int remove_stale_temporaries(const SweepPlan& plan) {
  int removed = 0;
  for (const SweepPoint& p : plan.points)
    removed += train::remove_stale_temporaries((fs::path(plan.out) / p.dir).string());
  for (const SweepRun& r : plan.runs) removed += train::remove_stale_temporaries(r.dir);
  return removed;
}

bool execute_run(const SweepRun& r, const std::string& program,
                 const std::vector<std::string>& env) {
  fs::create_directories(r.dir);
  train::remove_stale_temporaries(r.dir);
  const auto t0 = Clock::now();
  const bool resume = run_resumes(r);
  const pid_t pid =
      spawn(program, run_arguments(r, resume), (fs::path(r.dir) / "run.log").string(), env, resume);
  nlohmann::json st = started_status(r, pid, resume);
  if (const char* job = std::getenv("SLURM_ARRAY_JOB_ID")) st["slurm_job"] = job;
  write_run_status(r, st);
  int ws = 0;
  while (::waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  const bool done = finish_run(r, st, ws, std::chrono::duration<double>(Clock::now() - t0).count());
  return done;
}

bool write_point_aggregate(const SweepPlan& plan, int point) {
  std::vector<nlohmann::json> metrics;
  std::vector<std::string> dirs;
  const fs::path pdir = fs::path(plan.out) / plan.points[static_cast<size_t>(point)].dir;
  for (const SweepRun& r : plan.runs) {
    if (r.point != point) continue;
    if (!run_complete(r)) return false;
    std::ifstream in(fs::path(r.dir) / "metrics.json");
    metrics.push_back(nlohmann::json::parse(in));
    dirs.push_back(fs::relative(r.dir, pdir).string());
  }
  if (metrics.empty()) return false;
  nlohmann::json a = train::aggregate_metrics(metrics, dirs);
  nlohmann::json varied = nlohmann::json::object();
  for (const SweepSetting& s : plan.points[static_cast<size_t>(point)].varied)
    varied[s.key] = s.value;
  a["sweep"] = {{"name", plan.name},
                {"point", plan.points[static_cast<size_t>(point)].dir},
                {"varied", varied}};
  write_atomically(pdir / "metrics.json",
                   a.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  write_atomically(pdir / "table_row.md", train::aggregate_table(a));
  return true;
}

SweepCounts run_local(const SweepPlan& plan, const std::string& program, const LocalOptions& opt) {
  const auto t0 = Clock::now();
  SweepCounts c;
  c.total = static_cast<int>(plan.runs.size());
  std::vector<size_t> pending;
  std::set<std::string> warm;  // feature groups whose cache a finished run has written
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    if (run_complete(plan.runs[i])) {
      ++c.skipped;
      warm.insert(plan.runs[i].features);
    } else {
      pending.push_back(i);
    }
  }
  const int workers = std::clamp(opt.workers, 1, kMaxSlots);
  // Several runs side by side share the cores instead of each taking all of them.
  int threads = opt.threads;
  if (threads <= 0 && workers > 1 && !std::getenv("OMP_NUM_THREADS"))
    threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / workers);
  const auto resuming = std::count_if(pending.begin(), pending.end(),
                                      [&](size_t i) { return run_resumes(plan.runs[i]); });
  if (!opt.quiet)
    std::cerr << fmt::format(
        "sweep {}: {} runs in {} points, {} already complete, {} to run{} with {} worker{}{}\n",
        plan.name, c.total, plan.points.size(), c.skipped, pending.size(),
        resuming > 0 ? fmt::format(" ({} resuming from their last epoch)", resuming) : "", workers,
        workers == 1 ? "" : "s",
        threads > 0 ? fmt::format(", {} thread{} each", threads, threads == 1 ? "" : "s") : "");
  for (int p = 0; p < static_cast<int>(plan.points.size()); ++p) write_point_aggregate(plan, p);

  struct Slot {
    size_t run;
    Clock::time_point start;
    nlohmann::json status;
    int gpu_slot;
  };
  std::map<pid_t, Slot> running;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, stop_children);
  std::set<std::string> computing;  // feature groups whose first run is running
  std::vector<bool> slot_busy(static_cast<size_t>(workers), false);
  int finished = 0;
  const int to_run = static_cast<int>(pending.size());
  while (!pending.empty() || !running.empty()) {
    // Start what may start: a run whose features are cached, or the first of its group.
    for (auto it = pending.begin();
         it != pending.end() && static_cast<int>(running.size()) < workers;) {
      const SweepRun& r = plan.runs[*it];
      if (!warm.count(r.features) && computing.count(r.features)) {
        ++it;
        continue;
      }
      if (!warm.count(r.features)) computing.insert(r.features);
      int slot = 0;
      while (slot_busy[static_cast<size_t>(slot)]) ++slot;
      slot_busy[static_cast<size_t>(slot)] = true;
      std::vector<std::string> env;
      if (threads > 0)
        env.insert(env.end(), {"OMP_NUM_THREADS=" + std::to_string(threads),
                               "OPENBLAS_NUM_THREADS=" + std::to_string(threads)});
      if (!opt.gpus.empty())
        env.push_back("CUDA_VISIBLE_DEVICES=" +
                      opt.gpus[static_cast<size_t>(slot) % opt.gpus.size()]);
      fs::create_directories(r.dir);
      train::remove_stale_temporaries(r.dir);
      const std::string log = (fs::path(r.dir) / "run.log").string();
      const bool resume = run_resumes(r);
      const pid_t pid = opt.in_process ? fork_run(r, log, env, resume)
                                       : spawn(program, run_arguments(r, resume), log, env, resume);
      nlohmann::json st = started_status(r, pid, resume);
      write_run_status(r, st);
      running[pid] = Slot{*it, Clock::now(), st, slot};
      g_children[slot] = pid;
      it = pending.erase(it);
    }
    int ws = 0;
    const pid_t pid = ::waitpid(-1, &ws, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      MGR_FAIL("waitpid: " << std::strerror(errno));
    }
    const auto found = running.find(pid);
    if (found == running.end()) continue;
    const Slot s = found->second;
    running.erase(found);
    g_children[s.gpu_slot] = 0;
    slot_busy[static_cast<size_t>(s.gpu_slot)] = false;
    const SweepRun& r = plan.runs[s.run];
    const double secs = std::chrono::duration<double>(Clock::now() - s.start).count();
    const bool done = finish_run(r, s.status, ws, secs);
    warm.insert(r.features);  // done or failed: either way the next one may go
    computing.erase(r.features);
    c.run_seconds += secs;
    ++finished;
    std::string figures;
    if (done) {
      ++c.done;
      std::ifstream in(fs::path(r.dir) / "metrics.json");
      const nlohmann::json m = nlohmann::json::parse(in);
      figures = fmt::format("clip {:.3f}, track {:.3f}", m["test"]["clip_accuracy"].get<double>(),
                            m["test"]["track_accuracy"].get<double>());
      write_point_aggregate(plan, r.point);
    } else {
      ++c.failed;
      figures = "FAILED: " + read_run_status(r).value("error", "?");
    }
    if (!opt.quiet) {
      const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
      const double eta = c.run_seconds / finished * (to_run - finished) / workers;
      std::cerr << fmt::format(
          "sweep: [{}/{}] {} {} in {} ({}) | {} running, {} waiting, "
          "elapsed {}{}\n",
          finished + c.skipped, c.total, done ? "done  " : "failed", r.id, duration_text(secs),
          figures, running.size(), pending.size(), duration_text(elapsed),
          finished < to_run ? ", ETA ~" + duration_text(eta) : "");
    }
  }
  // Every run of this sweep has ended: what killed ones (this sweep's or an earlier one's)
  // left half-written goes, from the run folders and from the points' aggregates.
  remove_stale_temporaries(plan);
  c.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return c;
}

std::string status_report(const SweepPlan& plan, SweepCounts* counts) {
  SweepCounts c;
  c.total = static_cast<int>(plan.runs.size());
  std::string details;
  int interrupted_runs = 0;
  for (const SweepRun& r : plan.runs) {
    const nlohmann::json st = read_run_status(r);
    const std::string state = st.value("state", "pending");
    if (state == "done" && run_complete(r)) {
      ++c.done;
    } else if (state == "failed") {
      ++c.failed;
      details += fmt::format("  failed       {}: {}\n", r.id, st.value("error", "?"));
    } else if (state == "running" && interrupted(st)) {
      ++interrupted_runs;
      details += fmt::format("  interrupted  {} (pid {} is gone; the next sweep reruns it)\n", r.id,
                             st.value("pid", 0));
    } else if (state == "running") {
      ++c.running;
    } else if (state == "queued") {
      ++c.queued;
    } else {
      ++c.pending;
    }
  }
  c.pending += interrupted_runs;
  if (counts) *counts = c;
  return fmt::format(
             "sweep {} ({}): {} runs: {} done, {} running, {} queued, {} failed, {} pending{}\n",
             plan.name, plan.out, c.total, c.done, c.running, c.queued, c.failed, c.pending,
             interrupted_runs ? fmt::format(" ({} interrupted)", interrupted_runs) : "") +
         details;
}

int gpu_count_in_child() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(std::min(cuda_device_count(), 100));
  int ws = 0;
  if (pid < 0 || ::waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws)) return 0;
  return WEXITSTATUS(ws);
}

std::string sibling_program(const std::string& name) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? name : (self.parent_path() / name).string();
}

}  // namespace mgr::results
