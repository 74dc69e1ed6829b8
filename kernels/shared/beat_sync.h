// Beat-synchronous averaging, written once for both devices (kernels/cpu/chroma.cpp
// beat_sync_mean / beat_sync_frames_mean, kernels/cuda/chroma.cu beat_sync_kernel /
// beat_sync_frames_kernel): the segments of a tempo grid and the mean of a row over a segment,
// in double without FMA, so both devices give the same bits.
#pragma once

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// Beat m of a tempo grid row (period, phase in frames): round-half-up of phase + m * period, in
// double (truncation rounds, as frames >= 0). The grid tracker (tempo_grid.h) uses it too.
MGR_HOST_DEVICE inline int grid_beat_frame(double period, double phase, int m) {
  return static_cast<int>(dadd(dadd(phase, dmul(double(m), period)), 0.5));
}

// How many beats of the grid fall inside a clip of `frames` frames.
MGR_HOST_DEVICE inline int grid_beats_inside(double period, double phase, int frames) {
  int beats = 0;
  while (grid_beat_frame(period, phase, beats) < frames) ++beats;
  return beats;
}

// Segment m of the grid's `beats` beats inside the clip: [beat s, beat s + 1) with
// s = min(m, beats - 1), the last one ending at `frames` (frames before the first beat are
// dropped); a clip without a beat inside it has the one segment [0, frames).
MGR_HOST_DEVICE inline void grid_segment(double period, double phase, int beats, int frames, int m,
                                         int* lo, int* hi) {
  if (beats == 0) {
    *lo = 0;
    *hi = frames;
    return;
  }
  const int s = m < beats - 1 ? m : beats - 1;
  *lo = grid_beat_frame(period, phase, s);
  *hi = s + 1 < beats ? grid_beat_frame(period, phase, s + 1) : frames;
}

// Mean of row[lo, hi), summed in order in double.
MGR_HOST_DEVICE inline float segment_mean(const float* row, int lo, int hi) {
  double acc = 0;
  for (int t = lo; t < hi; ++t) acc = dadd(acc, double(row[t]));
  return to_float(ddiv(acc, double(hi - lo)));
}

}  // namespace mgr::kernels
