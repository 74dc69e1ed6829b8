#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// out[i, :] = src[index[i], :] for rows of `row_elems` floats.
void gather_rows(float* out, const float* src, const int32_t* index, int64_t n, int64_t row_elems);

}  // namespace mgr::kernels::cpu
