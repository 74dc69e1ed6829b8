// One self-contained HTML page about a run, a protocol (several runs and their aggregate) or a
// sweep: the configuration, the results table, each run's own section by its task kind
// (tasks::TaskKind::report_section: a network's learning curves, a tree with its nodes, a KNN's
// settings, a GAN's losses, quality and sample grids), confusion matrices, per-class
// F1, a few input spectrograms per genre (recomputed from the run's config on the CPU, embedded
// as BMP data URIs), and for sweeps the metric against each varied key with error bars. No
// file or network resource is referenced; a small inline script checks that every embedded
// image decoded and says so on the console ("report: ok, N images" or "report: error ...").
#pragma once

#include <string>

namespace mgr::results {

struct ReportOptions {
  int spectrograms_per_genre = 2;  // 0: none (no audio is read)
  int max_runs_plotted = 6;        // learning curves of at most this many runs
};

// The page for `dir` (a run, protocol or sweep directory). Throws mgr::Error when it holds no
// run.
std::string html_report(const std::string& dir, const ReportOptions& opt = {});

}  // namespace mgr::results
