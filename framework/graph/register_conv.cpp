// Layer types over [channels, height, width] maps: conv2d, pooling (window and global), batch
// norm, local response normalisation, and the recurrent convolutional layer of Liang & Hu.
#include <fmt/format.h>

#include "framework/graph/layer_util.h"
#include "framework/nn/batchnorm2d.h"
#include "framework/nn/conv2d.h"
#include "framework/nn/conv_transpose2d.h"
#include "framework/ops/activation.h"
#include "framework/ops/conv_transpose2d.h"
#include "framework/ops/lrn.h"
#include "framework/ops/pool2d.h"
#include "framework/ops/shape_ops.h"

namespace mgr::graph {

namespace {

using namespace util;

// A convolution's geometry after `same`/`valid`/explicit padding is resolved.
struct ConvGeom {
  int kh, kw, sh, sw, ph, pw, dh, dw;
  int64_t out(int64_t in, int k, int s, int p, int d) const {
    const int64_t span = int64_t(d) * (k - 1) + 1;
    return in + 2 * p < span ? 0 : (in + 2 * p - span) / s + 1;
  }
};

ConvGeom conv_geom(const LayerArgs& a) {
  const auto k = a.pair("kernel"), s = a.pair("stride"), d = a.pair("dilation");
  auto p = a.padding("padding");
  if (p[0] < 0) {  // same
    for (int ax = 0; ax < 2; ++ax) {
      const char* axis = ax == 0 ? "height" : "width";
      if (s[ax] != 1)
        throw LayerError("padding", fmt::format("'same' needs stride 1 (stride {} along the {}); "
                                                "give the padding explicitly",
                                                s[ax], axis));
      if ((d[ax] * (k[ax] - 1)) % 2 != 0)
        throw LayerError("padding",
                         fmt::format("'same' needs an odd kernel span along the {} (kernel {}, "
                                     "dilation {}): symmetric padding cannot keep the size; give "
                                     "the padding explicitly",
                                     axis, k[ax], d[ax]));
      p[ax] = d[ax] * (k[ax] - 1) / 2;
    }
  }
  return {k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
}

std::shared_ptr<nn::Conv2d> make_conv(int c, int k, const ConvGeom& g, bool bias, uint64_t seed) {
  return std::make_shared<nn::Conv2d>(c, k, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, bias,
                                      seed);
}

std::vector<KeyDecl> conv_keys() {
  KeyDecl pad;
  pad.name = "padding";
  pad.kind = KeyKind::Padding;
  pad.default_text = "same";
  pad.doc = "same (output size = input size; stride 1), valid (none) or zero padding per side";
  return {int_key("channels", "", "output channels (feature maps)", 1, 65536),
          pair_key("kernel", "3", "kernel size: k or [height, width]"),
          pair_key("stride", "1", "stride: s or [height, width]"),
          pad,
          pair_key("dilation", "1", "dilation: d or [height, width]"),
          bool_key("bias", "true", "add a learned bias per output channel")};
}

Shape conv_shape(const LayerArgs& a, const std::vector<Shape>& in) {
  need_map(in[0]);
  const ConvGeom g = conv_geom(a);
  const int64_t h = g.out(in[0][1], g.kh, g.sh, g.ph, g.dh);
  const int64_t w = g.out(in[0][2], g.kw, g.sw, g.pw, g.dw);
  if (h < 1 || w < 1)
    throw LayerError("kernel", fmt::format("the kernel {}x{} (dilation {}x{}) is larger than the "
                                           "padded input {}",
                                           g.kh, g.kw, g.dh, g.dw, shape_text(in[0])));
  return {a.i("channels"), h, w};
}

LayerType conv2d_type() {
  LayerType t;
  t.name = "conv2d";
  t.doc =
      "2-D convolution (cross-correlation) over a [channels, height, width] map; cuDNN on the "
      "GPU; on the CPU im2col + BLAS, or Winograd F(2x2, 3x3) / F(2x2, 5x5) for unit-stride "
      "3x3 and 5x5 kernels with at least 16 channels in and out.";
  t.keys = conv_keys();
  t.infer = conv_shape;
  t.build = [](const LayerArgs& a, const std::vector<Shape>& in, uint64_t seed) {
    auto m =
        make_conv(static_cast<int>(in[0][0]), a.i("channels"), conv_geom(a), a.b("bias"), seed);
    return BuiltLayer{m, [m](const std::vector<Var>& x) { return m->forward(x[0]); }};
  };
  return t;
}

nn::ConvTransposeGeometry conv_transpose_geom(const LayerArgs& a) {
  nn::ConvTransposeGeometry g;
  g.kernel = a.pair("kernel");
  g.stride = a.pair("stride");
  g.pad = a.pair("padding");
  g.out_pad = a.pair("output_padding");
  g.dilation = a.pair("dilation");
  return g;
}

LayerType conv_transpose2d_type() {
  LayerType t;
  t.name = "conv_transpose2d";
  t.doc =
      "Transposed 2-D convolution (torch.nn.ConvTranspose2d, weights [in, out, kh, kw]): "
      "upsamples a [channels, height, width] map by the stride; output height (H - 1) * "
      "stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1. cuDNN's "
      "backward-data on the GPU, GEMM + col2im on the CPU. DCGAN's generator.";
  t.keys = {int_key("channels", "", "output channels (feature maps)", 1, 65536),
            pair_key("kernel", "4", "kernel size: k or [height, width]"),
            pair_key("stride", "1", "stride (the upsampling factor): s or [height, width]"),
            pair_key("padding", "0", "rows/columns cropped from each side: p or [h, w]", 0),
            pair_key("output_padding", "0",
                     "extra rows/columns at the bottom/right, smaller than the stride", 0),
            pair_key("dilation", "1", "dilation: d or [height, width]"),
            bool_key("bias", "true", "add a learned bias per output channel")};
  t.infer = [](const LayerArgs& a, const std::vector<Shape>& in) -> Shape {
    need_map(in[0]);
    const nn::ConvTransposeGeometry g = conv_transpose_geom(a);
    for (int ax = 0; ax < 2; ++ax)
      if (g.out_pad[ax] >= g.stride[ax])
        throw LayerError("output_padding",
                         fmt::format("must be smaller than the stride ({} along the {}), got {}",
                                     g.stride[ax], ax == 0 ? "height" : "width", g.out_pad[ax]));
    int64_t out[2];
    for (int ax = 0; ax < 2; ++ax)
      out[ax] = ops::conv_transpose_out(in[0][1 + ax], g.kernel[ax], g.stride[ax], g.pad[ax],
                                        g.out_pad[ax], g.dilation[ax]);
    if (out[0] < 1 || out[1] < 1)
      throw LayerError(
          "padding", fmt::format("padding {}x{} crops away the whole output of "
                                 "input {} (kernel {}x{})",
                                 g.pad[0], g.pad[1], shape_text(in[0]), g.kernel[0], g.kernel[1]));
    return {a.i("channels"), out[0], out[1]};
  };
  t.build = [](const LayerArgs& a, const std::vector<Shape>& in, uint64_t seed) {
    auto m = std::make_shared<nn::ConvTranspose2d>(static_cast<int>(in[0][0]), a.i("channels"),
                                                   conv_transpose_geom(a), a.b("bias"), seed);
    return BuiltLayer{m, [m](const std::vector<Var>& x) { return m->forward(x[0]); }};
  };
  return t;
}

// Window pooling: size and stride per axis, no padding, floor mode.
LayerType pool_type(const std::string& name, bool max) {
  LayerType t;
  t.name = name;
  t.doc = std::string(max ? "Max" : "Average") +
          " pooling over windows of a [channels, height, width] map; no padding, floor mode "
          "(cuDNN on the GPU).";
  t.keys = {pair_key("size", "2", "window: k or [height, width]"),
            pair_key("stride", "0", "stride: s or [height, width]; 0: the window size", 0)};
  auto geom = [](const LayerArgs& a) {
    const auto k = a.pair("size");
    auto s = a.pair("stride");
    for (int i = 0; i < 2; ++i)
      if (s[i] == 0) s[i] = k[i];
    return std::array<int, 4>{k[0], k[1], s[0], s[1]};
  };
  t.infer = [geom](const LayerArgs& a, const std::vector<Shape>& in) -> Shape {
    need_map(in[0]);
    const auto g = geom(a);
    if (in[0][1] < g[0] || in[0][2] < g[1])
      throw LayerError("size", fmt::format("the window {}x{} is larger than the input {}", g[0],
                                           g[1], shape_text(in[0])));
    return {in[0][0], (in[0][1] - g[0]) / g[2] + 1, (in[0][2] - g[1]) / g[3] + 1};
  };
  t.build = [geom, max](const LayerArgs& a, const std::vector<Shape>&, uint64_t) {
    const auto g = geom(a);
    return stateless([g, max](const Var& x) {
      return max ? ops::max_pool2d(x, g[0], g[1], g[2], g[3])
                 : ops::avg_pool2d(x, g[0], g[1], g[2], g[3]);
    });
  };
  return t;
}

// Global pooling: [C, H, W] -> [C].
LayerType global_pool_type(const std::string& name, bool max) {
  LayerType t;
  t.name = name;
  t.doc = std::string("Global ") + (max ? "max" : "average") +
          " pooling: [channels, height, width] -> [channels].";
  t.infer = [](const LayerArgs&, const std::vector<Shape>& in) -> Shape {
    need_map(in[0]);
    return {in[0][0]};
  };
  t.build = [max](const LayerArgs&, const std::vector<Shape>& in, uint64_t) {
    const int h = static_cast<int>(in[0][1]), w = static_cast<int>(in[0][2]);
    return stateless([h, w, max](const Var& x) {
      Var p = max ? ops::max_pool2d(x, h, w, h, w) : ops::avg_pool2d(x, h, w, h, w);
      return ops::reshape(p, {x.dim(0), x.dim(1)});
    });
  };
  return t;
}

LayerType batch_norm_type() {
  LayerType t;
  t.name = "batch_norm";
  t.doc =
      "Batch normalisation per channel of a [channels, height, width] map, or per feature of a "
      "[features] vector: batch statistics in training (running statistics updated), running "
      "statistics in evaluation (cuDNN on the GPU).";
  t.keys = {float_key("momentum", "0.1", "running = (1 - momentum) * running + momentum * batch", 0,
                      1, true, false),
            float_key("eps", "1e-05", "added to the variance", 0, 1, true, false)};
  t.infer = [](const LayerArgs&, const std::vector<Shape>& in) -> Shape {
    if (in[0].size() != 3 && in[0].size() != 1)
      throw LayerError("", fmt::format("needs a [channels, height, width] map or a [features] "
                                       "vector per clip, got {}",
                                       shape_text(in[0])));
    return in[0];
  };
  t.build = [](const LayerArgs& a, const std::vector<Shape>& in, uint64_t) {
    auto m = std::make_shared<nn::BatchNorm2d>(static_cast<int>(in[0][0]),
                                               static_cast<float>(a.f("momentum")),
                                               static_cast<float>(a.f("eps")));
    const bool vec = in[0].size() == 1;
    return BuiltLayer{m, [m, vec](const std::vector<Var>& x) {
                        if (!vec) return m->forward(x[0]);
                        const int64_t b = x[0].dim(0), f = x[0].dim(1);
                        return ops::reshape(m->forward(ops::reshape(x[0], {b, f, 1, 1})), {b, f});
                      }};
  };
  return t;
}

std::vector<KeyDecl> lrn_keys(const std::string& prefix) {
  KeyDecl size = int_key(prefix + "size", "5", "channels in the normalisation window", 1, 16);
  size.odd = true;
  return {size,
          float_key(prefix + "alpha", prefix.empty() ? "0.0001" : "0.001",
                    "scale of the sum of squares (divided by the window size)", 0),
          float_key(prefix + "beta", "0.75", "exponent", 0.01),
          float_key(prefix + "k", "1.0", "additive constant", 1e-5)};
}

LayerType lrn_type() {
  LayerType t;
  t.name = "lrn";
  t.doc =
      "Local response normalisation across channels (torch.nn.LocalResponseNorm; cuDNN LRN on "
      "the GPU): x / (k + alpha/size * sum of x^2 over `size` neighbouring channels)^beta.";
  t.keys = lrn_keys("");
  t.infer = [](const LayerArgs&, const std::vector<Shape>& in) -> Shape {
    need_map(in[0]);
    return in[0];
  };
  t.build = [](const LayerArgs& a, const std::vector<Shape>&, uint64_t) {
    const int n = a.i("size");
    const float al = static_cast<float>(a.f("alpha")), be = static_cast<float>(a.f("beta")),
                k = static_cast<float>(a.f("k"));
    return stateless([=](const Var& x) { return ops::lrn(x, n, al, be, k); });
  };
  return t;
}

// Liang & Hu (CVPR 2015): x_0 = LRN(relu(feed(u))), x_t = LRN(relu(feed(u) + recurrent(x_{t-1})))
// for t = 1..T; one registered layer so the recurrent weights are tied across iterations.
class RclModule : public nn::Module {
 public:
  RclModule(int c, int k, int kernel, uint64_t seed, int iterations, int n, float alpha, float beta,
            float kk)
      : iterations_(iterations), n_(n), alpha_(alpha), beta_(beta), k_(kk) {
    const int p = kernel / 2;
    const ConvGeom g{kernel, kernel, 1, 1, p, p, 1, 1};
    feed_ = make_conv(c, k, g, true, seed);
    recurrent_ = make_conv(k, k, g, false, seed ^ 0x5bd1e995ULL);
    register_module("feed", feed_);
    register_module("recurrent", recurrent_);
  }
  Var forward(const Var& u) {
    const Var f = feed_->forward(u);  // the same feed-forward input at every iteration
    Var x = ops::lrn(ops::relu(f), n_, alpha_, beta_, k_);
    for (int t = 1; t <= iterations_; ++t)
      x = ops::lrn(ops::relu(ops::add(f, recurrent_->forward(x))), n_, alpha_, beta_, k_);
    return x;
  }

 private:
  int iterations_, n_;
  float alpha_, beta_, k_;
  std::shared_ptr<nn::Conv2d> feed_, recurrent_;
};

LayerType rcl_type() {
  LayerType t;
  t.name = "rcl";
  t.doc =
      "Recurrent convolutional layer (Liang & Hu, CVPR 2015; paper 003's RCNN): a feed-forward "
      "conv (with bias) and a recurrent conv (no bias, weights tied over the iterations), both "
      "`same`-padded; x0 = LRN(relu(feed(u))), x_t = LRN(relu(feed(u) + recurrent(x_{t-1}))).";
  KeyDecl kernel = int_key("kernel", "3", "kernel size of both convolutions (square)");
  kernel.odd = true;
  t.keys = {int_key("channels", "", "output channels K (the recurrent conv maps K to K)", 1, 65536),
            kernel,
            int_key("iterations", "3", "recurrent iterations T (unfolded depth T + 1)", 0, 64)};
  for (KeyDecl& k : lrn_keys("lrn_")) t.keys.push_back(k);
  t.infer = [](const LayerArgs& a, const std::vector<Shape>& in) -> Shape {
    need_map(in[0]);
    return {a.i("channels"), in[0][1], in[0][2]};
  };
  t.build = [](const LayerArgs& a, const std::vector<Shape>& in, uint64_t seed) {
    auto m = std::make_shared<RclModule>(
        static_cast<int>(in[0][0]), a.i("channels"), a.i("kernel"), seed, a.i("iterations"),
        a.i("lrn_size"), static_cast<float>(a.f("lrn_alpha")), static_cast<float>(a.f("lrn_beta")),
        static_cast<float>(a.f("lrn_k")));
    return BuiltLayer{m, [m](const std::vector<Var>& x) { return m->forward(x[0]); }};
  };
  return t;
}

}  // namespace

void register_conv_layers() {
  register_layer_type(conv2d_type());
  register_layer_type(conv_transpose2d_type());
  register_layer_type(pool_type("max_pool", true));
  register_layer_type(pool_type("avg_pool", false));
  register_layer_type(global_pool_type("global_max_pool", true));
  register_layer_type(global_pool_type("global_avg_pool", false));
  register_layer_type(batch_norm_type());
  register_layer_type(lrn_type());
  register_layer_type(rcl_type());
}

}  // namespace mgr::graph
