// sweep experiments/sweeps/NAME.yaml [--workers N] [--slurm ...] [--status] [--dry-run]
// Expands a sweep file into runs of run_experiment, checks every one before any starts, skips
// the complete ones and runs the rest with local worker processes or as a Slurm job array.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "framework/results/slurm.h"
#include "framework/results/sweep_plan.h"
#include "framework/results/sweep_runner.h"
#include "framework/results/tables.h"
#include "kernels/error.h"

namespace fs = std::filesystem;
using namespace mgr::results;

namespace {

void write_plan(const SweepPlan& plan) {
  fs::create_directories(plan.out);
  const std::string path = plan_path(plan.out);
  std::ofstream(path + ".tmp") << plan_to_json(plan).dump(2, ' ', false,
                                                          nlohmann::json::error_handler_t::replace)
                               << "\n";
  fs::rename(path + ".tmp", path);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mgr: run a sweep of experiments (grid / zipped --set keys x seeds x folds)"};
  std::string file, out, run_experiment_program, task_plan, task_list;
  int workers = 0, task_index = -1;
  bool status = false, dry_run = false, slurm = false, wait = false;
  SlurmSettings cli;
  std::vector<std::string> sbatch_args;
  app.add_option("sweep", file, "sweep YAML (e.g. experiments/sweeps/crnn_rnn_by_split.yaml)");
  app.add_option("--out", out, "sweep directory (default: the file's out, or runs/sweeps/<name>)");
  app.add_option("--workers", workers,
                 "local worker processes (default: the file's workers, else one per GPU, or one "
                 "without a GPU)");
  app.add_flag("--status", status, "report done / running / queued / failed / pending and exit");
  app.add_flag("--dry-run", dry_run, "check every run and list them; run nothing");
  app.add_flag("--slurm", slurm, "submit the incomplete runs as a Slurm job array");
  app.add_option("--partition", cli.partition, "Slurm partition (overrides the file's)");
  app.add_option("--time", cli.time, "Slurm time limit per run, e.g. 02:00:00");
  app.add_option("--gpus-per-task", cli.gpus_per_task, "GPUs per array task");
  app.add_option("--cpus-per-task", cli.cpus_per_task, "CPUs per array task");
  app.add_option("--max-parallel", cli.max_parallel, "array tasks running at once (0: no limit)");
  app.add_option("--sbatch-arg", sbatch_args, "extra sbatch option, e.g. --sbatch-arg=--mem=16G");
  app.add_flag("--wait", wait, "with --slurm: return when the job array has finished");
  int threads = 0;
  app.add_option("--threads", threads,
                 "threads per run (OpenMP, OpenBLAS; default: the cores shared among the "
                 "workers when there are several and OMP_NUM_THREADS is not set)");
  bool exec_runs = false;
  app.add_flag("--exec", exec_runs,
               "start the run_experiment program for each run (default: a forked copy of sweep "
               "runs it, without a program start per run)");
  app.add_option("--run-experiment", run_experiment_program,
                 "the run_experiment program (default: the one beside sweep)");
  app.add_option("--task", task_plan, "internal: a Slurm array task, the sweep.json to read");
  app.add_option("--list", task_list, "internal: the array's run list");
  app.add_option("--index", task_index, "internal: the array task index");
  CLI11_PARSE(app, argc, argv);
  if (run_experiment_program.empty()) run_experiment_program = sibling_program("run_experiment");
  try {
    if (!task_plan.empty())
      return run_slurm_task(task_plan, task_list, task_index, run_experiment_program);
    if (file.empty()) throw mgr::Error("no sweep file given (e.g. experiments/sweeps/NAME.yaml)");
    // Every point is resolved here: nothing runs unless all of them are valid.
    SweepPlan plan = load_sweep(file, out);
    if (status) {
      if (!fs::exists(plan_path(plan.out))) {
        std::cout << "sweep " << plan.name << " (" << plan.out << "): not started, "
                  << plan.runs.size() << " runs planned\n";
        return 0;
      }
      std::cout << status_report(plan);
      return 0;
    }
    if (dry_run) {
      std::cout << "sweep " << plan.name << ": " << plan.points.size() << " points, "
                << plan.runs.size() << " runs, all valid; out " << plan.out << "\n";
      for (const SweepRun& r : plan.runs) {
        std::cout << "  " << r.id << (run_complete(r) ? "  (complete)" : "") << "\n";
      }
      return 0;
    }
    write_plan(plan);
    if (slurm) {
      if (auto problem = slurm_problem()) throw mgr::Error(*problem);
      SlurmSettings s = plan.slurm;
      if (!cli.partition.empty()) s.partition = cli.partition;
      if (!cli.time.empty()) s.time = cli.time;
      if (cli.gpus_per_task > 0) s.gpus_per_task = cli.gpus_per_task;
      if (cli.cpus_per_task > 0) s.cpus_per_task = cli.cpus_per_task;
      if (cli.max_parallel > 0) s.max_parallel = cli.max_parallel;
      s.sbatch.insert(s.sbatch.end(), sbatch_args.begin(), sbatch_args.end());
      const SlurmSubmission sub = submit_slurm(plan, s, wait, sibling_program("sweep"));
      if (sub.tasks == 0) {
        std::cout << "sweep " << plan.name << ": nothing to submit (" << sub.skipped
                  << " runs complete or still queued)\n";
      } else {
        std::cout << "sweep " << plan.name << ": submitted job array " << sub.job_id << " ("
                  << sub.tasks << " tasks, " << sub.skipped << " runs skipped), script "
                  << sub.script << "\n";
      }
      if (wait || sub.tasks == 0) {
        SweepCounts c;
        std::cout << status_report(plan, &c);
        if (c.done == c.total) {
          // An array task cancelled after recording its run done but before its point's
          // aggregate was written leaves that aggregate missing, and maybe its temporary.
          for (int p = 0; p < static_cast<int>(plan.points.size()); ++p)
            write_point_aggregate(plan, p);
          remove_stale_temporaries(plan);
          write_sweep_tables(plan.out);
        }
        return c.failed ? 1 : 0;
      }
      return 0;
    }
    LocalOptions lo;
    lo.workers = workers > 0 ? workers : plan.workers;
    lo.in_process = !exec_runs;
    lo.threads = threads;
    const int gpus = gpu_count_in_child();
    if (lo.workers <= 0) lo.workers = std::max(1, gpus);
    for (int g = 0; g < gpus; ++g) lo.gpus.push_back(std::to_string(g));
    const SweepCounts c = run_local(plan, run_experiment_program, lo);
    SweepCounts now;
    std::cout << status_report(plan, &now);
    std::cout << fmt::format(
        "sweep {}: {} runs in {:.1f} s wall, {:.1f} s inside the runs ({} skipped as complete)\n",
        plan.name, c.done + c.failed, c.wall_seconds, c.run_seconds, c.skipped);
    if (now.done == now.total) write_sweep_tables(plan.out);
    return c.failed ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "sweep: error: " << e.what() << "\n";
    return 2;
  }
}
