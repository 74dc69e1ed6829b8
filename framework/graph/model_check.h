// The experiment's network checked against the experiment's data, from the config alone: the
// per-clip feature shape the pipeline will produce and the number of classes decide every
// layer's shape, so a network that does not fit is reported with file:line before any audio
// is read.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/features/vectors.h"
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
// gives [num_classes] logits. Throws mgr::Error with every problem located.
std::shared_ptr<const GraphPlan> plan_classifier(const config::ExperimentConfig& c);

// Plans the network of one tree node with `children` classes (model.layers with the node's
// overrides, in `c` already): the last layer must give [children] logits.
std::shared_ptr<const GraphPlan> plan_tree_node(const config::ExperimentConfig& c,
                                                const std::string& node, int children);

// model.type gan: the generator (input z [model.gan.latent], output the clip's feature shape)
// and the discriminator (input the clip, output one logit [1]); with model.gan.conditional both
// have the condition input [genres]. Throw mgr::Error with the problems located.
std::shared_ptr<const GraphPlan> plan_generator(const config::ExperimentConfig& c);
std::shared_ptr<const GraphPlan> plan_discriminator(const config::ExperimentConfig& c);

// The named column groups of the clip's flattened feature vector that model.knn.groups may
// weigh: the parts of features.vectors, else one group named after features.type.
std::vector<features::FeatureGroup> knn_feature_groups(const config::ExperimentConfig& c);

// Everything about model.* that can be checked from the config alone, by model.type: the
// network (plan_classifier); the tree (framework/tree/class_tree.h against the genres, each
// node's overrides and network, and the flat baseline's); the KNN's keys. Throws mgr::Error
// with every problem located.
void check_model(const config::ExperimentConfig& c);

}  // namespace mgr::graph
