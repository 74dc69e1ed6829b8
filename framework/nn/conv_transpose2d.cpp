#include "framework/nn/conv_transpose2d.h"

#include "framework/nn/init.h"
#include "framework/ops/conv_transpose2d.h"

namespace mgr::nn {

ConvTranspose2d::ConvTranspose2d(int in_ch, int out_ch, const ConvTransposeGeometry& g, bool bias,
                                 uint64_t seed)
    : g_(g) {
  const int kh = g.kernel[0], kw = g.kernel[1];
  MGR_CHECK(in_ch > 0 && out_ch > 0 && kh > 0 && kw > 0, "ConvTranspose2d: bad configuration in "
                                                             << in_ch << ", out " << out_ch
                                                             << ", kernel " << kh << "x" << kw);
  Tensor w = Tensor::empty({in_ch, out_ch, kh, kw});
  glorot_uniform_(w, int64_t(in_ch) * kh * kw, int64_t(out_ch) * kh * kw, seed);
  weight_ = &register_parameter("weight", w);
  if (bias) bias_ = &register_parameter("bias", Tensor::zeros({out_ch}));
}

Var ConvTranspose2d::forward(const Var& x) {
  return ops::conv_transpose2d(x, *weight_, bias_ ? *bias_ : Var(), g_.stride[0], g_.stride[1],
                               g_.pad[0], g_.pad[1], g_.out_pad[0], g_.out_pad[1], g_.dilation[0],
                               g_.dilation[1]);
}

}  // namespace mgr::nn
