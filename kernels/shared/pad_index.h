// numpy.pad index arithmetic, written once for the CPU twins and the CUDA kernels: the STFT's
// centring (constant as librosa >= 0.10, reflect as torch), zcr's edge padding and rms's modes.
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// numpy.pad modes used by librosa's and torch's centring.
enum class PadMode : int { Constant = 0, Edge = 1, Reflect = 2, Symmetric = 3 };

// Index into x[0, n) of position i (any integer) of the signal padded by `mode`, or -1 for a
// constant (zero) sample. Reflect (the edge sample is not repeated, period 2(n - 1)) and
// symmetric (repeated, period 2n) extend periodically, which is what np.pad does when the pad
// is longer than the signal (it reflects again and again).
MGR_HOST_DEVICE inline int64_t pad_index(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::Constant:
      return -1;
    case PadMode::Edge:
      return i < 0 ? 0 : n - 1;
    case PadMode::Reflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - m;
    }
    case PadMode::Symmetric: {
      const int64_t period = 2 * n;
      int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - 1 - m;
    }
  }
  return -1;
}

}  // namespace mgr::kernels
