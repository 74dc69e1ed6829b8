// Model checkpoints as HDF5: one float dataset per parameter and buffer, named by its dotted
// module path, so h5py/h5dump users can read them. Written to a temporary file and renamed, so
// an interrupted save never leaves a file that a later load would trust.
#pragma once

#include <memory>
#include <string>

#include "framework/graph/graph_model.h"
#include "framework/nn/module.h"

namespace mgr::train {

// Extra scalar attributes stored with the checkpoint (epoch, validation accuracy, ...).
struct CheckpointInfo {
  int epoch = 0;
  double validation_accuracy = 0;
};

void save_checkpoint(const std::string& path, nn::Module& model, const CheckpointInfo& info);
// Loads into `model` (on whatever device its parameters are); every parameter and buffer must
// be present with the same shape, else mgr::Error naming the mismatch.
CheckpointInfo load_checkpoint(const std::string& path, nn::Module& model);

// A trained network for inference: `plan` built, moved to `device`, the checkpoint at `path`
// loaded, in evaluation mode; mgr::Error when the file is missing or does not fit the plan.
std::unique_ptr<graph::GraphModel> load_trained_network(
    std::shared_ptr<const graph::GraphPlan> plan, const std::string& path, Device device);

}  // namespace mgr::train
