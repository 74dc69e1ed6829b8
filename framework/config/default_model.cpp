// The model an experiment gets when its YAML has no `model.layers`: paper 001's CRNN
// (Paesano & Pizzuti, section 5.1), the network of experiments/crnn_gru.yaml.
#include "framework/config/experiment_config.h"

namespace mgr::config {

namespace {

LayerSpec layer(std::string name, std::string type,
                std::vector<std::pair<std::string, std::string>> keys = {}) {
  LayerSpec s;
  s.name = std::move(name);
  s.type = std::move(type);
  s.keys = std::move(keys);
  s.where = "the default model (paper 001's CRNN)";
  return s;
}

}  // namespace

std::vector<LayerSpec> default_model_layers() {
  return {
      layer("conv1", "conv2d", {{"channels", "32"}, {"kernel", "3"}}),
      layer("relu1", "relu"),
      layer("pool1", "max_pool", {{"size", "2"}}),
      layer("bn1", "batch_norm"),
      layer("conv2", "conv2d", {{"channels", "64"}, {"kernel", "3"}}),
      layer("relu2", "relu"),
      layer("pool2", "max_pool", {{"size", "2"}}),
      layer("bn2", "batch_norm"),
      layer("seq", "to_sequence"),
      layer("gru", "gru", {{"units", "64"}}),
      layer("dense", "dense", {{"units", "64"}}),
      layer("relu3", "relu"),
      layer("dropout", "dropout", {{"rate", "0.3"}}),
      layer("out", "dense", {{"units", "num_classes"}}),
  };
}

}  // namespace mgr::config
