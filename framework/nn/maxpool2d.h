// 2-D max pooling layer (no parameters): square kernel k, stride (0 means k), no padding.
#pragma once

#include "framework/nn/module.h"

namespace mgr::nn {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(int k, int stride = 0);
  Var forward(const Var& x);

 private:
  int k_, stride_;
};

}  // namespace mgr::nn
