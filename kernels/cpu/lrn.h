// Local response normalisation across channels (torch.nn.functional.local_response_norm) on
// the CPU, for NCHW data seen as [N, C, HW]. Pointers + sizes only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

struct LrnGeometry {
  int n, c;    // images, channels
  int64_t hw;  // elements per channel plane (H*W)
  int size;    // window: channels c - size/2 .. c + (size-1)/2, those outside [0, C) count 0
  float alpha, beta, k;
};

// y = x * d^(-beta) with d_c = k + alpha/size * sum_{c' in window(c)} x_{c'}^2.
void lrn_forward(const float* x, float* y, const LrnGeometry& g);
// dx += the gradient through lrn_forward for the output gradient dy, recomputing d from x:
// dx_j += dy_j d_j^(-beta) - 2 alpha beta / size * x_j * sum_{c: j in window(c)} dy_c x_c
// d_c^(-beta-1).
// With accumulate false dx is overwritten (write-only).
void lrn_backward(const float* x, const float* dy, float* dx, const LrnGeometry& g,
                  bool accumulate = true);

}  // namespace mgr::kernels::cpu
