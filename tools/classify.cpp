// classify RUN_DIR FILE_OR_FOLDER... [--json | --csv] [--timeline OUT.svg] [--device D]
//          [--batch N] [--top K] [--max-seconds S] [--hop S] [--clips]
// Asks a trained model (a run directory of run_experiment) which genre some audio is: per file,
// the clips' majority vote and the genres' mean probability (see README "Classifying your own
// music"). Files of any length are decoded in blocks and scored as their clips complete, so an
// hours-long recording needs no more memory than a song. Exit status: 0 when at least one file was
// classified, 1 when none was, 2 when the model could not be loaded.
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "framework/infer/classify_files.h"
#include "framework/infer/file_report.h"
#include "framework/infer/openmp_wait.h"
#include "framework/store/progress.h"

namespace {

using mgr::infer::FileResult;

// Clears an open progress line before other output reaches the same terminal.
void clear_progress_line() {
  if (isatty(fileno(stderr))) std::fputs("\r\033[K", stderr);
}

}  // namespace

int main(int argc, char** argv) {
  // Idle OpenMP threads sleep instead of spinning beside the decoding threads (openmp_wait.h).
  mgr::infer::reexec_with_passive_openmp_wait(argv);
  CLI::App app{"mgr: classify audio files with a trained model (a run directory)"};
  std::string run, device = "auto", timeline;
  std::vector<std::string> inputs;
  int batch = 64, top = 3, decode_threads = 2;
  double max_seconds = 0, hop = 0;
  bool json = false, csv = false, clips = false;
  app.add_option("run", run, "run directory of run_experiment, or its best_model.h5")->required();
  app.add_option("inputs", inputs, "audio files and folders (searched recursively)")->required();
  app.add_option("--device", device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  app.add_option("--batch", batch, "clips per batch of features and network")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--top", top, "genres listed by mean probability")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--decode-threads", decode_threads, "threads decoding files ahead of the model")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--max-seconds", max_seconds,
                 "classify only the first S seconds of each file (0: the whole file, any length)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--hop", hop,
                 "seconds between clip starts (0: the run's data.clip_hop_seconds); shorter than "
                 "the clip: overlapping clips, a denser vote")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  auto* json_flag = app.add_flag("--json", json, "one JSON document on stdout");
  app.add_flag("--csv", csv, "one CSV line per file on stdout")->excludes(json_flag);
  app.add_flag("--clips", clips,
               "with --json: every clip's start, decision and genre probabilities per file")
      ->needs(json_flag);
  app.add_option("--timeline", timeline,
                 "SVG of each genre's probability over time (several files: OUT-<file>.svg)");
  CLI11_PARSE(app, argc, argv);

  std::optional<mgr::infer::TrainedModel> model;
  try {
    model.emplace(mgr::infer::TrainedModel::load(run, device));
    if (hop > 0) model->set_hop_seconds(hop);
  } catch (const std::exception& e) {
    std::cerr << "classify: error: " << e.what() << "\n";
    return 2;
  }
  const std::vector<std::string>& names = model->class_names();
  const double clip_s = static_cast<double>(model->clip_samples()) / model->sample_rate();
  const double hop_s = static_cast<double>(model->hop_samples()) / model->sample_rate();
  std::cerr << "classify: " << model->model_type() << " model of " << model->run_dir() << " ("
            << names.size() << " genres, " << model->config().features.type << " features of "
            << clip_s << " s clips every " << hop_s << " s) on " << model->device().str() << " ("
            << mgr::infer::openmp_description() << ")\n";

  const mgr::infer::FoundFiles found = mgr::infer::find_audio_files(inputs);
  for (const std::string& p : found.problems) std::cerr << "classify: " << p << "\n";
  const std::vector<std::string>& files = found.files;

  nlohmann::json doc = {{"run", model->run_dir()},          {"model_type", model->model_type()},
                        {"device", model->device().str()},  {"class_names", names},
                        {"clip_seconds", clip_s},           {"hop_seconds", hop_s},
                        {"files", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
  if (csv) std::cout << mgr::infer::csv_header(names) << std::flush;
  mgr::train::Progress progress;
  std::vector<std::string> timeline_names;
  size_t classified = 0, failed = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };

  mgr::infer::ClassifyFilesOptions opt;
  opt.batch_clips = batch;
  opt.decode_threads = decode_threads;
  opt.max_seconds = max_seconds;
  mgr::infer::classify_files(*model, files, opt, [&](const FileResult& r) {
    if (!r.ok()) {
      ++failed;
      progress.finish("classify: error: " + r.error);
      doc["errors"].push_back({{"path", r.path}, {"error", r.error}});
    } else {
      ++classified;
      const mgr::infer::FileSummary s =
          mgr::infer::summarise(r, model->num_classes(), model->sample_rate());
      if (s.padded)
        progress.finish(
            fmt::format("classify: note: {} is shorter than one clip ({:.2f} s): classified as one "
                        "zero-padded clip",
                        r.path, clip_s));
      clear_progress_line();
      if (json) {
        doc["files"].push_back(mgr::infer::json_report(s, names, top));
        if (clips)
          doc["files"].back()["clip_scores"] =
              mgr::infer::json_clips(r, names, model->sample_rate());
      } else if (csv)
        std::cout << mgr::infer::csv_row(s, names) << std::flush;
      else
        std::cout << mgr::infer::text_report(s, names, top) << std::flush;
      if (!timeline.empty()) {
        const std::string out =
            mgr::infer::timeline_path(timeline, r.path, files.size() > 1, timeline_names);
        std::ofstream f(out);
        f << mgr::infer::svg_timeline(r, names, model->sample_rate(), model->clip_samples());
        if (!f) progress.finish("classify: error: cannot write " + out);
      }
    }
    if (files.size() > 1) {
      const size_t done = r.index + 1;
      progress.update(fmt::format("classify: {}/{} files ({} failed), {:.1f} files/s", done,
                                  files.size(), failed, done / std::max(elapsed(), 1e-9)));
    }
  });
  // A file name need not be UTF-8 (Latin-1 in old collections): its bad bytes become U+FFFD
  // instead of the default handler's exception (docs: README "Classifying your own music").
  if (json) std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  // The peak resident memory, so a user can see it does not grow with the files' lengths.
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  progress.finish(fmt::format(
      "classify: {} of {} files classified in {:.1f} s ({:.1f} files/s, peak memory {} MB)",
      classified, files.size(), elapsed(), classified / std::max(elapsed(), 1e-9),
      usage.ru_maxrss / 1024));
  return classified > 0 ? 0 : 1;
}
