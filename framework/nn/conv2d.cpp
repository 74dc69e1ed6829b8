#include "framework/nn/conv2d.h"

#include "framework/nn/init.h"
#include "framework/ops/conv2d.h"

namespace mgr::nn {

Conv2d::Conv2d(int in_ch, int out_ch, int kh, int kw, int stride, int pad, bool bias, uint64_t seed)
    : Conv2d(in_ch, out_ch, kh, kw, stride, stride, pad, pad, 1, 1, bias, seed) {}

Conv2d::Conv2d(int in_ch, int out_ch, int kh, int kw, int sh, int sw, int ph, int pw, int dh,
               int dw, bool bias, uint64_t seed)
    : sh_(sh), sw_(sw), ph_(ph), pw_(pw), dh_(dh), dw_(dw) {
  MGR_CHECK(in_ch > 0 && out_ch > 0 && kh > 0 && kw > 0 && sh > 0 && sw > 0 && ph >= 0 && pw >= 0 &&
                dh > 0 && dw > 0,
            "Conv2d: bad configuration in "
                << in_ch << ", out " << out_ch << ", kernel " << kh << "x" << kw << ", stride "
                << sh << "x" << sw << ", pad " << ph << "x" << pw << ", dilation " << dh << "x"
                << dw);
  Tensor w = Tensor::empty({out_ch, in_ch, kh, kw});
  // Keras counts fans over the receptive field: fan_in = in*kh*kw, fan_out = out*kh*kw.
  glorot_uniform_(w, int64_t(in_ch) * kh * kw, int64_t(out_ch) * kh * kw, seed);
  weight_ = &register_parameter("weight", w);
  if (bias) bias_ = &register_parameter("bias", Tensor::zeros({out_ch}));
}

Var Conv2d::forward(const Var& x) {
  return ops::conv2d(x, *weight_, bias_ ? *bias_ : Var(), sh_, sw_, ph_, pw_, dh_, dw_);
}

}  // namespace mgr::nn
