// One frame of each spectral descriptor, written once for both devices: the CPU twin calls
// these per (clip, frame) and so does each CUDA thread. `s` points at mag[clip, 0, frame]; bin
// k is s[k * stride]. Sums run over the bins in order, in double, without FMA (dadd/dmul), so
// the two devices agree to the last bit except where log/exp/pow differ by an ulp.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/shared/framewise_common.h"

namespace mgr::kernels::cpu {

// Normalisation threshold of librosa.util.normalize for a float32 spectrogram (np.finfo
// float32 tiny): a frame whose magnitude sum is below it is left unnormalised.
constexpr double kTinyF32 = 1.1754943508222875e-38;

struct CentroidSums {
  double mass;      // sum_k S_k
  double centroid;  // sum_k f_k S_k / mass, or sum_k f_k S_k when mass < tiny (librosa)
};

MGR_HOST_DEVICE inline CentroidSums centroid_frame(const float* s, int64_t stride, int bins,
                                                   double bin_hz) {
  double mass = 0, moment = 0;
  for (int k = 0; k < bins; ++k) {
    const double v = s[k * stride];
    mass = dadd(mass, v);
    moment = dadd(moment, dmul(dmul(double(k), bin_hz), v));
  }
  // librosa.util.normalize(norm=1, fill=None) leaves a column whose sum is below tiny as is.
  return {mass, mass < kTinyF32 ? moment : moment / mass};
}

MGR_HOST_DEVICE inline double bandwidth_frame(const float* s, int64_t stride, int bins,
                                              double bin_hz, double p) {
  const CentroidSums c = centroid_frame(s, stride, bins, bin_hz);
  double acc = 0;
  for (int k = 0; k < bins; ++k) {
    const double d = fabs(dmul(double(k), bin_hz) - c.centroid);
    const double dp = p == 2.0 ? dmul(d, d) : (p == 1.0 ? d : pow(d, p));
    acc = dadd(acc, dmul(double(s[k * stride]), dp));
  }
  const double m = c.mass < kTinyF32 ? acc : acc / c.mass;
  return p == 2.0 ? sqrt(m) : (p == 1.0 ? m : pow(m, 1.0 / p));
}

// The lowest bin frequency at which the running sum reaches roll_percent of the frame's total
// (librosa: cumsum >= roll_percent * cumsum[-1]; an all-zero frame gives bin 0, 0 Hz).
MGR_HOST_DEVICE inline double rolloff_frame(const float* s, int64_t stride, int bins, double bin_hz,
                                            double roll_percent) {
  double total = 0;
  for (int k = 0; k < bins; ++k) total = dadd(total, double(s[k * stride]));
  const double threshold = dmul(roll_percent, total);
  double cum = 0;
  for (int k = 0; k < bins; ++k) {
    cum = dadd(cum, double(s[k * stride]));
    if (cum >= threshold) return dmul(double(k), bin_hz);
  }
  return dmul(double(bins - 1), bin_hz);  // only reached with NaN input
}

// exp(mean log max(amin, S^power)) / mean max(amin, S^power); an all-zero frame gives 1.
MGR_HOST_DEVICE inline double flatness_frame(const float* s, int64_t stride, int bins, double amin,
                                             double power) {
  double sum_log = 0, sum = 0;
  for (int k = 0; k < bins; ++k) {
    const double v = s[k * stride];
    double e = power == 2.0 ? dmul(v, v) : (power == 1.0 ? v : pow(v, power));
    e = e > amin ? e : amin;
    sum_log = dadd(sum_log, log(e));
    sum = dadd(sum, e);
  }
  return exp(sum_log / bins) / (sum / bins);
}

// L2 norm of the half-wave rectified difference to the previous frame (`prev` = s - 1 element).
MGR_HOST_DEVICE inline double flux_frame(const float* s, const float* prev, int64_t stride,
                                         int bins) {
  double acc = 0;
  for (int k = 0; k < bins; ++k) {
    const double d = double(s[k * stride]) - double(prev[k * stride]);
    if (d > 0) acc = dadd(acc, dmul(d, d));
  }
  return sqrt(acc);
}

}  // namespace mgr::kernels::cpu
