#include "framework/tasks/gan/gan_models.h"

#include "framework/autograd/var.h"
#include "framework/graph/model_check.h"
#include "framework/nn/init.h"
#include "framework/tasks/gan/gan_plan.h"
#include "framework/tensor/index.h"
#include "kernels/error.h"

namespace mgr::gan {

MelScaling mel_scaling(const config::ExperimentConfig& cfg) {
  MGR_CHECK(cfg.features.top_db > 0, "gan: features.top_db must be > 0 to bound the dB range");
  return MelScaling{cfg.features.top_db};
}

nlohmann::json mel_description(const config::ExperimentConfig& cfg) {
  const config::FeatureConfig& f = cfg.features;
  const MelScaling s = mel_scaling(cfg);
  return {{"feature", f.type},
          {"clip_shape", graph::model_input_shape(cfg)},
          {"layout", "[channels, n_mels, frames]; mel band 0 is the lowest frequency"},
          {"scaling",
           {{"unit_to_db", "db = (unit - 1) * top_db / 2"},
            {"db_min", -s.top_db},
            {"db_max", 0.0},
            {"reference", "each clip's own maximum power (features.ref max)"}}},
          {"sample_rate", cfg.data.sample_rate},
          {"n_fft", f.n_fft},
          {"hop_length", f.hop_length},
          {"win_length", f.win_length > 0 ? f.win_length : f.n_fft},
          {"window", f.window},
          {"center", f.center},
          {"pad_mode", f.pad_mode},
          {"n_mels", f.n_mels},
          {"fmin", f.fmin},
          {"fmax", f.fmax > 0 ? f.fmax : cfg.data.sample_rate / 2.0},
          {"mel_scale", f.mel_scale},
          {"mel_norm", f.mel_norm},
          {"power", f.power},
          {"amin", f.amin},
          {"top_db", f.top_db},
          {"ref", f.ref},
          {"crop_frames", f.crop_frames}};
}

void dcgan_normal_init(graph::GraphModel& model, double stddev, uint64_t seed) {
  const float sd = static_cast<float>(stddev);
  for (const graph::PlannedLayer& pl : model.plan().layers) {
    nn::Module* m = model.layer_module(pl.spec->name);
    if (!m) continue;
    const std::string& type = pl.spec->type;
    const bool weighted = type == "conv2d" || type == "conv_transpose2d" || type == "dense";
    const bool norm = type == "batch_norm";
    if (!weighted && !norm) continue;  // other layers keep their own initialisation
    const uint64_t s = graph::layer_seed(seed, pl.spec->name);
    for (auto& [name, var] : m->named_parameters()) {
      Tensor& t = var->value_mut();
      if (name == "bias")
        t.zero_();
      else if (name == "weight")
        nn::normal_(t, norm ? 1.f : 0.f, sd, s);
    }
  }
}

GanModels build_gan(const config::ExperimentConfig& cfg, Device device) {
  return build_gan(cfg, graph::plan_generator(cfg), graph::plan_discriminator(cfg), device);
}

GanModels build_gan(const config::ExperimentConfig& cfg,
                    std::shared_ptr<const graph::GraphPlan> generator,
                    std::shared_ptr<const graph::GraphPlan> discriminator, Device device) {
  GanModels m;
  m.generator = std::make_unique<graph::GraphModel>(std::move(generator), cfg.seed);
  m.discriminator =
      std::make_unique<graph::GraphModel>(std::move(discriminator), cfg.seed ^ 0xD15C);
  if (cfg.model.gan.init == "normal") {
    dcgan_normal_init(*m.generator, cfg.model.gan.init_std, cfg.seed);
    dcgan_normal_init(*m.discriminator, cfg.model.gan.init_std, cfg.seed ^ 0xD15C);
  }
  m.generator->to(device);
  m.discriminator->to(device);
  return m;
}

Tensor sample_latent(int64_t n, int latent, uint64_t seed, Device device) {
  return Tensor::from_vector(nn::normal_values(n * latent, 0.f, 1.f, seed), {n, latent}).to(device);
}

Tensor one_hot(const std::vector<int>& labels, int classes, Device device) {
  std::vector<float> v(labels.size() * static_cast<size_t>(classes), 0.f);
  for (size_t i = 0; i < labels.size(); ++i) {
    MGR_CHECK(labels[i] >= 0 && labels[i] < classes,
              "one_hot: label " << labels[i] << " outside [0, " << classes << ")");
    v[i * static_cast<size_t>(classes) + static_cast<size_t>(labels[i])] = 1.f;
  }
  return Tensor::from_vector(v, {static_cast<int64_t>(labels.size()), classes}).to(device);
}

Tensor generate(graph::GraphModel& generator, const config::ExperimentConfig& cfg, int64_t n,
                const std::vector<int>& labels, uint64_t seed, int batch) {
  const bool conditional = !generator.plan().condition.empty();
  MGR_CHECK(!conditional || static_cast<int64_t>(labels.size()) == n,
            "generate: a conditional generator needs one genre per sample (" << n << "), got "
                                                                             << labels.size());
  const int classes = conditional ? static_cast<int>(generator.plan().condition[0]) : 0;
  const Device device = generator.parameters().front()->value().device();
  const Tensor z = sample_latent(n, cfg.model.gan.latent, seed, device);
  generator.eval();
  NoGradGuard no_grad;
  Shape out_shape{n};
  for (int64_t d : generator.plan().output()) out_shape.push_back(d);
  Tensor out = Tensor::empty(out_shape, DType::F32, device);
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t b = std::min<int64_t>(batch, n - start);
    std::vector<int32_t> rows(static_cast<size_t>(b));
    for (int64_t i = 0; i < b; ++i) rows[static_cast<size_t>(i)] = static_cast<int32_t>(start + i);
    Var cond;
    if (conditional)
      cond = Var(one_hot(std::vector<int>(labels.begin() + start, labels.begin() + start + b),
                         classes, device));
    copy_rows(out, start, generator.forward(Var(gather_rows(z, rows)), cond).value());
  }
  return out;
}

}  // namespace mgr::gan
