#include "framework/tasks/gan/gan_run.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "framework/engine/report.h"
#include "framework/engine/trainer.h"
#include "framework/graph/model_check.h"
#include "framework/tasks/gan/gan_models.h"
#include "framework/tasks/gan/gan_plan.h"
#include "framework/tasks/gan/gan_quality.h"
#include "framework/tasks/gan/gan_task.h"

namespace mgr::gan {

namespace fs = std::filesystem;

std::string gan_model_summary(const config::ExperimentConfig& cfg) {
  graph::GraphModel g(graph::plan_generator(cfg), cfg.seed);
  graph::GraphModel d(graph::plan_discriminator(cfg), cfg.seed);
  return "generator:\n" + g.summary_text() + "\ndiscriminator:\n" + d.summary_text();
}

namespace {

void write_curves(const fs::path& dir, const GanTask& task) {
  {
    std::ofstream csv(dir / "history.csv");
    csv << "epoch,iterations,d_loss,g_loss,d_real,d_fake,d_fake_after,validation_d_loss,"
           "validation_g_loss,validation_d_real,validation_d_fake\n";
    for (const auto& h : task.history())
      csv << fmt::format("{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f}\n",
                         h["epoch"].get<int>(), h["iterations"].get<int64_t>(),
                         h["d_loss"].get<double>(), h["g_loss"].get<double>(),
                         h["d_real"].get<double>(), h["d_fake"].get<double>(),
                         h["d_fake_after"].get<double>(), h["validation_d_loss"].get<double>(),
                         h["validation_g_loss"].get<double>(), h["validation_d_real"].get<double>(),
                         h["validation_d_fake"].get<double>());
  }
  train::ChartSeries d{"discriminator", "#1f77b4", "", {}, {}},
      g{"generator", "#d62728", "", {}, {}};
  {
    std::ofstream csv(dir / "loss_steps.csv");
    csv << "iteration,d_loss,g_loss\n";
    for (const auto& s : task.step_losses()) {
      csv << fmt::format("{},{:.6f},{:.6f}\n", int64_t(s[0]), s[1], s[2]);
      d.x.push_back(s[0]);
      d.y.push_back(s[1]);
      g.x.push_back(s[0]);
      g.y.push_back(s[2]);
    }
  }
  std::ofstream(dir / "loss_curves.svg") << train::svg_line_chart(
      {d, g}, "GAN losses per step (D: real + fake BCE; G: its loss)", "iteration");
  train::ChartSeries real{"D(x)", "#2ca02c", "", {}, {}}, fake{"D(G(z))", "#ff7f0e", "", {}, {}};
  for (const auto& h : task.history()) {
    real.x.push_back(h["epoch"].get<int>());
    real.y.push_back(h["d_real"].get<double>());
    fake.x.push_back(h["epoch"].get<int>());
    fake.y.push_back(h["d_fake"].get<double>());
  }
  std::ofstream(dir / "discriminator_outputs.svg") << train::svg_line_chart(
      {real, fake}, "mean discriminator output per epoch on real and generated clips", "epoch", 0.0,
      1.0);
}

}  // namespace

void run_gan(train::RunSetup& s, const train::RunOptions& opt, train::RunResult& result) {
  const config::ExperimentConfig& cfg = s.cfg;
  const fs::path dir(s.run_dir);
  MGR_CHECK(s.clip_shape == graph::model_input_shape(cfg),
            "the features are " << shape_str(s.clip_shape) << " per clip, the GAN was planned for "
                                << shape_str(graph::model_input_shape(cfg)));
  GanModels m = build_gan(cfg, s.device);
  const std::string summary = "generator:\n" + m.generator->summary_text() + "\ndiscriminator:\n" +
                              m.discriminator->summary_text();
  std::ofstream(dir / "model_summary.txt") << summary;
  s.say("model:\n" + summary);
  nlohmann::json desc = mel_description(cfg);
  desc["genres"] = s.loaded.ds.genres;
  desc["conditional"] = cfg.model.gan.conditional;
  desc["latent"] = cfg.model.gan.latent;
  std::ofstream(dir / "gan.json") << desc.dump(2) << "\n";

  GanTaskOptions to;
  to.run_dir = s.run_dir;
  to.validation_rows = s.split.validation;
  to.quiet = opt.quiet;
  const int64_t per_epoch =
      (int64_t(s.split.train.size()) + cfg.train.batch_size - 1) / cfg.train.batch_size;
  to.total_epochs = cfg.train.iterations > 0
                        ? int((cfg.train.iterations + per_epoch - 1) / per_epoch)
                        : cfg.train.epochs;
  GanTask task(m, *s.source, s.labels, cfg, to);
  train::TrainLoopOptions lo;
  lo.train = cfg.train;
  lo.quiet = opt.quiet;
  lo.shuffle_seed = cfg.seed;
  lo.state_path = (dir / "training_state.h5").string();
  lo.resume = s.resume;
  const train::TrainLoopResult trained = train::run_training(task, s.split.train, lo);
  write_curves(dir, task);

  nlohmann::json& mj = result.metrics;
  const nlohmann::json& last = task.history().back();
  mj["gan"] = {{"generator_parameters", m.generator->num_parameters()},
               {"discriminator_parameters", m.discriminator->num_parameters()},
               {"epochs_run", trained.epochs_run},
               {"iterations_run", trained.iterations_run},
               {"final", last},
               {"sample_grids", task.sample_grids()},
               {"conditional", cfg.model.gan.conditional}};
  mj["history"] = task.history();
  mj["timing_seconds"]["training"] = trained.seconds;
  s.say(
      fmt::format("gan: {} epochs; last epoch D loss {:.4f}, G loss {:.4f}, D(x) {:.3f}, "
                  "D(G(z)) {:.3f}",
                  trained.epochs_run, last["d_loss"].get<double>(), last["g_loss"].get<double>(),
                  last["d_real"].get<double>(), last["d_fake"].get<double>()));
  if (!cfg.model.gan.classifier_run.empty()) {
    s.say("gan: measuring the generator with the classifier of " + cfg.model.gan.classifier_run);
    mj["quality"] = measure_generator(s, *m.generator, cfg.model.gan.classifier_run);
    const nlohmann::json& q = mj["quality"];
    s.say(
        fmt::format("gan: Frechet distance {:.3f} (held-back real clips {:.3f}); genre "
                    "accuracy {} (held-back real clips {:.3f})",
                    q["generated"]["frechet_distance"].get<double>(),
                    q["held_back"]["frechet_distance"].get<double>(),
                    q["generated"]["genre_accuracy"].is_null()
                        ? std::string("n/a (unconditional)")
                        : fmt::format("{:.3f}", q["generated"]["genre_accuracy"].get<double>()),
                    q["held_back"]["genre_accuracy"].get<double>()));
  } else {
    s.say(
        "gan: no model.gan.classifier_run, so no quality metrics (Frechet distance, genre "
        "accuracy)");
  }
}

std::string gan_table(const nlohmann::json& m) {
  std::string row = fmt::format(
      "| {} | {} | {} | {} | {:.4f} | {:.4f} | {:.3f} | {:.3f} |", m.value("experiment", "?"),
      m.value("seed", 0), m.value("device", "?"), m["gan"]["epochs_run"].get<int>(),
      m["gan"]["final"]["d_loss"].get<double>(), m["gan"]["final"]["g_loss"].get<double>(),
      m["gan"]["final"]["d_real"].get<double>(), m["gan"]["final"]["d_fake"].get<double>());
  auto num = [](const nlohmann::json& v) {
    return v.is_number() ? fmt::format("{:.3f}", v.get<double>()) : std::string("n/a");
  };
  if (m.contains("quality")) {
    const nlohmann::json& q = m["quality"];
    row +=
        fmt::format(" {} | {} | {} | {} |", num(q["generated"]["frechet_distance"]),
                    num(q["held_back"]["frechet_distance"]), num(q["generated"]["genre_accuracy"]),
                    num(q["held_back"]["genre_accuracy"]));
  } else {
    row += " n/a | n/a | n/a | n/a |";
  }
  return "| experiment | seed | device | epochs | D loss | G loss | D(x) | D(G(z)) | FD generated "
         "| FD held-back real | genre acc generated | genre acc held-back real |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|---|\n" +
         row + "\n";
}

}  // namespace mgr::gan
