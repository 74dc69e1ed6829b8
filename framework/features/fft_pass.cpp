#include "framework/features/fft_pass.h"

#include <algorithm>
#include <atomic>

#include "kernels/error.h"

namespace mgr::features {

namespace {
std::atomic<int64_t> g_pass_frames{0};
}  // namespace

void set_cuda_pass_frames(int64_t frames) {
  MGR_CHECK(frames >= 0, "set_cuda_pass_frames: " << frames << " frames");
  g_pass_frames = frames;
}

int64_t cuda_pass_frames(int n_fft) {
  const int64_t set = g_pass_frames;
  return set > 0 ? set : std::max<int64_t>(1, (int64_t(1) << 24) / std::max(1, n_fft));
}

}  // namespace mgr::features
