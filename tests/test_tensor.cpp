#include <cstdlib>
#include <sstream>

#include "framework/ops/activation.h"
#include "framework/tensor/allocator.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

TEST(Tensor, ShapeAndReshape) {
  Tensor t = Tensor::zeros({2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.dim(-1), 4);
  Tensor r = t.reshape({6, -1});
  EXPECT_EQ(r.shape(), (Shape{6, 4}));
  EXPECT_EQ(r.raw(), t.raw());
  EXPECT_THROW(t.reshape({5, -1}), Error);
  EXPECT_THROW(t.i32(), Error);
}

TEST(Tensor, DeviceParsing) {
  std::ostringstream log;
  EXPECT_TRUE(resolve_device("cpu", log).is_cpu());
  EXPECT_THROW(resolve_device("gpu", log), Error);
  EXPECT_THROW(resolve_device("cuda:x", log), Error);
  Device d = resolve_device("auto", log);
  if (cuda_available()) {
    EXPECT_TRUE(d.is_cuda());
    EXPECT_TRUE(resolve_device("cuda:0", log).is_cuda());
    EXPECT_THROW(resolve_device("cuda:" + std::to_string(cuda_device_count()), log), Error);
  } else {
    EXPECT_TRUE(d.is_cpu());
    EXPECT_NE(log.str().find("running on CPU"), std::string::npos);
    EXPECT_THROW(resolve_device("cuda:0", log), Error);
  }
}

TEST(Tensor, CudaEmptyTensor) {
  MGR_REQUIRE_CUDA();
  Tensor e = Tensor::empty({0}, DType::F32, Device::cuda(0));
  EXPECT_TRUE(e.is_cuda());
  EXPECT_TRUE(e.to_vector().empty());
  e.zero_();
  EXPECT_EQ(e.clone().numel(), 0);
  EXPECT_EQ(Tensor::empty({3, 0}).to(Device::cuda(0)).cpu().shape(), (Shape{3, 0}));
}

TEST(Tensor, CudaRoundTripAndCachingAllocator) {
  MGR_REQUIRE_CUDA();
  if (std::getenv("MGR_CUDA_NO_CACHE")) GTEST_SKIP() << "caching allocator off (sanitizer run)";
  Tensor h = test::random_tensor({1000}, 1);
  Tensor d = h.to(Device::cuda(0));
  EXPECT_TRUE(d.is_cuda());
  EXPECT_EQ(d.to_vector(), h.to_vector());
  void* first = d.raw();
  const size_t mallocs = cuda_allocator_stats(0).device_mallocs;
  d = Tensor();
  Tensor again = Tensor::empty({1000}, DType::F32, Device::cuda(0));
  EXPECT_EQ(cuda_allocator_stats(0).device_mallocs, mallocs) << "a cached block should be reused";
  EXPECT_EQ(again.raw(), first) << "the most recently freed block of the class comes first";
  again.fill_(2.5f);
  EXPECT_EQ(again.to_vector()[999], 2.5f);
}

TEST(Autograd, ChainAndAccumulation) {
  Var x(Tensor::from_vector(std::vector<float>{-1.f, 2.f, 3.f}, {3}), true);
  // y = relu(x) used twice: gradient accumulates from both paths.
  Var y = ops::relu(x);
  Var z = ops::leaky_relu(y, 0.5f);
  Var w = ops::relu(y);
  z.backward(Tensor::full({3}, 1.f));
  std::vector<float> g1 = x.grad().to_vector();
  EXPECT_EQ(g1, (std::vector<float>{0.f, 1.f, 1.f}));
  w.backward(Tensor::full({3}, 1.f));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0.f, 2.f, 2.f}));
}

TEST(Autograd, NoGradRecordsNothing) {
  Var x(test::random_tensor({4}, 3), true);
  NoGradGuard ng;
  Var y = ops::relu(x);
  EXPECT_FALSE(y.requires_grad());
}

TEST(Autograd, DeepChainDoesNotOverflowTheStack) {
  Var x(Tensor::full({1}, 1.f), true);
  Var y = x;
  for (int i = 0; i < 200000; ++i) y = ops::leaky_relu(y, 0.5f);
  y.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 1.f);
}

TEST(Activation, GradCheck) {
  // Keep values away from the kink at 0 where central differences are meaningless.
  std::vector<float> v = test::random_tensor({5, 7}, 5).to_vector();
  for (float& a : v) a = a >= 0 ? a + 0.1f : a - 0.1f;
  Var x(Tensor::from_vector(v, {5, 7}), true);
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) { return ops::leaky_relu(in[0], 0.1f); }, {x}));
  EXPECT_TRUE(test::grad_check([](const std::vector<Var>& in) { return ops::relu(in[0]); }, {x}));
}

TEST(Activation, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  Var x(test::random_tensor({3, 1000}, 6), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::leaky_relu(in[0], 0.2f); }, {x}));
}

}  // namespace
}  // namespace mgr

namespace mgr {
namespace {
TEST(Autograd, DroppingOneConsumerKeepsSharedGraph) {
  Var x(Tensor::from_vector(std::vector<float>{1.f, -2.f}, {2}), true);
  Var y = ops::leaky_relu(x, 0.5f);
  Var w = ops::relu(y);
  { Var z = ops::relu(y); }  // z dies; y's graph must survive for w
  w.backward(Tensor::full({2}, 1.f));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1.f, 0.f}));
}
}  // namespace
}  // namespace mgr
