// The sum and sum of squares of a row in double, written once for both devices: the CPU twin
// (kernels/cpu/reduce.cpp) and the CUDA kernel (kernels/cuda/reduce.cu) accumulate with
// accumulate_moments in the fixed order of kernels/shared/framewise_common.h (lane l of kLanes
// takes elements l, l + kLanes, ... in increasing order, then the lanes fold half onto half), so
// both devices give the same bits.
#pragma once

#include "kernels/shared/framewise_common.h"
#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// s += x, q += x * x (double, rounded at each step: no FMA on the device).
MGR_HOST_DEVICE inline void accumulate_moments(double& s, double& q, float x) {
  const double v = x;
  s = dadd(s, v);
  q = dadd(q, dmul(v, v));
}

}  // namespace mgr::kernels
