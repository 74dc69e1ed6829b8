// The tables a paper prints, from run and sweep directories. Every run is a metrics.json with a
// `test` block found under the folders given; runs of a sweep (a folder holding sweep.json) also
// carry the values of the keys the sweep varied.
//  - experiments: one row per experiment (runs grouped by the paper they reproduce): the paper's
//    number, ours on the leaky random-clip split (the papers' protocol where they split clips),
//    ours on the honest track split, each mean ± std (n) over every run found;
//  - sweeps: one table per sweep, one row per point: the varied keys, then the figures;
//  - csv: tidy, one row per run, every figure at full precision (for pandas).
// Figures in md / latex / html are rounded to 3 decimals everywhere (accuracies and F1 as
// fractions); std is the sample standard deviation (n - 1).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mgr::results {

struct RunRecord {
  std::string dir;         // the run directory
  nlohmann::json metrics;  // its metrics.json
  std::string sweep;       // the sweep's name; empty outside a sweep
  std::string sweep_out;   // the sweep's directory
  std::string point;       // the point's folder name
  int point_index = -1;    // its order in the sweep
  std::vector<std::pair<std::string, std::string>> varied;  // key, value (sweep file order)
};

// Every run under `roots` (each a run, protocol, sweep or any folder of them), by path: the runs
// with test results (what tables aggregate), and with `untested` also the finished runs of kinds
// that have none (a GAN's metrics.json).
std::vector<RunRecord> collect_runs(const std::vector<std::string>& roots, bool untested = false);

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // cells hold "0.712 ± 0.013 (n=3)" etc.
  std::string note;
};

// The experiment table (runs outside sweeps and inside them alike) and one table per sweep.
std::vector<Table> make_tables(const std::vector<RunRecord>& runs);

// "0.712 ± 0.013 (n=3)"; "—" without values. `pm` is the ± of the format.
std::string mean_std_cell(const std::vector<double>& values, const std::string& pm = "±");

std::string tables_markdown(const std::vector<Table>& tables);
std::string tables_latex(const std::vector<Table>& tables);  // booktabs
std::string tables_html(const std::vector<Table>& tables);   // a whole page
std::string tables_html_fragment(const std::vector<Table>& tables);
std::string runs_csv(const std::vector<RunRecord>& runs);

// "md" | "latex" | "csv" | "html"; throws mgr::Error naming the formats otherwise.
std::string render(const std::vector<RunRecord>& runs, const std::string& format);

// <sweep out>/tables.md and tables.csv of a finished sweep.
void write_sweep_tables(const std::string& sweep_out);

}  // namespace mgr::results
