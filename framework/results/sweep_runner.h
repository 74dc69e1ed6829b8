// Executing a sweep's runs: each run is one run_experiment process whose output goes to
// <run dir>/run.log and whose state is <run dir>/sweep_status.json (queued, running, done,
// failed, with the error). A run is complete when its state is done and its metrics.json exists;
// complete runs are skipped, so an interrupted sweep resumes where it stopped, and a run that had
// started continues from its training state (run_experiment --resume). Runs that share
// features wait until the first of them has finished, so they read its feature cache instead of
// computing the same features side by side.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/results/sweep_plan.h"

namespace mgr::results {

// sweep_status.json of a run; {"state": "pending"} when there is none.
nlohmann::json read_run_status(const SweepRun& r);
void write_run_status(const SweepRun& r, const nlohmann::json& status);
bool run_complete(const SweepRun& r);

// A run that started before with the arguments it has now (its sweep_status.json records them;
// its folder has the config.yaml a run writes when training begins) and has no metrics.json: it
// continues from its last saved epoch instead of starting again, so an interrupted sweep loses
// at most the epoch each run was in. A run whose arguments changed (the sweep file's `set:`
// edited) starts afresh; so does one whose folder was deleted.
bool run_resumes(const SweepRun& r);
// The run_experiment arguments for the run: `--resume DIR` when resuming, else the plan's.
std::vector<std::string> run_arguments(const SweepRun& r, bool resume);

// Runs one run in a child process and waits for it; records running, then done or failed (with
// the last error line of the log). Returns true when it is done. `program` is run_experiment.
// `env` entries ("CUDA_VISIBLE_DEVICES=1") are added to the child's environment.
bool execute_run(const SweepRun& r, const std::string& program,
                 const std::vector<std::string>& env = {});

struct LocalOptions {
  int workers = 1;
  std::vector<std::string> gpus;  // one per worker slot: CUDA_VISIBLE_DEVICES; empty: none set
  bool quiet = false;             // no progress lines
  // true: each run in a forked copy of this process (no program start per run); false: the
  // run_experiment program, as Slurm tasks do.
  bool in_process = true;
  // Threads per run (OMP_NUM_THREADS and OpenBLAS). 0: the cores divided among the workers when
  // there are several and OMP_NUM_THREADS is not set, else the process default.
  int threads = 0;
};

// CUDA devices, counted in a short-lived child so that this process never initialises CUDA
// (its forked runs could not use it then).
int gpu_count_in_child();

struct SweepCounts {
  int total = 0, done = 0, failed = 0, running = 0, queued = 0, pending = 0, skipped = 0;
  double wall_seconds = 0, run_seconds = 0;  // the sweep's wall time, the runs' own times summed
};

// Runs every incomplete run of the plan with `workers` child processes, printing a progress line
// per finished run; a failed run is recorded and the sweep goes on. Writes each finished point's
// aggregate (metrics.json, table_row.md in the point's folder). Returns the counts.
SweepCounts run_local(const SweepPlan& plan, const std::string& program, const LocalOptions& opt);

// train::remove_stale_temporaries (store/atomic_write.h) in every run and point folder of the
// plan: once every run of a sweep is done (a worker or array task also clears its run's folder
// before it starts the run).
int remove_stale_temporaries(const SweepPlan& plan);

// The aggregate of a point whose runs are all done (train::aggregate_metrics), written into its
// folder; false when some run is not done yet.
bool write_point_aggregate(const SweepPlan& plan, int point);

// done / running / queued / failed / pending / interrupted per run, as a table for --status:
// counts first, then one line per failed or interrupted run with its error.
std::string status_report(const SweepPlan& plan, SweepCounts* counts = nullptr);

// The run_experiment next to the running program (tools are built into one folder).
std::string sibling_program(const std::string& name);

}  // namespace mgr::results
