#include "framework/tasks/gan/gan_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "framework/engine/html.h"
#include "framework/engine/report.h"
#include "framework/engine/trainer.h"
#include "framework/graph/model_check.h"
#include "framework/tasks/gan/gan_models.h"
#include "framework/tasks/gan/gan_plan.h"
#include "framework/tasks/gan/gan_quality.h"
#include "framework/tasks/gan/gan_task.h"

namespace mgr::gan {

namespace fs = std::filesystem;

std::string gan_model_summary(const config::ExperimentConfig& cfg,
                              std::shared_ptr<const graph::GraphPlan> generator,
                              std::shared_ptr<const graph::GraphPlan> discriminator) {
  graph::GraphModel g(std::move(generator), cfg.seed);
  graph::GraphModel d(std::move(discriminator), cfg.seed);
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

// The Frechet curve: per measured epoch the generated and held-back figures beside that
// epoch's losses (the rows scripts/results/dcgan_real_music.sh gathers for older runs).
nlohmann::json quality_curve(const nlohmann::json& measured, const nlohmann::json& history) {
  nlohmann::json rows = nlohmann::json::array();
  for (const nlohmann::json& e : measured) {
    const int epoch = e["epoch"].get<int>();
    const nlohmann::json& q = e["quality"];
    nlohmann::json row = {
        {"epoch", epoch},
        {"frechet_distance", q["generated"]["frechet_distance"]},
        {"genre_accuracy", q["generated"]["genre_accuracy"]},
        {"classified_as", q["generated"].value("classified_as", nlohmann::json())},
        {"held_back_frechet_distance", q["held_back"]["frechet_distance"]},
        {"held_back_genre_accuracy", q["held_back"]["genre_accuracy"]}};
    for (const nlohmann::json& h : history)
      if (h["epoch"].get<int>() == epoch)
        for (const char* k : {"d_loss", "g_loss", "d_real", "d_fake"}) row[k] = h[k];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

void run_gan(train::RunSetup& s, std::shared_ptr<const graph::GraphPlan> generator,
             std::shared_ptr<const graph::GraphPlan> discriminator, const train::RunOptions& opt,
             train::RunResult& result) {
  const config::ExperimentConfig& cfg = s.cfg;
  const fs::path dir(s.run_dir);
  MGR_CHECK(s.clip_shape == graph::model_input_shape(cfg),
            "the features are " << shape_str(s.clip_shape) << " per clip, the GAN was planned for "
                                << shape_str(graph::model_input_shape(cfg)));
  GanModels m = build_gan(cfg, std::move(generator), std::move(discriminator), s.device);
  const std::string summary = "generator:\n" + m.generator->summary_text() + "\ndiscriminator:\n" +
                              m.discriminator->summary_text();
  std::ofstream(dir / "model_summary.txt") << summary;
  s.say("model:\n" + summary);
  nlohmann::json desc = mel_description(cfg);
  desc["genres"] = s.loaded.ds.genres;
  desc["conditional"] = cfg.model.gan.conditional;
  desc["latent"] = cfg.model.gan.latent;
  std::ofstream(dir / "gan.json") << desc.dump(2, ' ', false,
                                               nlohmann::json::error_handler_t::replace)
                                  << "\n";

  GanTaskOptions to;
  to.run_dir = s.run_dir;
  to.validation_rows = s.split.validation;
  to.quiet = opt.quiet;
  const int64_t per_epoch =
      (int64_t(s.split.train.size()) + cfg.train.batch_size - 1) / cfg.train.batch_size;
  to.total_epochs = cfg.train.iterations > 0
                        ? int((cfg.train.iterations + per_epoch - 1) / per_epoch)
                        : cfg.train.epochs;
  const std::string& judge = cfg.model.gan.classifier_run;
  if (!judge.empty() && cfg.model.gan.quality_every > 0)
    to.measure_quality = [&] { return measure_generator(s, *m.generator, judge); };
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
  if (!judge.empty()) {
    const nlohmann::json& measured = task.quality_by_epoch();
    if (!measured.empty() && measured.back()["epoch"].get<int>() == trained.epochs_run) {
      mj["quality"] = measured.back()["quality"];  // the last epoch was measured in training
    } else {
      s.say("gan: measuring the generator with the classifier of " + judge);
      mj["quality"] = measure_generator(s, *m.generator, judge);
    }
    if (!measured.empty()) {
      mj["quality"]["by_epoch"] = quality_curve(measured, task.history());
      mj["quality"]["by_epoch_note"] = fmt::format(
          "measured while training, every {} epochs and the last "
          "(model.gan.quality_every; quality/epoch_NNN.json)",
          cfg.model.gan.quality_every);
    }
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

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A plot the run wrote (loss_curves.svg, ...), inline; a note when it is missing.
std::string run_svg(const fs::path& dir, const std::string& name, const std::string& caption) {
  if (!fs::is_regular_file(dir / name))
    return "<p>" + train::html_escape(name) + " is missing from the run directory.</p>\n";
  return "<figure>" + train::inline_svg(read_text(dir / name)) + "<figcaption>" +
         train::html_escape(caption) + "</figcaption></figure>\n";
}

std::string number_cell(const nlohmann::json& v) {
  return v.is_number() ? fmt::format("{:.3f}", v.get<double>()) : std::string("n/a");
}

}  // namespace

std::string gan_report_section(const std::string& run_dir, const nlohmann::json& m) {
  const fs::path dir(run_dir);
  if (!m.contains("gan")) return "<p>No GAN figures in metrics.json.</p>\n";
  const nlohmann::json& g = m["gan"];
  const nlohmann::json& f = g["final"];
  std::string h = fmt::format(
      "<p>{} epochs ({} steps); generator {} parameters, discriminator {}; {}.</p>\n"
      "<table>\n<thead><tr><th>last epoch</th><th>D loss</th><th>G loss</th><th>D(x)</th>"
      "<th>D(G(z))</th></tr></thead>\n<tbody>\n<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
      "<td>{}</td></tr>\n</tbody>\n</table>\n",
      g.value("epochs_run", 0), g.value("iterations_run", int64_t{0}),
      g.value("generator_parameters", int64_t{0}), g.value("discriminator_parameters", int64_t{0}),
      g.value("conditional", false) ? "conditional on the genre" : "unconditional",
      f.value("epoch", 0), number_cell(f["d_loss"]), number_cell(f["g_loss"]),
      number_cell(f["d_real"]), number_cell(f["d_fake"]));
  h += "<div class='grid'>\n" +
       run_svg(dir, "loss_curves.svg", "both losses per step (loss_steps.csv)") +
       run_svg(dir, "discriminator_outputs.svg", "D(x) and D(G(z)) per epoch (history.csv)") +
       "</div>\n";

  h += "<h4>Quality</h4>\n";
  if (!m.contains("quality")) {
    h += "<p>Not measured: the run had no model.gan.classifier_run (a genre classifier trained on "
         "the same features, e.g. experiments/dcgan_judge.yaml), so there is no Frechet distance "
         "or genre hit rate.</p>\n";
  } else {
    const nlohmann::json& q = m["quality"];
    h += fmt::format(
        "<table>\n<thead><tr><th></th><th>Frechet distance</th><th>genre accuracy</th></tr>"
        "</thead>\n<tbody>\n<tr><td>generated</td><td>{}</td><td>{}</td></tr>\n<tr><td>held-back "
        "real clips (the ceiling)</td><td>{}</td><td>{}</td></tr>\n</tbody>\n</table>\n"
        "<p class='note'>judged by the classifier of {}</p>\n",
        number_cell(q["generated"]["frechet_distance"]),
        number_cell(q["generated"]["genre_accuracy"]),
        number_cell(q["held_back"]["frechet_distance"]),
        number_cell(q["held_back"]["genre_accuracy"]),
        train::html_escape(q.value("classifier_run", std::string("?"))));
    const nlohmann::json by_epoch = q.value("by_epoch", nlohmann::json::array());
    if (by_epoch.size() >= 2) {
      train::ChartSeries gen{"generated", "#d62728", "", {}, {}},
          held{"held-back real", "#2ca02c", "6,4", {}, {}};
      for (const auto& e : by_epoch) {
        gen.x.push_back(e["epoch"].get<int>());
        gen.y.push_back(e["frechet_distance"].get<double>());
        held.x.push_back(e["epoch"].get<int>());
        held.y.push_back(q["held_back"]["frechet_distance"].get<double>());
      }
      h += "<figure>" +
           train::inline_svg(train::svg_line_chart(
               {gen, held}, "Frechet distance per measured epoch (lower is closer)", "epoch")) +
           "<figcaption>the Frechet curve</figcaption></figure>\n";
    }
  }

  h += "<h4>Sample grids</h4>\n";
  std::vector<fs::path> grids;
  if (fs::is_directory(dir / "samples"))
    for (const auto& e : fs::directory_iterator(dir / "samples"))
      if (e.path().extension() == ".png") grids.push_back(e.path());
  std::sort(grids.begin(), grids.end());
  if (grids.empty()) return h + "<p>No sample grid in samples/.</p>\n";
  // At most 6 grids: the first, the last and evenly spaced ones between.
  std::vector<fs::path> shown;
  const size_t n = std::min<size_t>(6, grids.size());
  for (size_t k = 0; k < n; ++k)
    shown.push_back(grids[n == 1 ? grids.size() - 1 : k * (grids.size() - 1) / (n - 1)]);
  h += fmt::format(
      "<p>Generated clips beside real validation clips (each tile a log-mel patch, low bands at "
      "the bottom); {} of {} grids.</p>\n<div class='grid'>\n",
      shown.size(), grids.size());
  for (const fs::path& p : shown)
    h += "<figure><img alt='" + train::html_escape(p.filename().string()) + "' src='" +
         train::file_data_uri(p.string(), "image/png") + "'><figcaption>" +
         train::html_escape("samples/" + p.filename().string()) + "</figcaption></figure>\n";
  return h + "</div>\n";
}

}  // namespace mgr::gan
