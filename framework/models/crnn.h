// The convolutional recurrent network of paper 001 (Paesano & Pizzuti, NAML report, section
// 5.1): blocks of conv2d -> activation -> max-pool -> batch norm, a reshape that folds the
// frequency axis into the features of each time step, a recurrent layer (GRU, or LSTM as in the
// paper's conclusion), a dense layer and the softmax classifier (the softmax itself lives in the
// loss). Input [B, C, n_mels, frames] (C = 1, or e.g. MFCC + deltas); output logits
// [B, num_classes].
#pragma once

#include <memory>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/nn/batchnorm2d.h"
#include "framework/nn/conv2d.h"
#include "framework/nn/dropout.h"
#include "framework/nn/linear.h"
#include "framework/nn/maxpool2d.h"
#include "framework/nn/rnn.h"

namespace mgr::models {

class Crnn : public nn::Module {
 public:
  // `n_mels` and `frames` fix the input size (the recurrent layer's width depends on it);
  // `in_channels` is the input's C (the first convolution's input channels).
  Crnn(const config::ModelConfig& cfg, int n_mels, int frames, int num_classes, uint64_t seed,
       int in_channels = 1);

  Var forward(const Var& x);
  // Shape after the convolutional blocks: {channels, freq, time}.
  std::vector<int64_t> conv_output_shape() const { return conv_out_; }

 private:
  struct Block {
    std::shared_ptr<nn::Conv2d> conv;
    std::shared_ptr<nn::MaxPool2d> pool;
    std::shared_ptr<nn::BatchNorm2d> bn;
  };
  config::ModelConfig cfg_;
  int in_channels_ = 1;
  std::vector<Block> blocks_;
  std::shared_ptr<nn::GRU> gru_;
  std::shared_ptr<nn::LSTM> lstm_;
  std::shared_ptr<nn::Linear> dense_;
  std::shared_ptr<nn::Dropout> dropout_;
  std::shared_ptr<nn::Linear> classifier_;
  std::vector<int64_t> conv_out_;
};

}  // namespace mgr::models
