#include "framework/nn/rnn.h"

#include <cmath>
#include <string>

#include "framework/nn/init.h"

namespace mgr::nn {

namespace {

const char* module_name(ops::RnnMode mode) {
  return mode == ops::RnnMode::GRU ? "GRU" : mode == ops::RnnMode::LSTM ? "LSTM" : "RNN";
}

Tensor uniform_tensor(const Shape& shape, float bound, SplitMix64& rng) {
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (float& x : v) x = -bound + 2.f * bound * rng.uniform01();  // one stream for all weights
  return Tensor::from_vector(v, shape);
}

}  // namespace

RnnBase::RnnBase(ops::RnnMode mode, int input, int hidden, int num_layers, bool bidirectional,
                 uint64_t seed)
    : mode_(mode),
      input_(input),
      hidden_(hidden),
      layers_(num_layers),
      bidirectional_(bidirectional) {
  MGR_CHECK(input > 0 && hidden > 0 && num_layers > 0,
            module_name(mode) << ": input (" << input << "), hidden (" << hidden
                              << ") and num_layers (" << num_layers << ") must be > 0");
  SplitMix64 rng(seed);
  const float bound = 1.f / std::sqrt(static_cast<float>(hidden));
  const int dirs = bidirectional ? 2 : 1;
  const int64_t GH = int64_t(ops::rnn_gate_count(mode)) * hidden;
  for (int l = 0; l < num_layers; ++l) {
    const int64_t in = l == 0 ? input : int64_t(hidden) * dirs;
    for (int d = 0; d < dirs; ++d) {
      const std::string suffix = "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      w_ih_.push_back(
          &register_parameter("weight_ih" + suffix, uniform_tensor({GH, in}, bound, rng)));
      w_hh_.push_back(
          &register_parameter("weight_hh" + suffix, uniform_tensor({GH, hidden}, bound, rng)));
      b_ih_.push_back(&register_parameter("bias_ih" + suffix, uniform_tensor({GH}, bound, rng)));
      b_hh_.push_back(&register_parameter("bias_hh" + suffix, uniform_tensor({GH}, bound, rng)));
    }
  }
}

ops::RnnOutput RnnBase::forward(const Var& x) {
  MGR_CHECK(x.value().ndim() == 3 && x.dim(2) == input_,
            module_name(mode_) << ": expected input [batch, time, " << input_ << "], got "
                               << x.value().str());
  ops::RnnWeights w;
  for (size_t p = 0; p < w_ih_.size(); ++p) {
    w.w_ih.push_back(*w_ih_[p]);
    w.w_hh.push_back(*w_hh_[p]);
    w.b_ih.push_back(*b_ih_[p]);
    w.b_hh.push_back(*b_hh_[p]);
  }
  return ops::rnn(x, w, mode_, hidden_, layers_, bidirectional_);
}

}  // namespace mgr::nn
