#include "framework/engine/metrics.h"
#include "framework/tensor/index.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

TEST(Index, GatherCopyRowsMomentsAffine) {
  Tensor src = test::random_tensor({5, 2, 3}, 11);
  Tensor g = gather_rows(src, {4, 0, 4});
  std::vector<float> s = src.to_vector(), v = g.to_vector();
  for (int j = 0; j < 6; ++j) {
    EXPECT_EQ(v[j], s[24 + j]);
    EXPECT_EQ(v[6 + j], s[j]);
  }
  EXPECT_THROW(gather_rows(src, {5}), Error);
  Tensor dst = Tensor::zeros({6, 2, 3});
  copy_rows(dst, 3, g);
  EXPECT_EQ(dst.to_vector()[18], v[0]);
  EXPECT_THROW(copy_rows(dst, 4, g), Error);
  std::vector<double> sum, sq;
  row_moments(src, sum, sq);
  double s0 = 0, q0 = 0;
  for (int j = 0; j < 6; ++j) s0 += s[j], q0 += double(s[j]) * s[j];
  EXPECT_NEAR(sum[0], s0, 1e-9);
  EXPECT_NEAR(sq[0], q0, 1e-9);
  Tensor a = src.clone();
  affine_(a, 2.f, -1.f);
  EXPECT_FLOAT_EQ(a.to_vector()[7], 2.f * s[7] - 1.f);
}

TEST(Index, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  Tensor src = test::random_tensor({300, 7, 5}, 12);
  Tensor dev = src.to(Device::cuda(0));
  std::vector<int32_t> idx = {299, 3, 3, 0, 150};
  EXPECT_TRUE(test::all_close(gather_rows(dev, idx), gather_rows(src, idx), 0, 0));
  std::vector<double> s1, q1, s2, q2;
  row_moments(src, s1, q1);
  row_moments(dev, s2, q2);
  for (size_t i = 0; i < s1.size(); ++i) {
    EXPECT_NEAR(s1[i], s2[i], 1e-6);
    EXPECT_NEAR(q1[i], q2[i], 1e-6);
  }
  Tensor a = src.clone(), b = dev.clone();
  affine_(a, 0.5f, 3.f);
  affine_(b, 0.5f, 3.f);
  EXPECT_TRUE(test::all_close(b, a, 1e-6f, 1e-6f));
  Tensor dst = Tensor::zeros({400, 7, 5}, DType::F32, Device::cuda(0));
  copy_rows(dst, 100, dev);
  EXPECT_TRUE(test::all_close(gather_rows(dst, {100, 399}), gather_rows(src, {0, 299}), 0, 0));
}

TEST(Metrics, ReportAndTrackVote) {
  std::vector<int> truth = {0, 0, 1, 1, 2, 2};
  std::vector<int> pred = {0, 1, 1, 1, 2, 0};
  auto r = train::classify_report(truth, pred, 3);
  EXPECT_DOUBLE_EQ(r.accuracy, 4.0 / 6.0);
  EXPECT_EQ(r.confusion[0][1], 1);
  EXPECT_DOUBLE_EQ(r.per_class[1].precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(r.per_class[1].recall, 1.0);
  EXPECT_DOUBLE_EQ(r.per_class[0].f1, 0.5);
  // Track 7 (label 0): votes 0,1,1 -> 1. Track 9 (label 2): one vote each for 0 and 2, tie broken
  // by probability mass (class 2 heavier).
  std::vector<int> tracks = {7, 7, 7, 9, 9};
  std::vector<int> labels = {0, 0, 0, 2, 2};
  std::vector<float> probs = {0.8f, 0.1f, 0.1f, 0.2f, 0.7f, 0.1f, 0.3f, 0.6f,
                              0.1f, 0.5f, 0.1f, 0.4f, 0.0f, 0.1f, 0.9f};
  auto v = train::vote_by_track(tracks, labels, probs, 3);
  ASSERT_EQ(v.track_ids, (std::vector<int>{7, 9}));
  EXPECT_EQ(v.pred, (std::vector<int>{1, 2}));
  EXPECT_EQ(v.truth, (std::vector<int>{0, 2}));
}

}  // namespace
}  // namespace mgr
