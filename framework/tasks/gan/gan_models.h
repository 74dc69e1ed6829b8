// The two networks of a GAN run (model.type gan) and what both training and `generate` need:
// building them from the config, DCGAN's initialisation, latent and condition inputs, and the
// map between the features' dB range and the generator's [-1, 1].
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/graph/graph_model.h"

namespace mgr::gan {

// log-mel dB (features.ref max: every clip's values in [-top_db, 0]) <-> [-1, 1], an exact
// affine map: unit = db / (top_db / 2) + 1.
struct MelScaling {
  double top_db = 80.0;
  float to_unit_scale() const { return static_cast<float>(2.0 / top_db); }
  float db_of_unit(float u) const { return static_cast<float>((double(u) - 1.0) * top_db / 2.0); }
};
MelScaling mel_scaling(const config::ExperimentConfig& cfg);

// What a spectrogram of this run means, for turning it back into dB and audio: the scaling and
// the mel parameters (sample_rate, n_fft, hop_length, win_length, window, center, n_mels, fmin,
// fmax, mel_scale, mel_norm, power, top_db, ref, the clip shape). Written to gan.json.
nlohmann::json mel_description(const config::ExperimentConfig& cfg);

struct GanModels {
  std::unique_ptr<graph::GraphModel> generator, discriminator;
};

// Plans (graph::plan_generator / plan_discriminator, gan_plan.h), builds and initialises both
// networks (model.gan.init) on `device`.
GanModels build_gan(const config::ExperimentConfig& cfg, Device device);
// The same from networks already planned (tasks::GanPlan: the plan made once).
GanModels build_gan(const config::ExperimentConfig& cfg,
                    std::shared_ptr<const graph::GraphPlan> generator,
                    std::shared_ptr<const graph::GraphPlan> discriminator, Device device);

// DCGAN's initialisation (Radford et al. 2016, the PyTorch DCGAN tutorial's weights_init):
// conv2d, conv_transpose2d and dense weights N(0, std), batch-norm scales N(1, std), every bias
// 0. Each layer seeded by (seed, layer name).
void dcgan_normal_init(graph::GraphModel& model, double stddev, uint64_t seed);

// z ~ N(0, I): [n, latent] on `device`, deterministic by seed.
Tensor sample_latent(int64_t n, int latent, uint64_t seed, Device device);
// One-hot rows [labels.size(), classes] on `device`.
Tensor one_hot(const std::vector<int>& labels, int classes, Device device);

// The generator in evaluation mode on n latent vectors drawn with `seed` (and the genres
// `labels`, one per sample, for a conditional model; empty otherwise): [n, clip shape] in
// [-1, 1] on the generator's device, in batches of `batch`.
Tensor generate(graph::GraphModel& generator, const config::ExperimentConfig& cfg, int64_t n,
                const std::vector<int>& labels, uint64_t seed, int batch = 128);

}  // namespace mgr::gan
