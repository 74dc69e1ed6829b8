#include "framework/nn/maxpool2d.h"

#include "framework/ops/pool2d.h"

namespace mgr::nn {

MaxPool2d::MaxPool2d(int k, int stride) : k_(k), stride_(stride == 0 ? k : stride) {
  MGR_CHECK(k > 0 && stride >= 0, "MaxPool2d: bad kernel " << k << " or stride " << stride);
}

Var MaxPool2d::forward(const Var& x) { return ops::max_pool2d(x, k_, k_, stride_, stride_); }

}  // namespace mgr::nn
