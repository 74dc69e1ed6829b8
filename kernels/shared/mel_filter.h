// One mel filter applied to one frame's power spectrum, written once for both devices
// (kernels/cpu/mel.cpp mel_project, kernels/cuda/mel.cu mel_kernel): the filter's nonzero
// weights times the bins they cover, summed in bin order in float. Each product and sum is
// rounded on its own (no FMA on the device), so both devices give the same bits.
#pragma once

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// sum_j w[j] p[j] for j < len (w: the filter's weights from its first nonzero bin; p: the power
// at that bin).
MGR_HOST_DEVICE inline float mel_filter_dot(const float* w, const float* p, int len) {
  float acc = 0.f;
  for (int j = 0; j < len; ++j) acc = fadd(acc, fmul(w[j], p[j]));
  return acc;
}

}  // namespace mgr::kernels
