// Shared test helpers: random tensors, finite-difference gradient checks, and CUDA-vs-CPU
// comparisons. CUDA cases call MGR_REQUIRE_CUDA() first, which skips at run time when no GPU.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "framework/autograd/var.h"
#include "kernels/error.h"

// With MGR_EXPECT_CUDA set (the GPU machine's script sets it), a missing GPU fails instead of
// skipping, so a broken driver/runtime cannot turn every CUDA case into a silent skip.
#define MGR_REQUIRE_CUDA()                                                                    \
  do {                                                                                        \
    if (!::mgr::cuda_available()) {                                                           \
      if (std::getenv("MGR_EXPECT_CUDA")) FAIL() << "MGR_EXPECT_CUDA set, but no usable GPU"; \
      GTEST_SKIP() << "no CUDA device present";                                               \
    }                                                                                         \
  } while (0)

namespace mgr::test {

// Uniform values in [lo, hi), deterministic by seed.
Tensor random_tensor(const Shape& shape, uint32_t seed, float lo = -1.f, float hi = 1.f,
                     Device device = Device::cpu());

// max |a - b| / (atol + rtol * |b|) over all elements is <= 1 (b is the reference).
::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, float rtol, float atol);

using OpFn = std::function<Var(const std::vector<Var>&)>;

struct GradCheckOptions {
  float eps = 1e-2f;               // central-difference step
  float rtol = 2e-2f;              // relative tolerance (of max(|analytic|, |numeric|))
  float atol = 2e-3f;              // absolute floor, scaled by the largest gradient magnitude seen
  int max_checks_per_input = 200;  // elements sampled per input (all when fewer)
};

// Checks the analytic gradient of sum(f(inputs) * R) (R fixed random) against central
// differences for every input that requires a gradient. Runs on the inputs' device.
::testing::AssertionResult grad_check(const OpFn& f, const std::vector<Var>& inputs,
                                      const GradCheckOptions& opt = {});

// Runs f on the CPU inputs and on copies moved to cuda:0, backpropagates the same random seed
// through both, and compares outputs and every input gradient.
::testing::AssertionResult cuda_matches_cpu(const OpFn& f, const std::vector<Var>& cpu_inputs,
                                            float rtol = 1e-4f, float atol = 1e-5f);

// The mgr::Error message that `f` throws ("" and a test failure when it does not throw): for
// tests of located error messages.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an mgr::Error";
  return "";
}

}  // namespace mgr::test
