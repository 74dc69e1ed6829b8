// scipy's savgol_filter(mode='interp') at one output sample, written once for both devices
// (kernels/cpu/delta.cpp savgol_interp, kernels/cuda/delta.cu savgol_interp_kernel): which
// window and which row of the position weights (kernels::cpu::savgol_position_weights) the
// sample uses, and the dot product in double, each product and sum rounded on its own (no FMA
// on the device), so both devices give the same bits.
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// y[t] of one row x[0, frames) (frames >= width, odd width): interior frames use the window
// centred on t and weight row width / 2; the first / last width / 2 frames use the first / last
// window and the row of their position in it. weights: [width, width] row-major, double.
MGR_HOST_DEVICE inline float savgol_interp_at(const float* x, int64_t frames, int64_t t, int width,
                                              const double* weights) {
  const int h = width / 2;
  int64_t start = t - h;
  int p = h;
  if (t < h) {
    start = 0;
    p = static_cast<int>(t);
  } else if (t >= frames - h) {
    start = frames - width;
    p = static_cast<int>(t - start);
  }
  const double* wp = weights + int64_t(p) * width;
  double acc = 0;
  for (int i = 0; i < width; ++i) acc = dadd(acc, dmul(wp[i], double(x[start + i])));
  return to_float(acc);
}

}  // namespace mgr::kernels
