// A sweep on a Slurm cluster: the incomplete runs are submitted as one job array (one array
// task per run) whose tasks call `sweep --task`, which executes that run like a local worker
// does (same run.log and sweep_status.json). Submission files live in <out>/slurm/.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "framework/results/sweep_plan.h"

namespace mgr::results {

// Why Slurm cannot be used from here, in one line ("Slurm is not installed: no sbatch on PATH",
// "Slurm is not reachable: sinfo: error: ..."); nullopt when sinfo answers.
std::optional<std::string> slurm_problem();

// `s` in single quotes for a POSIX shell (a job script line).
std::string shell_quote(const std::string& s);

// Runs `sbatch --parsable [--wait] ARGS... SCRIPT` and returns the job id. With `wait` it returns
// when the job has finished; sbatch's non-zero status then (a task failed or was cancelled) is
// not an error. Throws mgr::Error "sbatch refused the job array: <its message>" otherwise.
std::string sbatch_submit(const std::string& script, const std::vector<std::string>& args,
                          bool wait);

// The array task indices squeue still lists (pending or running), by array job id, of the jobs
// named `job_name` (every job when empty); empty when squeue does not answer.
std::map<std::string, std::set<int>> live_array_tasks(const std::string& job_name = "");

struct SlurmSubmission {
  std::string job_id;  // empty when nothing needed submitting
  int tasks = 0;       // array tasks submitted
  int skipped = 0;     // runs complete or still queued / running in an earlier array
  std::string script;  // the job script written
};

// Writes <out>/slurm/array-<k>.txt (the run ids) and job-<k>.sh, marks those runs queued and
// calls sbatch (with --wait: returns when the array has finished). `sweep_program` is the
// sweep binary the tasks run. Throws mgr::Error with sbatch's message when it refuses.
SlurmSubmission submit_slurm(const SweepPlan& plan, const SlurmSettings& settings, bool wait,
                             const std::string& sweep_program);

// One array task: the run listed at line `index` of `list` (run ids) in the plan. Returns the
// process exit status (0 when the run is done).
int run_slurm_task(const std::string& plan_file, const std::string& list, int index,
                   const std::string& run_experiment_program);

}  // namespace mgr::results
