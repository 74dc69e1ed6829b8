#include "framework/tasks/gan/gan_kind.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "framework/store/atomic_write.h"
#include "framework/tasks/gan/gan_plan.h"
#include "framework/tasks/gan/gan_run.h"

namespace mgr::tasks {

namespace {

// Both networks planned against the clip's shape; both lists' problems are reported together.
void check(const config::ExperimentConfig& c) {
  std::vector<std::string> errors;
  for (auto plan : {graph::plan_generator, graph::plan_discriminator}) {
    try {
      plan(c);
    } catch (const Error& e) {
      errors.push_back(e.what());
    }
  }
  if (!errors.empty()) throw Error(fmt::format("{}", fmt::join(errors, "\n")));
}

// A GAN has no test accuracy: its table row is the generator's quality (gan::gan_table).
void write_reports(const std::string& run_dir, const nlohmann::json& metrics) {
  train::write_file_atomically((std::filesystem::path(run_dir) / "table_row.md").string(),
                               gan::gan_table(metrics));
}

}  // namespace

const TaskKind& gan_kind() {
  static const TaskKind kind{"gan",         check,   gan::run_gan, gan::gan_model_summary,
                             write_reports, nullptr, false};
  return kind;
}

}  // namespace mgr::tasks
