#include "kernels/cpu/gather.h"

#include <cstring>

namespace mgr::kernels::cpu {

void gather_rows(float* out, const float* src, const int32_t* index, int64_t n, int64_t row_elems) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(out + i * row_elems, src + int64_t(index[i]) * row_elems,
                sizeof(float) * row_elems);
}

}  // namespace mgr::kernels::cpu
