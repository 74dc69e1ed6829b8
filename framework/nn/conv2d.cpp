#include "framework/nn/conv2d.h"

#include "framework/nn/init.h"
#include "framework/ops/conv2d.h"

namespace mgr::nn {

Conv2d::Conv2d(int in_ch, int out_ch, int kh, int kw, int stride, int pad, bool bias, uint64_t seed)
    : stride_(stride), pad_(pad) {
  MGR_CHECK(in_ch > 0 && out_ch > 0 && kh > 0 && kw > 0 && stride > 0 && pad >= 0,
            "Conv2d: bad configuration in " << in_ch << ", out " << out_ch << ", kernel " << kh
                                            << "x" << kw << ", stride " << stride << ", pad "
                                            << pad);
  Tensor w = Tensor::empty({out_ch, in_ch, kh, kw});
  // Keras counts fans over the receptive field: fan_in = in*kh*kw, fan_out = out*kh*kw.
  glorot_uniform_(w, int64_t(in_ch) * kh * kw, int64_t(out_ch) * kh * kw, seed);
  weight_ = &register_parameter("weight", w);
  if (bias) bias_ = &register_parameter("bias", Tensor::zeros({out_ch}));
}

Var Conv2d::forward(const Var& x) {
  return ops::conv2d(x, *weight_, bias_ ? *bias_ : Var(), stride_, stride_, pad_, pad_);
}

}  // namespace mgr::nn
