// run_experiment FILE.yaml [--set key=value ...] [--out DIR] [--summary]
// run_experiment --resume RUN_DIR [--epochs N]
// Trains and evaluates one experiment and writes its run directory (see README.md).
#include <CLI/CLI.hpp>
#include <iostream>

#include "framework/config/text_check.h"
#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/experiment/protocol.h"
#include "framework/graph/model_check.h"
#include "kernels/error.h"

int main(int argc, char** argv) {
  CLI::App app{"mgr: run one music-genre-recognition experiment described by a YAML file"};
  std::string file, out, device, resume;
  std::vector<std::string> overrides;
  auto* config_opt =
      app.add_option("config", file, "experiment YAML (e.g. experiments/crnn_gru.yaml)");
  auto* resume_opt = app.add_option(
      "--resume", resume,
      "continue a stopped run in RUN_DIR from its last completed epoch (its own config.yaml)");
  resume_opt->excludes(config_opt);
  app.add_option("--set", overrides,
                 "override a config key, e.g. --set train.epochs=5 (repeatable)");
  app.add_option("--out", out, "run directory (default: runs/<name>-<UTC time>)");
  app.add_option("--device", device, "auto | cpu | cuda | cuda:N (same as --set device=...)");
  int more_epochs = 0;
  auto* epochs_opt =
      app.add_option("--epochs", more_epochs,
                     "with --resume: train a finished run on to N epochs in all (constant or step "
                     "learning-rate schedules; network and gan runs)")
          ->check(CLI::PositiveNumber)
          ->needs(resume_opt);
  bool summary_only = false;
  app.add_flag("--summary", summary_only,
               "check the config, print the network's layer summary and exit (reads no audio)");
  CLI11_PARSE(app, argc, argv);
  if (resume_opt->count() > 0 &&
      (!overrides.empty() || !out.empty() || !device.empty() || summary_only)) {
    std::cerr << "run_experiment: error: --resume takes no other option than --epochs (the run "
                 "continues with its own config.yaml)\n";
    return 2;
  }
  if (resume_opt->count() == 0 && config_opt->count() == 0) {
    std::cerr << "run_experiment: error: give an experiment YAML or --resume RUN_DIR\n"
              << app.help();
    return 2;
  }
  if (!device.empty()) overrides.push_back("device=" + device);
  try {
    if (resume_opt->count() > 0) {
      if (epochs_opt->count() > 0)
        mgr::train::extend_experiment(resume, more_epochs);
      else
        mgr::train::resume_experiment(resume);
      return 0;
    }
    // The run directory is written into the run's JSON files: check it now, not after training.
    if (auto problem = mgr::config::path_problem(out)) {
      throw mgr::Error("--out '" + mgr::config::printable(out) + "': " + *problem);
    }
    const mgr::experiment::Experiment e = mgr::experiment::load(file, overrides);
    if (summary_only) {
      std::cout << e.cfg.name << ": " << e.cfg.paper << "\n" << mgr::train::model_summary(e);
      return 0;
    }
    mgr::train::RunOptions opt;
    opt.out_dir = out;
    opt.config_source = file;
    opt.overrides = overrides;
    mgr::train::run_protocol(e, opt);  // one run, or every seed / fold of protocol.*
  } catch (const std::exception& e) {
    std::cerr << "run_experiment: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
