// model.type gan as a run: the networks built and initialised, trained by GanTask on the common
// trainer, and the run directory's GAN outputs: generator.h5 and discriminator.h5 (the last
// epoch), gan.json (what a generated spectrogram means: the [-1, 1] scaling and every mel
// parameter), history.csv and loss_steps.csv, loss_curves.svg (both losses) and
// discriminator_outputs.svg (D(x), D(G(z))), samples/epoch_NNN.png (generated beside real), and
// with model.gan.classifier_run the quality metrics (framework/tasks/gan/gan_quality.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "framework/config/experiment_config.h"
#include "framework/engine/run_setup.h"
#include "framework/graph/graph_model.h"

namespace mgr::gan {

void run_gan(train::RunSetup& s, std::shared_ptr<const graph::GraphPlan> generator,
             std::shared_ptr<const graph::GraphPlan> discriminator, const train::RunOptions& opt,
             train::RunResult& result);

// Both networks' layer tables (run_experiment --summary and model_summary.txt).
std::string gan_model_summary(const config::ExperimentConfig& cfg,
                              std::shared_ptr<const graph::GraphPlan> generator,
                              std::shared_ptr<const graph::GraphPlan> discriminator);

// table_row.md of a GAN run: the final losses and D outputs, and the quality metrics when
// measured.
std::string gan_table(const nlohmann::json& metrics);

// The GAN's section of the HTML report: both losses per step, the discriminator's outputs per
// epoch, the quality measurements (the Frechet distance per measured epoch as a curve when
// there are several), and the sample grids (generated beside real) embedded as PNG.
std::string gan_report_section(const std::string& run_dir, const nlohmann::json& metrics);

}  // namespace mgr::gan
