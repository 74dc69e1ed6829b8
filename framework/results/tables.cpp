#include "framework/results/tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "framework/engine/html.h"
#include "framework/experiment/protocol.h"
#include "framework/results/sweep_plan.h"
#include "kernels/error.h"

namespace mgr::results {

using train::html_escape;

namespace fs = std::filesystem;

namespace {

const char* const kFigures[] = {"clip_accuracy", "track_accuracy", "clip_macro_f1",
                                "track_macro_f1"};

std::string canonical_text(const fs::path& p) {
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(p, ec);
  return (ec ? p : c).lexically_normal().string();
}

std::optional<nlohmann::json> read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

double figure(const RunRecord& r, const char* name) {
  return train::run_figures(r.metrics)[name].get<double>();
}

std::vector<double> values_of(const std::vector<const RunRecord*>& runs, const char* name) {
  std::vector<double> v;
  for (const RunRecord* r : runs) v.push_back(figure(*r, name));
  return v;
}

std::string latex_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '_':
        out += "\\_";
        break;
      case '%':
        out += "\\%";
        break;
      case '&':
        out += "\\&";
        break;
      case '#':
        out += "\\#";
        break;
      case '$':
        out += "\\$";
        break;
      case '{':
        out += "\\{";
        break;
      case '}':
        out += "\\}";
        break;
      case '~':
        out += "\\textasciitilde{}";
        break;
      case '^':
        out += "\\textasciicircum{}";
        break;
      case '\\':
        out += "\\textbackslash{}";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ± written the format's way: cells are built with "±" and rewritten per format.
std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  return "\"" + replace_all(s, "\"", "\"\"") + "\"";
}

std::string number(double v) { return fmt::format("{:.6f}", v); }

}  // namespace

std::vector<RunRecord> collect_runs(const std::vector<std::string>& roots, bool untested) {
  // Sweep plans first: they say which point (and varied values) a run directory belongs to.
  struct PointInfo {
    std::string sweep, out, point;
    int index;
    std::vector<std::pair<std::string, std::string>> varied;
  };
  std::map<std::string, PointInfo> point_of;  // canonical run dir -> its point
  std::vector<fs::path> metrics_files;
  std::set<std::string> seen;
  for (const std::string& root : roots) {
    MGR_CHECK(fs::exists(root), "'" << root << "' does not exist");
    std::vector<fs::path> files;
    if (fs::is_regular_file(root)) {
      files.push_back(root);
    } else {
      for (const auto& e :
           fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied))
        if (e.is_regular_file()) files.push_back(e.path());
    }
    for (const fs::path& f : files) {
      const std::string name = f.filename().string();
      if (name == "sweep.json") {
        const auto j = read_json(f);
        if (!j) continue;
        const SweepPlan plan = plan_from_json(*j);
        for (const SweepRun& r : plan.runs) {
          const SweepPoint& pt = plan.points[static_cast<size_t>(r.point)];
          PointInfo info{plan.name, canonical_text(f.parent_path()), pt.dir, r.point, {}};
          for (const SweepSetting& s : pt.varied) info.varied.emplace_back(s.key, s.value);
          // The plan's paths are relative to where the sweep ran; the folder is where it is now.
          point_of[canonical_text(f.parent_path() / r.id)] = info;
        }
      } else if (name == "metrics.json" && seen.insert(canonical_text(f)).second) {
        metrics_files.push_back(f);
      }
    }
  }
  std::sort(metrics_files.begin(), metrics_files.end());
  std::vector<RunRecord> runs;
  for (const fs::path& f : metrics_files) {
    const auto j = read_json(f);
    if (!j || !j->is_object()) continue;  // unreadable files
    // A protocol's aggregate names its runs; untested runs are kept only when asked for.
    if (j->contains("aggregate") ||
        (!j->contains("test") && !(untested && j->contains("model_type"))))
      continue;
    RunRecord r;
    r.dir = f.parent_path().string();
    r.metrics = *j;
    const auto it = point_of.find(canonical_text(f.parent_path()));
    if (it != point_of.end()) {
      r.sweep = it->second.sweep;
      r.sweep_out = it->second.out;
      r.point = it->second.point;
      r.point_index = it->second.index;
      r.varied = it->second.varied;
    }
    runs.push_back(std::move(r));
  }
  return runs;
}

std::string mean_std_cell(const std::vector<double>& v, const std::string& pm) {
  if (v.empty()) return "—";
  // One run has no spread: "± 0.000" would read as a measured zero.
  if (v.size() == 1) return fmt::format("{:.3f} (one run)", v.front());
  const nlohmann::json s = train::summary_statistics(v);
  return fmt::format("{:.3f} {} {:.3f} (n={})", s["mean"].get<double>(), pm, s["std"].get<double>(),
                     v.size());
}

std::vector<Table> make_tables(const std::vector<RunRecord>& runs) {
  std::vector<Table> tables;
  // Experiments: grouped by the paper text (an experiment and its honest twin share it).
  {
    std::vector<std::string> order;
    std::map<std::string, std::vector<const RunRecord*>> groups;
    for (const RunRecord& r : runs) {
      const std::string paper = r.metrics.value("paper", "");
      const std::string key = paper.empty() ? r.metrics.value("experiment", "?") : paper;
      if (!groups.count(key)) order.push_back(key);
      groups[key].push_back(&r);
    }
    std::sort(order.begin(), order.end());
    Table t;
    t.title = "Test accuracy by experiment: the paper's number and ours under both protocols";
    t.header = {"experiment",     "paper",
                "paper's number", "leaky split (a track on two sides): clip acc",
                "track acc",      "no track on two sides: clip acc",
                "track acc"};
    for (const std::string& key : order) {
      const auto& g = groups[key];
      std::vector<const RunRecord*> leaky, honest;
      std::set<std::string> names;
      for (const RunRecord* r : g) {
        (r->metrics.value("leaky", false) ? leaky : honest).push_back(r);
        names.insert(r->metrics.value("experiment", "?"));
      }
      std::string name = *names.begin();  // the shortest is the paper's file, the rest variants
      for (const std::string& n : names)
        if (n.size() < name.size()) name = n;
      const nlohmann::json& m = g.front()->metrics;
      const std::string paper_number =
          m.contains("paper_test_accuracy") && m["paper_test_accuracy"].is_number()
              ? fmt::format("{:.3f}", m["paper_test_accuracy"].get<double>())
              : "—";
      t.rows.push_back({name, m.value("paper", ""), paper_number,
                        mean_std_cell(values_of(leaky, "clip_accuracy")),
                        mean_std_cell(values_of(leaky, "track_accuracy")),
                        mean_std_cell(values_of(honest, "clip_accuracy")),
                        mean_std_cell(values_of(honest, "track_accuracy"))});
    }
    t.note =
        "mean ± sample standard deviation (n runs: seeds × folds) of the test accuracy, rounded "
        "to 3 decimals; a single run shows its figure alone. Leaky: at least one track had clips "
        "on "
        "two sides of the split (random_clips over tracks of several clips, the protocol of papers "
        "that shuffle clips), counted from the split itself; its accuracies are optimistic.";
    if (!t.rows.empty()) tables.push_back(t);
  }
  // Sweeps: one table each, a row per point in the sweep's order.
  std::vector<std::string> sweeps;
  std::map<std::string, std::map<int, std::vector<const RunRecord*>>> points;
  for (const RunRecord& r : runs) {
    if (r.sweep.empty()) continue;
    const std::string key = r.sweep_out;
    if (!points.count(key)) sweeps.push_back(key);
    points[key][r.point_index].push_back(&r);
  }
  for (const std::string& key : sweeps) {
    const auto& pts = points[key];
    const RunRecord& any = *pts.begin()->second.front();
    Table t;
    t.title = "Sweep " + any.sweep + " (" + any.metrics.value("experiment", "?") + ")";
    for (const auto& kv : any.varied) t.header.push_back(kv.first);
    for (const char* h : {"split", "clip acc", "track acc", "clip macro F1", "track macro F1"})
      t.header.push_back(h);
    for (const auto& [index, rs] : pts) {
      std::vector<std::string> row;
      for (const auto& kv : rs.front()->varied) row.push_back(kv.second);
      const bool leaky = rs.front()->metrics.value("leaky", false);
      row.push_back(rs.front()->metrics.value("split", "?") + (leaky ? " (leaky)" : ""));
      for (const char* f : kFigures) row.push_back(mean_std_cell(values_of(rs, f)));
      t.rows.push_back(row);
    }
    t.note =
        "one row per point of the sweep; mean ± sample standard deviation over its runs "
        "(seeds × folds), rounded to 3 decimals; leaky rows split clips at random.";
    tables.push_back(t);
  }
  return tables;
}

std::string tables_markdown(const std::vector<Table>& tables) {
  std::string s;
  for (const Table& t : tables) {
    s += "### " + t.title + "\n\n|";
    for (const std::string& h : t.header) s += " " + h + " |";
    s += "\n|";
    for (size_t i = 0; i < t.header.size(); ++i) s += "---|";
    s += "\n";
    for (const auto& row : t.rows) {
      s += "|";
      for (const std::string& c : row)
        s.append(" ").append(replace_all(c, "|", "\\|")).append(" |");
      s += "\n";
    }
    s += "\n" + t.note + "\n\n";
  }
  return s;
}

std::string tables_latex(const std::vector<Table>& tables) {
  std::string s = "% needs \\usepackage{booktabs}\n";
  for (const Table& t : tables) {
    s += "\\begin{table}[ht]\n\\centering\n\\small\n\\begin{tabular}{" +
         std::string(t.header.size(), 'l') + "}\n\\toprule\n";
    for (size_t i = 0; i < t.header.size(); ++i) s += (i ? " & " : "") + latex_escape(t.header[i]);
    s += " \\\\\n\\midrule\n";
    for (const auto& row : t.rows) {
      for (size_t i = 0; i < row.size(); ++i)
        s += (i ? " & " : "") +
             replace_all(replace_all(latex_escape(row[i]), "±", "$\\pm$"), "—", "--");
      s += " \\\\\n";
    }
    s += "\\bottomrule\n\\end{tabular}\n\\caption{" + latex_escape(t.title) + ". " +
         replace_all(replace_all(latex_escape(t.note), "±", "$\\pm$"), "×", "$\\times$") +
         "}\n\\end{table}\n\n";
  }
  return s;
}

std::string tables_html_fragment(const std::vector<Table>& tables) {
  std::string s;
  for (const Table& t : tables) {
    s += "<h3>" + html_escape(t.title) + "</h3>\n<table>\n<thead><tr>";
    for (const std::string& h : t.header) s += "<th>" + html_escape(h) + "</th>";
    s += "</tr></thead>\n<tbody>\n";
    for (const auto& row : t.rows) {
      s += "<tr>";
      for (const std::string& c : row) s += "<td>" + html_escape(c) + "</td>";
      s += "</tr>\n";
    }
    s += "</tbody>\n</table>\n<p class='note'>" + html_escape(t.note) + "</p>\n";
  }
  return s;
}

std::string tables_html(const std::vector<Table>& tables) {
  return "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n<title>mgr "
         "tables</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:"
         "collapse;margin:1em 0}th,td{border-bottom:1px solid #ccc;padding:4px "
         "10px;text-align:left}thead th{border-bottom:2px solid #333}.note{color:#555;font-size:"
         "90%}</style>\n</head>\n<body>\n" +
         tables_html_fragment(tables) + "</body>\n</html>\n";
}

std::string runs_csv(const std::vector<RunRecord>& runs) {
  std::vector<std::string> varied;  // every varied key, in first-seen order
  for (const RunRecord& r : runs)
    for (const auto& kv : r.varied)
      if (std::find(varied.begin(), varied.end(), kv.first) == varied.end())
        varied.push_back(kv.first);
  std::string s =
      "sweep,point,experiment,paper,paper_test_accuracy,split,leaky,seed,fold,protocol_folds";
  for (const std::string& k : varied) s += "," + csv_field(k);
  for (const char* f : kFigures) s += std::string(",") + f;
  s += ",run_dir\n";
  for (const RunRecord& r : runs) {
    const nlohmann::json& m = r.metrics;
    const nlohmann::json prot = m.value("protocol", nlohmann::json::object());
    s +=
        csv_field(r.sweep) + "," + csv_field(r.point) + "," + csv_field(m.value("experiment", "")) +
        "," + csv_field(m.value("paper", "")) + "," +
        (m.contains("paper_test_accuracy") && m["paper_test_accuracy"].is_number()
             ? number(m["paper_test_accuracy"].get<double>())
             : "") +
        "," + m.value("split", "") + "," + (m.value("leaky", false) ? "true" : "false") + "," +
        std::to_string(m.value("seed", uint64_t{0})) + "," +
        (prot.contains("fold") && prot["fold"].is_number() ? std::to_string(prot["fold"].get<int>())
                                                           : "") +
        "," + std::to_string(prot.value("folds", 0));
    for (const std::string& k : varied) {
      std::string v;
      for (const auto& kv : r.varied)
        if (kv.first == k) v = kv.second;
      s += "," + csv_field(v);
    }
    for (const char* f : kFigures) s += "," + number(figure(r, f));
    s += "," + csv_field(r.dir) + "\n";
  }
  return s;
}

std::string render(const std::vector<RunRecord>& runs, const std::string& format) {
  if (format == "csv") return runs_csv(runs);
  const std::vector<Table> t = make_tables(runs);
  if (format == "md") return tables_markdown(t);
  if (format == "latex") return tables_latex(t);
  if (format == "html") return tables_html(t);
  MGR_FAIL("unknown table format '" << format << "'; expected one of: md, latex, csv, html");
}

void write_sweep_tables(const std::string& sweep_out) {
  const std::vector<RunRecord> runs = collect_runs({sweep_out});
  std::ofstream(fs::path(sweep_out) / "tables.md") << render(runs, "md");
  std::ofstream(fs::path(sweep_out) / "tables.csv") << render(runs, "csv");
}

}  // namespace mgr::results
