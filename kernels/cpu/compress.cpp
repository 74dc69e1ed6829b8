#include "kernels/cpu/compress.h"

#include "kernels/shared/bin_groups.h"

namespace mgr::kernels::cpu {

void average_bin_groups(float* out, const float* in, int64_t batch, int bins, int64_t frames,
                        const BinGroups& g) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < batch; ++b) {
    const float* clip = in + b * bins * frames;
    for (int j = 0; j < g.groups; ++j)
      bin_group_mean(out + (b * g.groups + j) * frames, clip + int64_t(g.begin[j]) * frames, frames,
                     g.count[j], frames);
  }
}

}  // namespace mgr::kernels::cpu
