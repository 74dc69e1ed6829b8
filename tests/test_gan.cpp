// model.type gan: the layer-list checks (condition input, unflatten, conv_transpose2d), the
// Frechet distance, DCGAN's initialisation, and small GAN runs end to end on the synthetic corpus
// (run directory outputs, `generate`, and the classifier-judged quality metrics).
#include <cmath>
#include <filesystem>
#include <fstream>

#include "framework/config/field_table.h"
#include "framework/config/layers_yaml.h"
#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/graph/model_check.h"
#include "framework/graph/resolved_config.h"
#include "framework/results/html_report.h"
#include "framework/tasks/gan/frechet.h"
#include "framework/tasks/gan/gan_models.h"
#include "framework/tasks/gan/gan_plan.h"
#include "framework/tasks/gan/gan_quality.h"
#include "framework/tasks/gan/generated_files.h"
#include "framework/tasks/task_kind.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

namespace fs = std::filesystem;

std::vector<config::LayerSpec> layers(const std::string& yaml) {
  std::vector<std::string> errors;
  auto out = config::parse_layers(
      YAML::Load(yaml), YAML::Mark::null_mark(),
      [](const YAML::Mark& m) { return "t.yaml:" + std::to_string(m.line + 1); }, errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  return out;
}

const char* kGenerator = R"([
  {name: z, type: unflatten, channels: 8},
  {name: up1, type: conv_transpose2d, channels: 16, kernel: 4, bias: false},
  {name: bn1, type: batch_norm},
  {name: a1, type: relu},
  {name: up2, type: conv_transpose2d, channels: 8, kernel: 4, stride: 2, padding: 1, bias: false},
  {name: bn2, type: batch_norm},
  {name: a2, type: relu},
  {name: up3, type: conv_transpose2d, channels: 1, kernel: 4, stride: 2, padding: 1, bias: false},
  {name: out, type: tanh}])";
const char* kConditionalGenerator = R"([
  {name: zc, type: concat, in: [input, condition]},
  {name: z, type: unflatten, channels: 11},
  {name: up1, type: conv_transpose2d, channels: 16, kernel: 4, bias: false},
  {name: bn1, type: batch_norm},
  {name: a1, type: relu},
  {name: up2, type: conv_transpose2d, channels: 8, kernel: 4, stride: 2, padding: 1, bias: false},
  {name: bn2, type: batch_norm},
  {name: a2, type: relu},
  {name: up3, type: conv_transpose2d, channels: 1, kernel: 4, stride: 2, padding: 1, bias: false},
  {name: out, type: tanh}])";
const char* kDiscriminator = R"([
  {name: c1, type: conv2d, channels: 8, kernel: 4, stride: 2, padding: 1},
  {name: a1, type: leaky_relu, slope: 0.2},
  {name: c2, type: conv2d, channels: 16, kernel: 4, stride: 2, padding: 1},
  {name: bn2, type: batch_norm},
  {name: a2, type: leaky_relu, slope: 0.2},
  {name: flat, type: flatten},
  {name: logit, type: dense, units: 1}])";
const char* kConditionalDiscriminator = R"([
  {name: c1, type: conv2d, channels: 8, kernel: 4, stride: 2, padding: 1},
  {name: a1, type: leaky_relu, slope: 0.2},
  {name: c2, type: conv2d, channels: 16, kernel: 4, stride: 2, padding: 1},
  {name: bn2, type: batch_norm},
  {name: a2, type: leaky_relu, slope: 0.2},
  {name: flat, type: flatten},
  {name: j, type: concat, in: [flat, condition]},
  {name: logit, type: dense, units: 1}])";

// A GAN on 1 x 16 x 16 log-mel patches of a tiny synthetic corpus (3 genres).
config::ExperimentConfig small_gan(const fs::path& tmp, bool conditional) {
  config::ExperimentConfig c;
  c.name = conditional ? "cgan" : "gan";
  c.device = "cpu";
  c.seed = 5;
  c.data.root = (tmp / "corpus").string();
  c.data.genres = {"blues", "jazz", "metal"};
  c.data.sample_rate = 11025;
  c.data.clip_seconds = 0.75;  // 1 + 8268 / 512 = 17 frames
  c.data.clip_hop_seconds = 0.75;
  c.data.synthetic.tracks_per_genre = 5;
  c.data.synthetic.track_seconds = 3.0;
  c.features.n_fft = 512;
  c.features.hop_length = 512;
  c.features.n_mels = 16;
  c.features.crop_frames = 16;
  c.features.normalize = "none";
  c.features.cache_dir = (tmp / "cache").string();
  c.model.type = "gan";
  c.model.gan.latent = 8;
  c.model.gan.conditional = conditional;
  c.model.gan.grid_columns = 4;
  c.model.generator = layers(conditional ? kConditionalGenerator : kGenerator);
  c.model.discriminator = layers(conditional ? kConditionalDiscriminator : kDiscriminator);
  c.train.lr = 2e-4;
  c.train.beta1 = 0.5;
  c.train.batch_size = 8;
  c.train.epochs = 2;
  return c;
}

TEST(GanConfig, ExperimentFilesPlanAndRoundTrip) {
  for (const char* f : {"experiments/dcgan_mel.yaml", "experiments/dcgan_mel_conditional.yaml"}) {
    const config::ExperimentConfig c = experiment::load(f);
    EXPECT_EQ(c.model.type, "gan") << f;
    EXPECT_EQ(graph::plan_generator(c)->output(), (Shape{1, 64, 64})) << f;
    EXPECT_EQ(graph::plan_discriminator(c)->output(), (Shape{1})) << f;
    // The resolved config reads back to the same configuration, generator and D included.
    const fs::path tmp = fs::temp_directory_path() / "mgr_gan_roundtrip.yaml";
    std::ofstream(tmp) << graph::to_yaml(c);
    EXPECT_TRUE(graph::configs_equal(c, experiment::load(tmp.string()))) << f;
  }
}

TEST(GanConfig, LocatedErrors) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_gan_errors";
  fs::create_directories(tmp);
  config::ExperimentConfig c = small_gan(tmp, false);
  // `condition` without model.gan.conditional.
  c.model.discriminator = layers(kConditionalDiscriminator);
  std::string msg = test::error_of([&] { tasks::plan_task(c); });
  EXPECT_NE(msg.find("layer 'j' (concat): in: 'condition' is the genre of a conditional GAN"),
            std::string::npos)
      << msg;
  // A generator whose output is not the clip.
  c = small_gan(tmp, false);
  c.model.generator = layers(R"([{name: z, type: unflatten, channels: 4, height: 3},
                                 {name: out, type: tanh}])");
  msg = test::error_of([&] { tasks::plan_task(c); });
  EXPECT_NE(msg.find("layer 'z' (unflatten): channels: 4 x 3 x 1 = 12 values, but the input has 8"),
            std::string::npos)
      << msg;
  c.model.generator =
      layers(R"([{name: z, type: unflatten, channels: 8}, {name: out, type: tanh}])");
  msg = test::error_of([&] { tasks::plan_task(c); });
  EXPECT_NE(msg.find("the last layer is the generated clip"), std::string::npos) << msg;
  // Output padding not below the stride.
  c.model.generator = layers(R"([{name: z, type: unflatten, channels: 8},
      {name: up, type: conv_transpose2d, channels: 1, stride: 2, output_padding: 2}])");
  msg = test::error_of([&] { tasks::plan_task(c); });
  EXPECT_NE(msg.find("output_padding: must be smaller than the stride"), std::string::npos) << msg;
  // Cross-field rules of the config.
  c = small_gan(tmp, false);
  c.features.normalize = "global";
  msg = test::error_of([&] { experiment::resolve(c); });
  EXPECT_NE(msg.find("features.normalize: must be none for model.type gan"), std::string::npos)
      << msg;
}

TEST(Frechet, KnownDistances) {
  // Identical sets: 0. One dimension: (m1 - m2)^2 + (s1 - s2)^2.
  std::vector<float> a{0, 1, 2, 3, 4}, b{10, 12, 14, 16, 18};
  const gan::Gaussian ga = gan::fit_gaussian(a, 5, 1), gb = gan::fit_gaussian(b, 5, 1);
  EXPECT_NEAR(gan::frechet_distance(ga, ga), 0.0, 1e-9);
  const double s1 = std::sqrt(2.5), s2 = std::sqrt(10.0);
  EXPECT_NEAR(gan::frechet_distance(ga, gb), 144.0 + (s1 - s2) * (s1 - s2), 1e-9);  // means 2, 14
  // Commuting (diagonal) covariances: sum over axes of the 1-D formula.
  gan::Gaussian d1{3, {0, 0, 0}, {4, 0, 0, 0, 1, 0, 0, 0, 9}};
  gan::Gaussian d2{3, {1, 0, 2}, {1, 0, 0, 0, 1, 0, 0, 0, 1}};
  EXPECT_NEAR(gan::frechet_distance(d1, d2), 1 + 4 + (1 + 0 + 4), 1e-9);
  // A rotated copy of d1 against d1 itself shifted: covariance R d1 R^T.
  const double c = std::cos(0.3), s = std::sin(0.3);
  gan::Gaussian r{
      2, {0, 0}, {4 * c * c + s * s, (4 - 1) * c * s, (4 - 1) * c * s, 4 * s * s + c * c}};
  gan::Gaussian q{2, {0, 0}, {4, 0, 0, 1}};
  // tr(A + B - 2 (A^1/2 B A^1/2)^1/2) for A = diag(4, 1), B = R A R^T, against numpy/scipy's
  // sqrtm (np.trace(A + B - 2 * scipy.linalg.sqrtm(A @ B))).
  EXPECT_NEAR(gan::frechet_distance(q, r), 0.15845331930116835, 1e-9);
}

TEST(Frechet, EigenReconstructs) {
  const int n = 6;
  std::vector<double> a(n * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = std::sin(1.0 + i * 7 + j * 3);
  std::vector<double> w, v;
  gan::symmetric_eigen(a, n, w, v);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int k = 0; k < n; ++k) s += v[i * n + k] * w[k] * v[j * n + k];
      EXPECT_NEAR(s, a[i * n + j], 1e-10);
    }
  for (int k = 1; k < n; ++k) EXPECT_LE(w[k - 1], w[k]);
}

TEST(GanModels, DcganNormalInit) {
  const config::ExperimentConfig c = experiment::load("experiments/dcgan_mel.yaml");
  gan::GanModels m = gan::build_gan(c, Device::cpu());
  for (auto& [name, p] : m.generator->named_parameters()) {
    const std::vector<float> v = p->value().to_vector();
    double mean = 0, sq = 0;
    for (float x : v) mean += x;
    mean /= double(v.size());
    for (float x : v) sq += (x - mean) * (x - mean);
    const double sd = std::sqrt(sq / double(v.size()));
    const bool bn = name.rfind("bn", 0) == 0;
    if (name.find(".bias") != std::string::npos) {
      EXPECT_EQ(sd, 0.0) << name;
      EXPECT_EQ(mean, 0.0) << name;
    } else if (v.size() > 400) {
      EXPECT_NEAR(mean, bn ? 1.0 : 0.0, 0.005) << name;
      EXPECT_NEAR(sd, 0.02, 0.002) << name;
    }
  }
}

void expect_files(const fs::path& dir, std::initializer_list<const char*> names) {
  for (const char* f : names) EXPECT_TRUE(fs::exists(dir / f)) << (dir / f);
}

TEST(GanRun, TrainsWritesOutputsAndGenerates) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_gan_run";
  fs::remove_all(tmp);
  for (bool conditional : {false, true}) {
    const config::ExperimentConfig cfg = small_gan(tmp, conditional);
    experiment::resolve(cfg);
    train::RunOptions opt;
    opt.quiet = true;
    opt.out_dir = (tmp / cfg.name).string();
    const train::RunResult r = train::run_experiment(experiment::resolve(cfg), opt);
    const fs::path dir(r.run_dir);
    expect_files(dir, {"config.yaml", "gan.json", "generator.h5", "discriminator.h5", "history.csv",
                       "loss_steps.csv", "loss_curves.svg", "discriminator_outputs.svg",
                       "metrics.json", "table_row.md", "model_summary.txt", "samples/epoch_001.png",
                       "samples/epoch_002.png"});
    const auto& h = r.metrics["history"];
    ASSERT_EQ(h.size(), 2u);
    for (const auto& e : h) {
      EXPECT_TRUE(std::isfinite(e["d_loss"].get<double>()));
      EXPECT_TRUE(std::isfinite(e["g_loss"].get<double>()));
      EXPECT_GT(e["d_real"].get<double>(), 0.0);
      EXPECT_LT(e["d_real"].get<double>(), 1.0);
    }
    EXPECT_EQ(r.metrics["gan"]["conditional"], conditional);

    gan::LoadedGenerator g = gan::LoadedGenerator::load(r.run_dir, "cpu");
    EXPECT_EQ(g.conditional(), conditional);
    if (conditional) {
      EXPECT_NE(test::error_of([&] {
                  gan::generate_mels(g, "polka", 2, 1);
                }).find("unknown genre 'polka'; the run's genres are blues, jazz, metal"),
                std::string::npos);
    }
    const gan::GeneratedMels mels = gan::generate_mels(g, conditional ? "jazz" : "", 3, 7);
    ASSERT_EQ(mels.db.size(), 3u * 16 * 16);
    for (float v : mels.db) {
      EXPECT_GE(v, -80.f);
      EXPECT_LE(v, 0.f);
    }
    // Undoing the scaling: db = (unit - 1) * 40.
    EXPECT_NEAR(mels.db[5], (mels.unit[5] - 1.f) * 40.f, 1e-4);
    const auto files = gan::write_generated((tmp / "gen").string(), mels, g, r.run_dir);
    EXPECT_EQ(files.size(), 5u);  // generated.h5, three samples, grid.png
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      char head[8] = {};
      in.read(head, 8);
      if (f.size() > 4 && f.substr(f.size() - 4) == ".png")
        EXPECT_EQ(std::string(head + 1, 3), "PNG") << f;
      else
        EXPECT_EQ(std::string(head + 1, 3), "HDF") << f;
    }
    // The same seed gives the same spectrograms.
    EXPECT_EQ(gan::generate_mels(g, conditional ? "jazz" : "", 3, 7).unit, mels.unit);
  }
}

TEST(GanRun, QualityMetricsWithAClassifier) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_gan_quality";
  fs::remove_all(tmp);
  // A small genre classifier on the same features (standardised, as classifiers are).
  config::ExperimentConfig clf = small_gan(tmp, true);
  clf.name = "judge";
  clf.model.type = "network";
  clf.features.normalize = "global";
  clf.model.layers = layers(R"([
      {name: c1, type: conv2d, channels: 8},
      {name: a1, type: relu},
      {name: pool, type: global_avg_pool},
      {name: emb, type: dense, units: 6},
      {name: out, type: dense, units: num_classes}])");
  clf.train.lr = 3e-3;
  clf.train.epochs = 2;
  train::RunOptions opt;
  opt.quiet = true;
  opt.out_dir = (tmp / "judge").string();
  train::run_experiment(experiment::resolve(clf), opt);

  config::ExperimentConfig cfg = small_gan(tmp, true);
  cfg.train.epochs = 1;
  cfg.model.gan.classifier_run = (tmp / "judge").string();
  opt.out_dir = (tmp / "cgan").string();
  const train::RunResult r = train::run_experiment(experiment::resolve(cfg), opt);
  const auto& q = r.metrics["quality"];
  EXPECT_EQ(q["embedding_dim"], 6);
  for (const char* part : {"generated", "held_back"}) {
    EXPECT_GE(q[part]["frechet_distance"].get<double>(), 0.0) << part;
    const double acc = q[part]["genre_accuracy"].get<double>();
    EXPECT_GE(acc, 0.0) << part;
    EXPECT_LE(acc, 1.0) << part;
  }
  EXPECT_EQ(q["generated"]["clips"], q["held_back"]["clips"]);
  std::ifstream row(tmp / "cgan" / "table_row.md");
  std::string text((std::istreambuf_iterator<char>(row)), {});
  EXPECT_EQ(text.find("n/a | n/a"), std::string::npos) << text;

  // The report's GAN section: both losses, D's outputs, the quality table and the sample grid
  // (a PNG embedded), for a run with no test accuracy.
  const std::string html =
      results::html_report((tmp / "cgan").string(), {.spectrograms_per_genre = 0});
  for (const char* part :
       {"<section class='kind kind-gan'>", "a generative adversarial network</h3>",
        "both losses per step", "D(x) and D(G(z)) per epoch", "<th>Frechet distance</th>",
        "held-back real clips (the ceiling)",
        "<img alt='epoch_001.png' src='data:image/png;base64,", "1 of 1 grids"})
    EXPECT_NE(html.find(part), std::string::npos) << part;
  EXPECT_EQ(html.find("<h2>Confusion matrices</h2>"), std::string::npos) << "no test split";

  // Measured while training (model.gan.quality_every): one measurement per epoch, each in
  // quality/epoch_NNN.json and on the curve quality.by_epoch with that epoch's losses; the last
  // is the run's own quality (not measured twice), and the report draws the Frechet curve.
  config::ExperimentConfig every = cfg;
  every.train.epochs = 3;
  every.model.gan.quality_every = 2;
  opt.out_dir = (tmp / "cgan_every").string();
  const nlohmann::json m = train::run_experiment(experiment::resolve(every), opt).metrics;
  const nlohmann::json& curve = m["quality"]["by_epoch"];
  ASSERT_EQ(curve.size(), 2u) << "epochs 2 and 3 (the last): " << curve.dump();
  EXPECT_EQ(curve[0]["epoch"], 2);
  EXPECT_EQ(curve[1]["epoch"], 3);
  EXPECT_EQ(curve[1]["frechet_distance"], m["quality"]["generated"]["frechet_distance"]);
  EXPECT_EQ(curve[0]["d_loss"], m["history"][1]["d_loss"]);
  EXPECT_NE(curve[0]["frechet_distance"], curve[1]["frechet_distance"]);
  for (const char* f : {"quality/epoch_002.json", "quality/epoch_003.json"})
    EXPECT_TRUE(fs::exists(tmp / "cgan_every" / f)) << f;
  EXPECT_FALSE(fs::exists(tmp / "cgan_every" / "quality" / "epoch_001.json"));
  const std::string every_html =
      results::html_report((tmp / "cgan_every").string(), {.spectrograms_per_genre = 0});
  EXPECT_NE(every_html.find("Frechet distance per measured epoch"), std::string::npos);
  // The same epochs unmeasured: measuring leaves the training as it was.
  every.model.gan.quality_every = 0;
  every.model.gan.classifier_run = "";
  opt.out_dir = (tmp / "cgan_unmeasured").string();
  const nlohmann::json plain = train::run_experiment(experiment::resolve(every), opt).metrics;
  EXPECT_EQ(plain["history"], m["history"]);
  EXPECT_NE(test::error_of([&] {
              experiment::load("experiments/dcgan_mel.yaml", {"model.gan.quality_every=1"});
            }).find("needs model.gan.classifier_run"),
            std::string::npos);

  // A classifier on other features is refused with the differences named.
  cfg.features.n_mels = 20;
  cfg.features.crop_frames = 16;
  config::ExperimentConfig other = clf;
  EXPECT_NE(test::error_of([&] {
              gan::check_same_features(cfg, other, "judge");
            }).find("features.n_mels: 20 here, 16 in the classifier"),
            std::string::npos);
}

}  // namespace
}  // namespace mgr
