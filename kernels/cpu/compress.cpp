#include "kernels/cpu/compress.h"

namespace mgr::kernels::cpu {

void average_bin_groups(float* out, const float* in, int64_t batch, int bins, int64_t frames,
                        const BinGroups& g) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < batch; ++b) {
    const float* clip = in + b * bins * frames;
    for (int j = 0; j < g.groups; ++j) {
      float* row = out + (b * g.groups + j) * frames;
      const float* first = clip + int64_t(g.begin[j]) * frames;
      for (int64_t t = 0; t < frames; ++t) row[t] = first[t];
      for (int k = 1; k < g.count[j]; ++k) {  // row-wise adds: vectorised along frames
        const float* src = first + int64_t(k) * frames;
        for (int64_t t = 0; t < frames; ++t) row[t] += src[t];
      }
      const float inv = 1.f / static_cast<float>(g.count[j]);  // counts are powers of two here
      if (g.count[j] > 1)
        for (int64_t t = 0; t < frames; ++t) row[t] *= inv;
    }
  }
}

}  // namespace mgr::kernels::cpu
