// MFCC (cuBLAS strided-batched DCT) and deltas (Savitzky-Golay kernel) on the GPU against the
// CPU twin. Every case skips at run time without a GPU.
#include <algorithm>
#include <cmath>
#include <vector>

#include "framework/features/deltas.h"
#include "framework/features/mfcc.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

TEST(FeaturesMfccCuda, MfccMatchesCpu) {
  MGR_REQUIRE_CUDA();
  struct Shape3 {
    int64_t b, mels, t;
  };
  for (const Shape3 s :
       {Shape3{1, 128, 87}, Shape3{3, 40, 47}, Shape3{5, 128, 1292}, Shape3{2, 20, 1}}) {
    Tensor mel_db = test::random_tensor({s.b, s.mels, s.t}, 13, -80.f, 0.f);
    for (int n_mfcc : {13, 20}) {
      for (double lifter : {0.0, 22.0}) {
        features::MfccParams p;
        p.n_mfcc = std::min<int>(n_mfcc, int(s.mels));
        p.lifter = lifter;
        const Tensor ref = features::mfcc_from_db(mel_db, p);
        for (int run = 0; run < 2; ++run) {  // the second run uses the cached device matrix
          const Tensor got =
              features::mfcc_from_db(mel_db.to(Device::cuda(0)), p).to(Device::cpu());
          ASSERT_EQ(got.shape(), ref.shape());
          // |c| reaches ~1e3 (sum of 128 dB values); float32 GEMM rounding, 128-term sums.
          EXPECT_TRUE(test::all_close(got, ref, 1e-5f, 1e-3f))
              << s.b << "x" << s.mels << "x" << s.t << " n_mfcc " << p.n_mfcc << " lifter "
              << lifter;
        }
      }
    }
  }
}

TEST(FeaturesMfccCuda, DeltaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (int64_t frames : {3, 5, 9, 10, 87, 1292}) {
    Tensor x = test::random_tensor({3, 20, frames}, 21, -50.f, 50.f);
    for (int width : {3, 5, 9}) {
      if (width > frames) continue;
      for (int order : {1, 2}) {
        if (order >= width) continue;
        const Tensor ref = features::delta(x, width, order);
        const Tensor got = features::delta(x.to(Device::cuda(0)), width, order).to(Device::cpu());
        ASSERT_EQ(got.shape(), ref.shape());
        // Both run kernels/shared/savgol.h (double weights and sums, no FMA); the tolerance is the
        // one set before the code was shared, kept until a GPU run shows exact agreement.
        EXPECT_TRUE(test::all_close(got, ref, 1e-5f, 1e-4f))
            << "frames " << frames << " width " << width << " order " << order;
      }
    }
  }
  // Errors are raised before any device work, as on the CPU.
  EXPECT_THROW(features::delta(Tensor::zeros({1, 2, 5}, DType::F32, Device::cuda(0)), 9, 1), Error);
}

}  // namespace
}  // namespace mgr
