#include "framework/engine/checkpoint.h"

#include <hdf5.h>

#include <filesystem>

#include "framework/store/h5_tensor.h"

namespace mgr::train {

void save_checkpoint(const std::string& path, nn::Module& model, const CheckpointInfo& info) {
  h5::write_file_atomically(path, [&](hid_t file) {
    for (auto& [name, p] : model.named_parameters())
      h5::write_tensor(file, "parameters/" + name, p->value());
    for (auto& [name, b] : model.named_buffers()) h5::write_tensor(file, "buffers/" + name, *b);
    h5::set_double_attr(file, "epoch", info.epoch);
    h5::set_double_attr(file, "validation_accuracy", info.validation_accuracy);
  });
}

CheckpointInfo load_checkpoint(const std::string& path, nn::Module& model) {
  MGR_CHECK(std::filesystem::exists(path), "checkpoint " << path << " does not exist");
  h5::silence_errors();
  h5::Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  MGR_CHECK(file.id >= 0, "cannot open checkpoint " << path << " (not an HDF5 file, or truncated)");
  for (auto& [name, p] : model.named_parameters())
    h5::read_tensor(file.id, path, "parameters/" + name, p->value_mut());
  for (auto& [name, b] : model.named_buffers())
    h5::read_tensor(file.id, path, "buffers/" + name, *b);
  CheckpointInfo info;
  info.epoch = static_cast<int>(h5::get_double_attr(file.id, "epoch"));
  info.validation_accuracy = h5::get_double_attr(file.id, "validation_accuracy");
  return info;
}

std::unique_ptr<graph::GraphModel> load_trained_network(
    std::shared_ptr<const graph::GraphPlan> plan, const std::string& path, Device device) {
  MGR_CHECK(std::filesystem::is_regular_file(path), "no checkpoint " << path);
  auto model = std::make_unique<graph::GraphModel>(std::move(plan), 0);
  model->to(device);
  load_checkpoint(path, *model);
  model->eval();
  return model;
}

}  // namespace mgr::train
