// The experiment's classifier planned against the experiment's data, from the config alone: the
// per-clip feature shape the pipeline will produce and the number of classes decide every
// layer's shape, so a network that does not fit is reported with file:line before any audio
// is read. What each task kind checks beyond this is its own (framework/tasks/*/).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/graph/graph_model.h"

namespace mgr::graph {

// Samples per clip, as data::segment_clips cuts them.
int64_t clip_samples(const config::ExperimentConfig& c);
// The per-clip feature shape ([C, D, T] or [D]) after features.crop_frames.
Shape model_input_shape(const config::ExperimentConfig& c);
// data.genres, or GTZAN's ten when empty.
int model_num_classes(const config::ExperimentConfig& c);
std::vector<std::string> model_genres(const config::ExperimentConfig& c);

// Plans model.layers for the experiment's input and classes and checks that the last layer
// gives [num_classes] logits. `children`: what the placeholder `units: children` stands for (a
// tree's template planned flat passes the number of classes; 0: the placeholder is an error).
// Throws mgr::Error with every problem located.
std::shared_ptr<const GraphPlan> plan_classifier(const config::ExperimentConfig& c,
                                                 int children = 0);

}  // namespace mgr::graph
