#include "framework/results/sweep_plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>

#include "framework/config/did_you_mean.h"
#include "framework/config/field_table.h"
#include "framework/config/yaml_config.h"
#include "framework/experiment/load.h"
#include "framework/experiment/protocol.h"
#include "framework/tasks/task_kind.h"
#include "kernels/error.h"

namespace mgr::results {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTopKeys = {"name", "experiment", "out",     "set",  "grid",
                                           "zip",  "protocol",   "workers", "slurm"};
const std::vector<std::string> kSlurmKeys = {"partition",     "time",         "gpus_per_task",
                                             "cpus_per_task", "max_parallel", "sbatch"};
const std::vector<std::string> kProtocolKeys = {"seeds", "folds"};

// Collects located problems; every message starts with file:line:column.
struct Problems {
  std::string file;
  std::vector<std::string> lines;
  void add(const YAML::Mark& m, const std::string& msg) {
    lines.push_back(m.is_null() ? file + ": " + msg
                                : fmt::format("{}:{}:{}: {}", file, m.line + 1, m.column + 1, msg));
  }
};

std::string flow_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

// Lower-case letters, digits, '.', '_' and '-' of a value, for folder names.
std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "x" : out;
}

void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed,
                const std::string& where, Problems& p) {
  for (const auto& kv : map) {
    const std::string k = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    const std::string guess = config::closest_match(k, allowed);
    p.add(kv.first.Mark(), fmt::format("unknown {}key '{}'{}; expected one of: {}", where, k,
                                       guess.empty() ? "" : " (did you mean '" + guess + "'?)",
                                       fmt::join(allowed, ", ")));
  }
}

// A mapping key -> list of values (grid, zip); every entry a located setting.
std::vector<std::pair<std::string, std::vector<SweepSetting>>> axes(const YAML::Node& n,
                                                                    const std::string& what,
                                                                    Problems& p) {
  std::vector<std::pair<std::string, std::vector<SweepSetting>>> out;
  if (!n) return out;
  if (!n.IsMap()) {
    p.add(n.Mark(), what + ": expected a mapping of key: [values]");
    return out;
  }
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    if (!kv.second.IsSequence() || kv.second.size() == 0) {
      p.add(kv.second.Mark(), fmt::format("{}.{}: expected a non-empty list of values", what, key));
      continue;
    }
    std::vector<SweepSetting> values;
    for (const auto& v : kv.second)
      values.push_back({key, flow_text(v), v.Mark().line + 1, v.Mark().column + 1});
    out.emplace_back(key, values);
  }
  return out;
}

// The keys that decide a run's features (and so its cache file): data and features, less what
// only splits or batches them.
std::string feature_group(const config::ExperimentConfig& c) {
  static const std::set<std::string> ignored = {
      "data.split",         "data.split_fractions", "data.split_seed",
      "features.normalize", "features.mode",        "features.batch_clips",
      "features.upload",    "features.cache_dir",   "features.cache"};
  std::string s;
  for (const config::Field& f : config::experiment_fields()) {
    if ((f.key.rfind("data.", 0) != 0 && f.key.rfind("features.", 0) != 0) || ignored.count(f.key))
      continue;
    s += f.key + "=" + f.yaml(c) + "\n";
  }
  return s;
}

// Replaces each "--set <override text>" in an experiment-parser message by the place in the
// sweep file that the override came from.
std::string locate(std::string message, const std::vector<SweepSetting>& settings,
                   const std::string& file) {
  for (const SweepSetting& s : settings) {
    const std::string needle = "--set " + s.text();
    for (size_t at = message.find(needle); at != std::string::npos; at = message.find(needle, at)) {
      const std::string where = fmt::format("{}:{}:{}: {}", file, s.line, s.column, s.text());
      message.replace(at, needle.size(), where);
      at += where.size();
    }
  }
  return message;
}

}  // namespace

std::string plan_path(const std::string& out) { return (fs::path(out) / "sweep.json").string(); }

SweepPlan load_sweep(const std::string& path, const std::string& out_override) {
  Problems p{path, {}};
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error("cannot open sweep file '" + path + "'");
  } catch (const YAML::Exception& e) {
    throw Error(fmt::format("{}:{}:{}: YAML syntax error: {}", path, e.mark.line + 1,
                            e.mark.column + 1, e.msg));
  }
  if (!root.IsMap()) throw Error(path + ": expected a mapping (name, experiment, grid, ...)");
  check_keys(root, kTopKeys, "", p);

  SweepPlan plan;
  plan.file = path;
  plan.name = root["name"] ? root["name"].Scalar() : fs::path(path).stem().string();
  if (!root["experiment"] || !root["experiment"].IsScalar()) {
    p.add(root.Mark(), "missing 'experiment: <base experiment YAML>'");
  } else {
    const fs::path rel = root["experiment"].Scalar();
    plan.experiment = (rel.is_absolute() ? rel : (fs::path(path).parent_path() / rel))
                          .lexically_normal()
                          .string();
    if (!fs::is_regular_file(plan.experiment))
      p.add(root["experiment"].Mark(),
            fmt::format("experiment '{}' not found (read relative to the sweep file: {})",
                        rel.string(), plan.experiment));
  }
  plan.out = !out_override.empty() ? out_override
             : root["out"]         ? root["out"].Scalar()
                                   : "runs/sweeps/" + plan.name;
  if (root["workers"]) {
    try {
      plan.workers = root["workers"].as<int>();
      if (plan.workers < 0) throw YAML::Exception(root["workers"].Mark(), "");
    } catch (const YAML::Exception&) {
      p.add(root["workers"].Mark(), "workers: expected an integer >= 0 (0: one per GPU)");
    }
  }

  // Fixed overrides, then the protocol as overrides, both located.
  std::vector<SweepSetting> fixed;
  if (const YAML::Node set = root["set"]) {
    if (!set.IsMap())
      p.add(set.Mark(), "set: expected a mapping of key: value");
    else
      for (const auto& kv : set)
        fixed.push_back({kv.first.Scalar(), flow_text(kv.second), kv.second.Mark().line + 1,
                         kv.second.Mark().column + 1});
  }
  if (const YAML::Node prot = root["protocol"]) {
    if (!prot.IsMap()) {
      p.add(prot.Mark(), "protocol: expected a mapping {seeds: [...], folds: k}");
    } else {
      check_keys(prot, kProtocolKeys, "protocol ", p);
      for (const auto& kv : prot)
        fixed.push_back({"protocol." + kv.first.Scalar(), flow_text(kv.second),
                         kv.second.Mark().line + 1, kv.second.Mark().column + 1});
    }
  }
  if (const YAML::Node s = root["slurm"]) {
    if (!s.IsMap()) {
      p.add(s.Mark(), "slurm: expected a mapping (partition, time, gpus_per_task, ...)");
    } else {
      check_keys(s, kSlurmKeys, "slurm ", p);
      try {
        if (s["partition"]) plan.slurm.partition = s["partition"].Scalar();
        if (s["time"]) plan.slurm.time = s["time"].Scalar();
        if (s["gpus_per_task"]) plan.slurm.gpus_per_task = s["gpus_per_task"].as<int>();
        if (s["cpus_per_task"]) plan.slurm.cpus_per_task = s["cpus_per_task"].as<int>();
        if (s["max_parallel"]) plan.slurm.max_parallel = s["max_parallel"].as<int>();
        if (s["sbatch"]) plan.slurm.sbatch = s["sbatch"].as<std::vector<std::string>>();
      } catch (const YAML::Exception& e) {
        p.add(e.mark, "slurm: " + e.msg);
      }
    }
  }

  const auto grid = axes(root["grid"], "grid", p);
  const auto zip = axes(root["zip"], "zip", p);
  size_t zip_len = zip.empty() ? 1 : zip.front().second.size();
  for (const auto& [key, values] : zip)
    if (values.size() != zip_len)
      p.add(root["zip"][key].Mark(),
            fmt::format("zip.{}: {} values, but zip.{} has {}: zipped lists vary together and "
                        "must be equally long",
                        key, values.size(), zip.front().first, zip_len));
  if (!p.lines.empty()) throw Error(fmt::format("{}", fmt::join(p.lines, "\n")));

  for (const auto& a : grid) plan.varied_keys.push_back(a.first);
  for (const auto& a : zip) plan.varied_keys.push_back(a.first);

  // Points: the grid's combinations (last key fastest) times the zip's positions.
  std::vector<std::vector<SweepSetting>> combos = {{}};
  for (const auto& [key, values] : grid) {
    std::vector<std::vector<SweepSetting>> next;
    for (const auto& c : combos)
      for (const SweepSetting& v : values) {
        next.push_back(c);
        next.back().push_back(v);
      }
    combos = std::move(next);
  }
  if (!zip.empty()) {
    std::vector<std::vector<SweepSetting>> next;
    for (const auto& c : combos)
      for (size_t i = 0; i < zip_len; ++i) {
        next.push_back(c);
        for (const auto& a : zip) next.back().push_back(a.second[i]);
      }
    combos = std::move(next);
  }

  std::set<std::string> seen;
  for (size_t i = 0; i < combos.size(); ++i) {
    SweepPoint pt;
    pt.varied = combos[i];
    std::string dir = fmt::format("{:03d}", i);
    for (const SweepSetting& s : pt.varied) dir.append("-").append(slug(s.value));
    pt.dir = dir.substr(0, 80);
    std::vector<SweepSetting> all = fixed;
    all.insert(all.end(), pt.varied.begin(), pt.varied.end());
    for (const SweepSetting& s : all) pt.overrides.push_back(s.text());
    config::ExperimentConfig cfg;
    try {
      const experiment::Experiment e = experiment::load(plan.experiment, pt.overrides);
      cfg = e.cfg;
      // A sweep aggregates and tabulates test accuracy; a GAN run has none.
      if (!e.task.kind->tested)
        throw Error(plan.experiment + ": model.type " + cfg.model.type +
                    ": a GAN run has no test accuracy for a sweep to aggregate "
                    "(train it with run_experiment; its quality metrics are in its metrics.json)");
    } catch (const Error& e) {
      const std::string msg = locate(e.what(), all, path);
      if (seen.insert(msg).second) p.lines.push_back(msg);
      continue;
    }
    const int point = static_cast<int>(plan.points.size());
    for (const train::ProtocolRun& r : train::protocol_runs(cfg)) {
      SweepRun run;
      run.point = point;
      run.seed = r.seed;
      run.fold = r.fold;
      run.id = pt.dir + "/" + (r.subdir.empty() ? fmt::format("seed-{}", r.seed) : r.subdir);
      run.dir = (fs::path(plan.out) / run.id).string();
      run.features = feature_group(train::run_config(cfg, r));
      run.args = {plan.experiment};
      for (const std::string& o : pt.overrides) run.args.insert(run.args.end(), {"--set", o});
      run.args.insert(run.args.end(),
                      {"--set", fmt::format("seed={}", r.seed), "--set", "protocol.seeds=[]",
                       "--set", fmt::format("protocol.fold={}", r.fold), "--out", run.dir});
      plan.runs.push_back(run);
    }
    plan.points.push_back(pt);
  }
  if (!p.lines.empty())
    throw Error(fmt::format("{}\n(nothing was run: every point of the sweep must be valid)",
                            fmt::join(p.lines, "\n")));
  return plan;
}

nlohmann::json plan_to_json(const SweepPlan& p) {
  nlohmann::json j;
  j["name"] = p.name;
  j["file"] = p.file;
  j["experiment"] = p.experiment;
  j["out"] = p.out;
  j["varied_keys"] = p.varied_keys;
  j["workers"] = p.workers;
  j["slurm"] = {{"partition", p.slurm.partition},         {"time", p.slurm.time},
                {"gpus_per_task", p.slurm.gpus_per_task}, {"cpus_per_task", p.slurm.cpus_per_task},
                {"max_parallel", p.slurm.max_parallel},   {"sbatch", p.slurm.sbatch}};
  for (const SweepPoint& pt : p.points) {
    nlohmann::json v = nlohmann::json::array();  // in the sweep file's order
    for (const SweepSetting& s : pt.varied)
      v.push_back({{"key", s.key}, {"value", s.value}, {"line", s.line}, {"column", s.column}});
    j["points"].push_back({{"dir", pt.dir}, {"varied", v}, {"overrides", pt.overrides}});
  }
  for (const SweepRun& r : p.runs)
    j["runs"].push_back({{"id", r.id},
                         {"point", r.point},
                         {"dir", r.dir},
                         {"seed", r.seed},
                         {"fold", r.fold},
                         {"features", r.features},
                         {"args", r.args}});
  return j;
}

SweepPlan plan_from_json(const nlohmann::json& j) {
  SweepPlan p;
  p.name = j.at("name");
  p.file = j.at("file");
  p.experiment = j.at("experiment");
  p.out = j.at("out");
  p.varied_keys = j.at("varied_keys").get<std::vector<std::string>>();
  p.workers = j.value("workers", 0);
  const nlohmann::json& s = j.at("slurm");
  p.slurm.partition = s.value("partition", "");
  p.slurm.time = s.value("time", "");
  p.slurm.gpus_per_task = s.value("gpus_per_task", 0);
  p.slurm.cpus_per_task = s.value("cpus_per_task", 0);
  p.slurm.max_parallel = s.value("max_parallel", 0);
  p.slurm.sbatch = s.value("sbatch", std::vector<std::string>{});
  for (const nlohmann::json& pj : j.at("points")) {
    SweepPoint pt;
    pt.dir = pj.at("dir");
    for (const nlohmann::json& v : pj.at("varied"))
      pt.varied.push_back({v.at("key"), v.at("value"), v.at("line"), v.at("column")});
    pt.overrides = pj.at("overrides").get<std::vector<std::string>>();
    p.points.push_back(pt);
  }
  for (const nlohmann::json& rj : j.at("runs")) {
    SweepRun r;
    r.id = rj.at("id");
    r.point = rj.at("point");
    r.dir = rj.at("dir");
    r.seed = rj.at("seed");
    r.fold = rj.at("fold");
    r.features = rj.at("features");
    r.args = rj.at("args").get<std::vector<std::string>>();
    p.runs.push_back(r);
  }
  return p;
}

}  // namespace mgr::results
