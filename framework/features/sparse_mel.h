// A dense mel filterbank stored by each filter's nonzero bin range (the layout both mel
// projection kernels read). Shared by the extractor and the stage tests.
#pragma once

#include <vector>

#include "kernels/cpu/mel.h"

namespace mgr::features {

struct SparseMelHost {
  int n_mels = 0;
  int bins = 0;
  std::vector<int> begin, length, offset;
  std::vector<float> weights;

  // Keeps, per filter, the bins from its first to its last nonzero weight (interior zeros, if
  // any, are kept as zeros, so the projection is exactly the dense one).
  static SparseMelHost from_dense(const std::vector<float>& dense, int n_mels, int bins);
  // A view with host pointers (valid while *this lives and is not modified).
  kernels::cpu::SparseMel view() const;
};

}  // namespace mgr::features
