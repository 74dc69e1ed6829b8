// kernels/shared/ holds the code compiled for both devices: the CPU twin (kernels/cpu) and the
// CUDA kernel (kernels/cuda) of a stage call the same functions, so the CPU tests against
// librosa also check the arithmetic the GPU runs; only the thread mapping is the kernel's own.
//
// This header: MGR_HOST_DEVICE, and arithmetic that rounds every step to nearest on both
// devices. nvcc would otherwise contract a * b + c into an FMA (one rounding); the host build
// targets baseline x86-64, which has none. With these helpers a reduction written once gives the
// same bits on either device; only transcendentals (log, exp, pow) can differ in the last ulp.
#pragma once

#include <cmath>

#if defined(__CUDACC__)
#define MGR_HOST_DEVICE __host__ __device__
#else
#define MGR_HOST_DEVICE
#endif

namespace mgr::kernels {

#if defined(__CUDA_ARCH__)
#define MGR_RN(device_expr, host_expr) return device_expr
#else
#define MGR_RN(device_expr, host_expr) return host_expr
#endif

MGR_HOST_DEVICE inline double dadd(double a, double b) { MGR_RN(__dadd_rn(a, b), a + b); }
MGR_HOST_DEVICE inline double dsub(double a, double b) { MGR_RN(__dsub_rn(a, b), a - b); }
MGR_HOST_DEVICE inline double dmul(double a, double b) { MGR_RN(__dmul_rn(a, b), a * b); }
MGR_HOST_DEVICE inline double ddiv(double a, double b) { MGR_RN(__ddiv_rn(a, b), a / b); }
MGR_HOST_DEVICE inline double dsqrt(double a) { MGR_RN(__dsqrt_rn(a), std::sqrt(a)); }
MGR_HOST_DEVICE inline float fadd(float a, float b) { MGR_RN(__fadd_rn(a, b), a + b); }
MGR_HOST_DEVICE inline float fsub(float a, float b) { MGR_RN(__fsub_rn(a, b), a - b); }
MGR_HOST_DEVICE inline float fmul(float a, float b) { MGR_RN(__fmul_rn(a, b), a * b); }
MGR_HOST_DEVICE inline float fdiv(float a, float b) { MGR_RN(__fdiv_rn(a, b), a / b); }
MGR_HOST_DEVICE inline float fsqrt(float a) { MGR_RN(__fsqrt_rn(a), std::sqrt(a)); }
MGR_HOST_DEVICE inline float to_float(double a) {
  MGR_RN(__double2float_rn(a), static_cast<float>(a));
}

#undef MGR_RN

}  // namespace mgr::kernels
