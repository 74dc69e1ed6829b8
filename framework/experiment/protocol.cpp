#include "framework/experiment/protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "framework/config/yaml_config.h"
#include "framework/engine/run_setup.h"
#include "framework/graph/resolved_config.h"
#include "framework/store/atomic_write.h"
#include "kernels/error.h"

namespace mgr::train {

namespace fs = std::filesystem;

std::vector<ProtocolRun> protocol_runs(const config::ExperimentConfig& cfg) {
  const config::ProtocolConfig& p = cfg.protocol;
  const std::vector<uint64_t> seeds = p.seeds.empty() ? std::vector<uint64_t>{cfg.seed} : p.seeds;
  std::vector<int> folds;
  if (p.folds == 0)
    folds = {-1};
  else if (p.fold >= 0)
    folds = {p.fold};
  else
    for (int f = 0; f < p.folds; ++f) folds.push_back(f);
  std::vector<ProtocolRun> runs;
  const bool one = seeds.size() * folds.size() == 1;
  for (uint64_t s : seeds) {
    for (int f : folds) {
      ProtocolRun r;
      r.seed = s;
      r.fold = f;
      if (!one) {
        if (!p.seeds.empty()) r.subdir = fmt::format("seed-{}", s);
        if (f >= 0) r.subdir += fmt::format("{}fold-{}", r.subdir.empty() ? "" : "-", f);
      }
      runs.push_back(r);
    }
  }
  return runs;
}

config::ExperimentConfig run_config(const config::ExperimentConfig& cfg, const ProtocolRun& r) {
  config::ExperimentConfig c = cfg;
  c.seed = r.seed;
  c.protocol.seeds.clear();
  c.protocol.fold = r.fold;
  return c;
}

nlohmann::json run_figures(const nlohmann::json& m) {
  const nlohmann::json& t = m.at("test");
  return {{"clip_accuracy", t.at("clip_accuracy")},
          {"track_accuracy", t.at("track_accuracy")},
          {"clip_macro_f1", t.at("clip").at("macro_f1")},
          {"track_macro_f1", t.at("track").at("macro_f1")}};
}

nlohmann::json summary_statistics(const std::vector<double>& v) {
  const size_t n = v.size();
  double mean = 0, lo = n ? v[0] : 0, hi = n ? v[0] : 0;
  for (double x : v) {
    mean += x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  if (n) mean /= static_cast<double>(n);
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1)) : 0.0;
  return {{"mean", mean}, {"std", sd}, {"n", n}, {"min", lo}, {"max", hi}, {"values", v}};
}

namespace {

const char* const kFigures[] = {"clip_accuracy", "track_accuracy", "clip_macro_f1",
                                "track_macro_f1"};

// Element-wise sum of two equally sized square matrices (an empty `acc` takes `m`).
void add_matrix(nlohmann::json& acc, const nlohmann::json& m) {
  if (acc.is_null()) {
    acc = m;
    return;
  }
  MGR_CHECK(acc.size() == m.size(), "confusion matrices of different sizes");
  for (size_t r = 0; r < m.size(); ++r)
    for (size_t c = 0; c < m[r].size(); ++c)
      acc[r][c] = acc[r][c].get<int64_t>() + m[r][c].get<int64_t>();
}

// One run has no spread to show: its figure alone, saying so, rather than "± 0.0000".
std::string mean_std(const nlohmann::json& s) {
  if (s["n"].get<size_t>() == 1) return fmt::format("{:.4f} (one run)", s["mean"].get<double>());
  return fmt::format("{:.4f} ± {:.4f} (n={})", s["mean"].get<double>(), s["std"].get<double>(),
                     s["n"].get<size_t>());
}

}  // namespace

nlohmann::json aggregate_metrics(const std::vector<nlohmann::json>& run_metrics,
                                 const std::vector<std::string>& dirs) {
  MGR_CHECK(!run_metrics.empty() && run_metrics.size() == dirs.size(),
            "aggregate_metrics: " << run_metrics.size() << " runs, " << dirs.size() << " dirs");
  const nlohmann::json& first = run_metrics.front();
  nlohmann::json a;
  for (const char* k : {"experiment", "paper", "paper_test_accuracy", "split", "leaky",
                        "model_type", "class_names", "device"})
    if (first.contains(k)) a[k] = first[k];
  // Leaky when any run had a track on two sides (each run's flag comes from its own split).
  a["leaky"] = std::any_of(run_metrics.begin(), run_metrics.end(),
                           [](const nlohmann::json& m) { return m.value("leaky", false); });
  std::vector<uint64_t> seeds;
  nlohmann::json runs = nlohmann::json::array(), confusion;
  std::map<std::string, std::vector<double>> values;
  for (size_t i = 0; i < run_metrics.size(); ++i) {
    const nlohmann::json& m = run_metrics[i];
    nlohmann::json r = run_figures(m);
    for (const char* k : kFigures) values[k].push_back(r[k].get<double>());
    r["dir"] = dirs[i];
    r["seed"] = m.value("seed", uint64_t{0});
    r["fold"] = m.contains("protocol") ? m["protocol"].value("fold", nlohmann::json(nullptr))
                                       : nlohmann::json(nullptr);
    if (std::find(seeds.begin(), seeds.end(), r["seed"].get<uint64_t>()) == seeds.end())
      seeds.push_back(r["seed"].get<uint64_t>());
    runs.push_back(r);
    for (const char* level : {"clip", "track"})
      add_matrix(confusion[level], m.at("test").at(level).at("confusion_matrix"));
  }
  a["protocol"] = {{"folds", first.contains("protocol") ? first["protocol"].value("folds", 0) : 0},
                   {"seeds", seeds},
                   {"runs", run_metrics.size()}};
  a["runs"] = runs;
  for (const char* k : kFigures) a["aggregate"][k] = summary_statistics(values[k]);
  // A kind's variants (a tree's hard and soft routing and its flat baseline), each aggregated
  // like the run's own figures when every run has it.
  if (first.contains("variants"))
    for (const auto& [name, unused] : first["variants"].items()) {
      std::map<std::string, std::vector<double>> v;
      bool everywhere = true;
      for (const nlohmann::json& m : run_metrics) {
        if (!m.contains("variants") || !m["variants"].contains(name)) {
          everywhere = false;
          break;
        }
        for (const char* k : kFigures) v[k].push_back(m["variants"][name].at(k).get<double>());
      }
      if (!everywhere) continue;
      for (const char* k : kFigures) a["variants"][name][k] = summary_statistics(v[k]);
    }
  a["confusion"] = confusion;
  return a;
}

std::string aggregate_table(const nlohmann::json& a) {
  std::string paper = "n/a";
  if (a.contains("paper_test_accuracy") && a["paper_test_accuracy"].is_number())
    paper = fmt::format("{:.4f}", a["paper_test_accuracy"].get<double>());
  const nlohmann::json& g = a["aggregate"];
  const nlohmann::json& p = a["protocol"];
  const std::string protocol =
      (p["folds"].get<int>() > 0 ? fmt::format("{}-fold", p["folds"].get<int>()) : "one split") +
      fmt::format(", {} seed{}", p["seeds"].size(), p["seeds"].size() == 1 ? "" : "s");
  const std::string note = a.value("leaky", false) ? "leaky split (a track's clips on two sides)"
                                                   : "no track on two sides";
  const auto row = [&](const std::string& name, const nlohmann::json& f) {
    return fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", name,
                       a.value("split", "?"), protocol, mean_std(f["clip_accuracy"]),
                       mean_std(f["track_accuracy"]), mean_std(f["clip_macro_f1"]),
                       mean_std(f["track_macro_f1"]), paper, note);
  };
  std::string table =
      "| experiment | split | protocol | test clip acc | test track acc | clip macro F1 | "
      "track macro F1 | paper | note |\n|---|---|---|---|---|---|---|---|---|\n" +
      row(a.value("experiment", "?"), g);
  if (a.contains("variants"))
    for (const auto& [name, f] : a["variants"].items())
      table += row(a.value("experiment", "?") + " (" + name + ")", f);
  return table;
}

RunResult run_protocol(const experiment::Experiment& e, const RunOptions& opt) {
  const config::ExperimentConfig& cfg = e.cfg;
  const std::vector<ProtocolRun> runs = protocol_runs(cfg);
  if (runs.size() == 1 && runs[0].subdir.empty())
    return run_experiment(run_config(cfg, runs[0]), e.task, opt);
  RunResult out;
  out.run_dir = opt.out_dir.empty() ? default_run_dir(cfg.name) : opt.out_dir;
  fs::create_directories(out.run_dir);
  const fs::path dir(out.run_dir);
  if (!opt.resume || !fs::exists(dir / "config.yaml"))
    write_file_atomically((dir / "config.yaml").string(),
                          "# the protocol's configuration (source: " + opt.config_source +
                              "); each run's own is in its folder\n" + graph::to_yaml(cfg));
  std::vector<nlohmann::json> metrics;
  std::vector<std::string> dirs;
  for (size_t i = 0; i < runs.size(); ++i) {
    RunOptions o = opt;
    o.out_dir = (dir / runs[i].subdir).string();
    const fs::path done = fs::path(o.out_dir) / "metrics.json";
    if (opt.resume && fs::exists(done)) {  // finished before the interruption
      std::ifstream in(done);
      metrics.push_back(nlohmann::json::parse(in));
    } else {
      if (!opt.quiet)
        std::cerr << fmt::format("protocol: run {}/{} ({})\n", i + 1, runs.size(), runs[i].subdir);
      metrics.push_back(run_experiment(run_config(cfg, runs[i]), e.task, o).metrics);
    }
    dirs.push_back(runs[i].subdir);
  }
  out.metrics = aggregate_metrics(metrics, dirs);
  const std::string table = aggregate_table(out.metrics);
  write_file_atomically((dir / "table_row.md").string(), table);
  // Last: its presence says the whole protocol finished (--resume relies on it).
  write_file_atomically(
      (dir / "metrics.json").string(),
      out.metrics.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  if (!opt.quiet) std::cerr << "protocol: " << runs.size() << " runs\n" << table;
  return out;
}

}  // namespace mgr::train
