#include "framework/tasks/gan/gan_kind.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <optional>

#include "framework/store/atomic_write.h"
#include "framework/tasks/gan/gan_plan.h"
#include "framework/tasks/gan/gan_run.h"

namespace mgr::tasks {

namespace {

// Both networks planned against the clip's shape; both lists' problems are reported together.
std::shared_ptr<const TaskPlan> plan(const config::ExperimentConfig& c) {
  auto p = std::make_shared<GanPlan>();
  std::vector<std::string> errors;
  auto plan_one = [&](auto planner, std::shared_ptr<const graph::GraphPlan>& out) {
    try {
      out = planner(c);
    } catch (const Error& e) {
      errors.push_back(e.what());
    }
  };
  plan_one(graph::plan_generator, p->generator);
  plan_one(graph::plan_discriminator, p->discriminator);
  if (!errors.empty()) throw Error(fmt::format("{}", fmt::join(errors, "\n")));
  return p;
}

std::string summary(const config::ExperimentConfig& c, const TaskPlan& p) {
  const GanPlan& gp = plan_as<GanPlan>(p);
  return gan::gan_model_summary(c, gp.generator, gp.discriminator);
}

void run(train::RunSetup& s, const TaskPlan& p, const train::RunOptions& opt,
         train::RunResult& result) {
  const GanPlan& gp = plan_as<GanPlan>(p);
  gan::run_gan(s, gp.generator, gp.discriminator, opt, result);
}

// What a GAN's features and training must be, whatever the networks.
std::vector<config::CrossCheck> rules() {
  using R = std::optional<std::string>;
  return {
      {{"model.type"},
       "gan: train.augment empty (augmentation applies to classifier training)",
       [](const config::ExperimentConfig& c) -> R {
         if (c.model.type != "gan" || c.train.augment.empty()) return std::nullopt;
         return "gan trains without train.augment (it augments classifier training batches); "
                "set train.augment: []";
       }},
      {{"train.early_stopping_patience", "model.type"},
       "0 when model.type is gan (a GAN has no validation accuracy to stop on)",
       [](const config::ExperimentConfig& c) -> R {
         if (c.model.type != "gan" || c.train.early_stopping_patience == 0) return std::nullopt;
         return fmt::format(
             "must be 0 for model.type gan, got {}: a GAN has no validation "
             "accuracy to stop on; set train.epochs",
             c.train.early_stopping_patience);
       }},
      {{"train.accumulate", "model.type"},
       "1 when model.type is gan (a GAN step does not split into micro-batches)",
       [](const config::ExperimentConfig& c) -> R {
         if (c.model.type != "gan" || c.train.accumulate == 1) return std::nullopt;
         return fmt::format(
             "must be 1 for model.type gan, got {}: the GAN task does not split its "
             "discriminator and generator steps into micro-batches; lower train.batch_size "
             "instead",
             c.train.accumulate);
       }},
      {{"features.normalize", "model.type"},
       "none when model.type is gan (the GAN scales the dB range to [-1, 1] itself)",
       [](const config::ExperimentConfig& c) -> R {
         if (c.model.type != "gan" || c.features.normalize == "none") return std::nullopt;
         return fmt::format(
             "must be none for model.type gan, got {}: the GAN maps each clip's dB range "
             "[-features.top_db, 0] to [-1, 1] itself, so generated clips can be turned back "
             "into dB",
             c.features.normalize);
       }},
      {{"features.type", "model.type", "features.ref", "features.top_db"},
       "gan: log_mel with ref max and top_db > 0 (values in [-top_db, 0] dB)",
       [](const config::ExperimentConfig& c) -> R {
         if (c.model.type != "gan") return std::nullopt;
         if (c.features.type == "log_mel" && c.features.ref == "max" && c.features.top_db > 0)
           return std::nullopt;
         return fmt::format(
             "model.type gan needs log-mel dB bounded to [-top_db, 0]: features.type log_mel, "
             "features.ref max and features.top_db > 0; got type {}, ref {}, top_db {}",
             c.features.type, c.features.ref, c.features.top_db);
       }},
  };
}

// A GAN has no test accuracy: its table row is the generator's quality (gan::gan_table).
void write_reports(const std::string& run_dir, const nlohmann::json& metrics) {
  train::write_file_atomically((std::filesystem::path(run_dir) / "table_row.md").string(),
                               gan::gan_table(metrics));
}

}  // namespace

const TaskKind& gan_kind() {
  static const TaskKind kind{
      .name = "gan",
      .title = "a generative adversarial network",
      .plan = plan,
      .run = run,
      .summary = summary,
      .write_reports = write_reports,
      .report_section = gan::gan_report_section,
      .network = nullptr,
      .load_trained = nullptr,
      .cannot_classify =
          "a model.type gan run generates spectrograms and classifies nothing (use "
          "`generate`)",
      .tested = false,
      .rules = rules()};
  return kind;
}

}  // namespace mgr::tasks
