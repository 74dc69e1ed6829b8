// report RUN_OR_SWEEP_DIR [--out FILE.html] [--spectrograms N]
// Writes one self-contained HTML page about a run, protocol or sweep directory (see
// framework/results/html_report.h); default output: <dir>/report.html.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "framework/results/html_report.h"
#include "kernels/error.h"

int main(int argc, char** argv) {
  CLI::App app{"mgr: one self-contained HTML report of a run, protocol or sweep directory"};
  std::string dir, out;
  mgr::results::ReportOptions opt;
  app.add_option("dir", dir, "run, protocol or sweep directory")->required();
  app.add_option("--out", out, "HTML file to write (default: <dir>/report.html)");
  app.add_option("--spectrograms", opt.spectrograms_per_genre,
                 "input spectrograms per genre (recomputed on the CPU; 0: none)")
      ->check(CLI::Range(0, 16));
  app.add_option("--max-curves", opt.max_runs_plotted, "learning curves of at most N runs");
  CLI11_PARSE(app, argc, argv);
  if (out.empty()) out = (std::filesystem::path(dir) / "report.html").string();
  try {
    const std::string html = mgr::results::html_report(dir, opt);
    std::ofstream f(out);
    f << html;
    if (!f) throw mgr::Error("cannot write " + out);
    std::cerr << "report: " << out << " (" << html.size() / 1024 << " KiB)\n";
  } catch (const std::exception& e) {
    std::cerr << "report: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
