#include "framework/results/slurm.h"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "framework/results/sweep_runner.h"
#include "kernels/error.h"

namespace mgr::results {

namespace fs = std::filesystem;

namespace {

// Runs a shell command; returns (exit status, stdout and stderr).
std::pair<int, std::string> capture(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {127, "cannot run " + cmd};
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : 128, out};
}

std::string first_line(const std::string& s) {
  const size_t start = s.find_first_not_of(" \n\t");
  if (start == std::string::npos) return "";
  const size_t end = s.find('\n', start);
  return s.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The last non-empty line: Slurm's clients end with the fatal reason after their warnings.
std::string last_line(const std::string& s) {
  std::istringstream in(s);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t") != std::string::npos) last = line;
  return last;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::string p = path;
  for (size_t start = 0; start <= p.size();) {
    const size_t end = p.find(':', start);
    const std::string dir =
        p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return false;
}

// Array job ids that squeue still lists (pending or running).
std::set<std::string> live_jobs() {
  const auto [rc, out] = capture("squeue -h -o %F");
  std::set<std::string> ids;
  if (rc != 0) return ids;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) ids.insert(first_line(line));
  return ids;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return first_line(s);
}

}  // namespace

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string sbatch_submit(const std::string& script, const std::vector<std::string>& args,
                          bool wait) {
  std::string cmd = "sbatch --parsable";
  if (wait) cmd += " --wait";
  // Appended piecewise: `" " + string` trips GCC 12's false -Wrestrict (GCC bug 105329).
  for (const std::string& a : args) cmd.append(" ").append(shell_quote(a));
  cmd.append(" ").append(shell_quote(script));
  const auto [rc, out] = capture(cmd);
  const std::string job = first_line(out).substr(0, first_line(out).find(';'));
  if (rc != 0 && (job.empty() || !std::isdigit(static_cast<unsigned char>(job[0])) || !wait))
    MGR_FAIL("sbatch refused the job array: " << first_line(out));
  return job;
}

std::map<std::string, std::set<int>> live_array_tasks(const std::string& job_name) {
  // -r: one line per array task, pending ones included.
  std::string cmd = "squeue -h -r -o '%F %K'";
  if (!job_name.empty()) cmd.append(" -n ").append(shell_quote(job_name));
  const auto [rc, out] = capture(cmd);
  std::map<std::string, std::set<int>> tasks;
  if (rc != 0) return tasks;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string job, index;
    if (!(fields >> job >> index) || index.empty() ||
        index.find_first_not_of("0123456789") != std::string::npos)
      continue;
    tasks[job].insert(std::stoi(index));
  }
  return tasks;
}

std::optional<std::string> slurm_problem() {
  if (!on_path("sbatch")) return "Slurm is not installed: no sbatch on PATH";
  if (!on_path("sinfo")) return "Slurm is not installed: no sinfo on PATH";
  const auto [rc, out] = capture("timeout 20 sinfo -h -o %P");
  if (rc != 0) {
    const std::string why = last_line(out);
    return "Slurm is not reachable (sinfo failed" + (why.empty() ? std::string(")") : "): " + why);
  }
  return std::nullopt;
}

SlurmSubmission submit_slurm(const SweepPlan& plan, const SlurmSettings& s, bool wait,
                             const std::string& sweep_program) {
  const fs::path dir = fs::absolute(fs::path(plan.out) / "slurm");
  fs::create_directories(dir);
  SlurmSubmission sub;
  const std::set<std::string> live = live_jobs();
  std::vector<const SweepRun*> todo;
  for (const SweepRun& r : plan.runs) {
    if (run_complete(r)) {
      ++sub.skipped;
      continue;
    }
    const nlohmann::json st = read_run_status(r);
    const std::string state = st.value("state", "");
    std::string job = st.value("slurm_job", "");
    if (state == "queued" && job.empty() && st.contains("list"))
      job = read_text(fs::path(st["list"].get<std::string>() + ".job"));
    if ((state == "queued" || state == "running") && !job.empty() && live.count(job)) {
      ++sub.skipped;
      continue;
    }
    todo.push_back(&r);
  }
  if (todo.empty()) return sub;

  int k = 0;
  while (fs::exists(dir / fmt::format("array-{}.txt", k))) ++k;
  const fs::path list = dir / fmt::format("array-{}.txt", k);
  const fs::path script = dir / fmt::format("job-{}.sh", k);
  {
    std::ofstream out(list);
    for (const SweepRun* r : todo) out << r->id << "\n";
  }
  const fs::path plan_file = fs::absolute(plan_path(plan.out));
  {
    std::ofstream out(script);
    out << "#!/bin/bash\n"
        << "# sweep " << plan.name << ": " << todo.size() << " runs, one per array task\n"
        << "#SBATCH --job-name="
        << "sweep-" << plan.name << "\n"
        << "#SBATCH --array=0-" << todo.size() - 1
        << (s.max_parallel > 0 ? fmt::format("%{}", s.max_parallel) : std::string()) << "\n"
        << "#SBATCH --output=" << (dir / "%A_%a.out").string() << "\n";
    if (!s.partition.empty()) out << "#SBATCH --partition=" << s.partition << "\n";
    if (!s.time.empty()) out << "#SBATCH --time=" << s.time << "\n";
    if (s.gpus_per_task > 0) out << "#SBATCH --gpus-per-task=" << s.gpus_per_task << "\n";
    if (s.cpus_per_task > 0) out << "#SBATCH --cpus-per-task=" << s.cpus_per_task << "\n";
    out << "#SBATCH --ntasks=1\n"
        << "cd " << shell_quote(fs::current_path().string()) << "\n"
        << "exec " << shell_quote(fs::absolute(sweep_program).string()) << " --task "
        << shell_quote(plan_file.string()) << " --list " << shell_quote(list.string())
        << " --index \"$SLURM_ARRAY_TASK_ID\"\n";
  }
  fs::permissions(script, fs::perms::owner_exec, fs::perm_options::add);
  // Marked before sbatch: a task that starts at once must find its run queued, not overwrite
  // a later "queued" with nothing.
  for (const SweepRun* r : todo)
    write_run_status(*r, {{"state", "queued"}, {"list", list.string()}});
  std::string job;
  try {
    job = sbatch_submit(script.string(), s.sbatch, wait);
  } catch (const Error&) {
    for (const SweepRun* r : todo) fs::remove(fs::path(r->dir) / "sweep_status.json");
    throw;
  }
  std::ofstream(list.string() + ".job") << job << "\n";
  sub.job_id = job;
  sub.tasks = static_cast<int>(todo.size());
  sub.script = script.string();
  return sub;
}

int run_slurm_task(const std::string& plan_file, const std::string& list, int index,
                   const std::string& run_experiment_program) {
  std::ifstream in(plan_file);
  MGR_CHECK(in, "cannot read the sweep plan " << plan_file);
  const SweepPlan plan = plan_from_json(nlohmann::json::parse(in));
  std::ifstream ids(list);
  std::string id;
  for (int i = 0; i <= index && std::getline(ids, id); ++i) {
  }
  MGR_CHECK(!id.empty(), "array task " << index << ": no line " << index << " in " << list);
  for (const SweepRun& r : plan.runs) {
    if (r.id != id) continue;
    std::cerr << "sweep task " << index << ": run " << r.id << "\n";
    const bool done = execute_run(r, run_experiment_program);
    if (done) write_point_aggregate(plan, r.point);
    std::cerr << "sweep task " << index << ": " << (done ? "done" : "failed") << "\n";
    return done ? 0 : 1;
  }
  MGR_FAIL("array task " << index << ": run '" << id << "' is not in " << plan_file);
}

}  // namespace mgr::results
