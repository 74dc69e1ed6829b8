// The whole state of a training run at an epoch boundary, so that a killed run resumes exactly:
// every module's parameters, buffers and counters (dropout steps), every optimiser's step count
// and moments, and the loop's own record (epoch, iteration, shuffle generator, the shuffled
// order, best-so-far, patience, history) as JSON. One HDF5 file, written to a temporary name
// and renamed, so a kill at any moment leaves either the previous state or the new one.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "framework/nn/module.h"
#include "framework/optim/optimizer.h"

namespace mgr::train {

// What a task trains: named modules ("model"; "generator" and "discriminator" for a GAN) and
// named optimisers. Names become HDF5 group names.
struct StateParts {
  std::vector<std::pair<std::string, nn::Module*>> modules;
  std::vector<std::pair<std::string, optim::Optimizer*>> optimizers;
  bool empty() const { return modules.empty() && optimizers.empty(); }
};

void save_training_state(const std::string& path, const StateParts& parts,
                         const nlohmann::json& loop);

// Restores `parts` from `path` (same model and optimisers: every entry must exist with the same
// shape, else mgr::Error naming it) and returns the loop's JSON.
nlohmann::json load_training_state(const std::string& path, const StateParts& parts);

}  // namespace mgr::train
