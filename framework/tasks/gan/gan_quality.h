// How good a generator is, judged by a genre classifier trained by this framework on the same
// features (model.gan.classifier_run): (a) the Frechet distance between the classifier's
// penultimate-layer embeddings of real training clips and of generated clips, (b) for a
// conditional generator, how often the classifier gives a generated clip the genre it was asked
// for, and (c) both numbers for held-back real clips (the test split) as the ceiling.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/engine/run_setup.h"
#include "framework/tasks/gan/gan_models.h"

namespace mgr::gan {

// Throws mgr::Error (naming every difference) unless the classifier's features are the GAN
// run's: every key that changes the features' numbers (features::feature_parameters, the list
// behind the feature cache key: type, sample rate, upload, framing, mel and dB keys) and the
// clip shape.
void check_same_features(const config::ExperimentConfig& gan, const config::ExperimentConfig& clf,
                         const std::string& clf_dir);

// The measurement described above, for the generator of a finished GAN run set up in `s`.
// Returns {classifier_run, samples, generated: {frechet_distance, genre_accuracy}, held_back:
// {...}, per_genre_accuracy, generated_genre_histogram}.
nlohmann::json measure_generator(train::RunSetup& s, graph::GraphModel& generator,
                                 const std::string& classifier_run);

}  // namespace mgr::gan
