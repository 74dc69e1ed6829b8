// tables RUNS_DIR... [--format md|latex|csv|html] [--out FILE]
// Collects run, protocol and sweep directories into the tables a paper prints (see
// framework/results/tables.h): md, LaTeX (booktabs), tidy CSV (one row per run) or HTML.
#include "framework/results/tables.h"

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "kernels/error.h"

int main(int argc, char** argv) {
  CLI::App app{"mgr: tables of results from run and sweep directories"};
  std::vector<std::string> dirs;
  std::string format = "md", out;
  app.add_option("dirs", dirs, "run, protocol or sweep directories (searched recursively)")
      ->required();
  app.add_option("--format", format, "md | latex | csv | html")
      ->check(CLI::IsMember({"md", "latex", "csv", "html"}));
  app.add_option("--out", out, "write here instead of standard output");
  CLI11_PARSE(app, argc, argv);
  try {
    const std::vector<mgr::results::RunRecord> runs = mgr::results::collect_runs(dirs);
    if (runs.empty()) throw mgr::Error("no runs (metrics.json with test results) found");
    const std::string text = mgr::results::render(runs, format);
    if (out.empty()) {
      std::cout << text;
    } else {
      std::ofstream f(out);
      f << text;
      if (!f) throw mgr::Error("cannot write " + out);
      std::cerr << "tables: " << runs.size() << " runs -> " << out << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "tables: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
