// model.type gan: the generator (input z [model.gan.latent], output the clip's feature shape)
// and the discriminator (input the clip, output one logit [1]); with model.gan.conditional both
// have the condition input [genres]. Throw mgr::Error with the problems located.
#pragma once

#include <memory>

#include "framework/config/experiment_config.h"
#include "framework/graph/graph_model.h"

namespace mgr::graph {

std::shared_ptr<const GraphPlan> plan_generator(const config::ExperimentConfig& c);
std::shared_ptr<const GraphPlan> plan_discriminator(const config::ExperimentConfig& c);

}  // namespace mgr::graph
