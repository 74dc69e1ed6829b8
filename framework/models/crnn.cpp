#include "framework/models/crnn.h"

#include <string>

#include "framework/ops/activation.h"
#include "framework/ops/shape_ops.h"

namespace mgr::models {

Crnn::Crnn(const config::ModelConfig& cfg, int n_mels, int frames, int num_classes, uint64_t seed,
           int in_channels)
    : cfg_(cfg), in_channels_(in_channels) {
  MGR_CHECK(in_channels >= 1, "model: in_channels must be >= 1, got " << in_channels);
  MGR_CHECK(cfg.conv_channels.size() == cfg.pool.size(),
            "model: conv_channels and pool must have the same length");
  int64_t c = in_channels, h = n_mels, w = frames;
  uint64_t s = seed * 1000;  // each layer gets its own init stream
  for (size_t i = 0; i < cfg.conv_channels.size(); ++i) {
    const int k = cfg.conv_kernel, out = cfg.conv_channels[i], p = cfg.pool[i];
    Block b;
    const std::string name = "block" + std::to_string(i + 1);
    b.conv = std::make_shared<nn::Conv2d>(static_cast<int>(c), out, k, k, 1, k / 2, true, ++s);
    b.pool = std::make_shared<nn::MaxPool2d>(p);
    b.bn = std::make_shared<nn::BatchNorm2d>(out);
    register_module(name + ".conv", b.conv);
    register_module(name + ".pool", b.pool);
    register_module(name + ".bn", b.bn);
    blocks_.push_back(b);
    c = out;
    h /= p;
    w /= p;
    MGR_CHECK(h >= 1 && w >= 1, "model: input " << n_mels << "x" << frames << " is too small for "
                                                << cfg.conv_channels.size() << " pooling blocks");
  }
  conv_out_ = {c, h, w};
  const int rnn_in = static_cast<int>(c * h);
  if (cfg.rnn == "gru") {
    gru_ = std::make_shared<nn::GRU>(rnn_in, cfg.rnn_hidden, cfg.rnn_layers, false, ++s);
    register_module("gru", gru_);
  } else {
    lstm_ = std::make_shared<nn::LSTM>(rnn_in, cfg.rnn_hidden, cfg.rnn_layers, false, ++s);
    register_module("lstm", lstm_);
  }
  int features = cfg.rnn_hidden;
  if (cfg.dense > 0) {
    dense_ = std::make_shared<nn::Linear>(features, cfg.dense, true, ++s);
    register_module("dense", dense_);
    features = cfg.dense;
  }
  dropout_ = std::make_shared<nn::Dropout>(static_cast<float>(cfg.dropout), ++s);
  register_module("dropout", dropout_);
  classifier_ = std::make_shared<nn::Linear>(features, num_classes, true, ++s);
  register_module("classifier", classifier_);
}

Var Crnn::forward(const Var& x) {
  MGR_CHECK(x.value().ndim() == 4 && x.dim(1) == in_channels_,
            "Crnn expects input [batch, " << in_channels_ << ", n_mels, frames], got "
                                          << x.value().str());
  auto act = [&](const Var& v) {
    return cfg_.activation == "leaky_relu" ? ops::leaky_relu(v, 0.01f) : ops::relu(v);
  };
  Var h = x;
  for (Block& b : blocks_) h = b.bn->forward(b.pool->forward(act(b.conv->forward(h))));
  // [B, C, F, T] -> [B, T, C, F] -> [B, T, C*F]: every time step sees the whole spectrum column.
  const int64_t batch = h.dim(0), ch = h.dim(1), fr = h.dim(2), t = h.dim(3);
  h = ops::reshape(ops::permute(h, {0, 3, 1, 2}), {batch, t, ch * fr});
  Var seq = gru_ ? gru_->forward(h).output : lstm_->forward(h).output;
  Var last = ops::select_time(seq, -1);  // the state after the whole clip
  if (dense_) last = act(dense_->forward(last));
  return classifier_->forward(dropout_->forward(last));
}

}  // namespace mgr::models
