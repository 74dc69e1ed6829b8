// librosa.util.normalize(x, norm, axis=-2, threshold=FLT_MIN, fill=None) of one column, written
// once for both devices (kernels/cpu/chroma.cpp normalize_columns, kernels/cuda/chroma.cu
// normalize_columns_kernel). In double, sums in row order without FMA; pow may differ in the
// last ulp between the devices' libms.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// Divides the column c[0], c[stride], ..., c[(rows - 1) stride] by its norm (inf: max |x|;
// 0 < norm < inf: (sum |x|^norm)^(1/norm)); a column whose norm is below FLT_MIN is left as is.
MGR_HOST_DEVICE inline void normalize_column(float* c, int64_t stride, int rows, double norm,
                                             bool inf) {
  double len = 0;
  for (int r = 0; r < rows; ++r) {
    const double m = fabs(double(c[r * stride]));
    len = inf ? (m > len ? m : len) : dadd(len, pow(m, norm));  // a NaN |x| is skipped by max
  }
  if (!inf) len = pow(len, 1.0 / norm);
  if (len < double(FLT_MIN)) return;  // librosa fill=None: leave tiny columns unscaled
  for (int r = 0; r < rows; ++r) {
    float& v = c[r * stride];
    v = to_float(ddiv(double(v), len));
  }
}

}  // namespace mgr::kernels
