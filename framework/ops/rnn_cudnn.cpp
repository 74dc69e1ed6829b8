#if MGR_WITH_CUDA

#include "framework/ops/rnn_cudnn.h"

#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <vector>

#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"

namespace mgr::cuda {

namespace {

struct RnnKey {
  int device;
  ops::RnnMode mode;
  int input, hidden, layers, dirs, batch, time;
  auto tie() const { return std::tie(device, mode, input, hidden, layers, dirs, batch, time); }
  bool operator<(const RnnKey& o) const { return tie() < o.tie(); }
};

// Descriptors, sizes and weight-space offsets for one RNN configuration and input shape.
// Created on first use and kept for the life of the process (never destroyed: the CUDA context
// and the caching allocator may be gone by the time static destructors run).
struct RnnPlan {
  cudnnDropoutDescriptor_t dropout = nullptr;
  cudnnRNNDescriptor_t rnn = nullptr;
  cudnnRNNDataDescriptor_t x_desc = nullptr, y_desc = nullptr;
  cudnnTensorDescriptor_t h_desc = nullptr;  // [layers*dirs, B, H]; also describes c
  size_t weight_bytes = 0, work_train = 0, reserve_train = 0, work_infer = 0;
  Tensor dev_seq_lengths;  // int32 [B] on the device, every entry T (cuDNN 9 requires it)
  // Float offsets into the weight space of the matrix and bias of (pseudoLayer p, linLayerID id),
  // index p * 2G + id. cuDNN's ids: 0..G-1 the input-side matrices of the gates in PyTorch's
  // order (GRU r, z, n; LSTM i, f, g, o; RNN_TANH its one gate, so id 0 is W_ih and id 1 W_hh),
  // G..2G-1 the recurrent ones; p = layer * dirs + dir.
  std::vector<int64_t> mat_offset, bias_offset;
};

int64_t float_offset(const void* addr, const void* base) {
  const auto bytes = static_cast<const char*>(addr) - static_cast<const char*>(base);
  MGR_CHECK(bytes >= 0 && bytes % sizeof(float) == 0,
            "cudnnGetRNNWeightParams returned a misaligned address (offset " << bytes << ")");
  return static_cast<int64_t>(bytes / sizeof(float));
}

int64_t desc_numel(cudnnTensorDescriptor_t d) {
  cudnnDataType_t dt;
  int nd = 0, dims[8], strides[8];
  MGR_CUDNN_CHECK(cudnnGetTensorNdDescriptor(d, 8, &dt, &nd, dims, strides));
  int64_t n = 1;
  for (int i = 0; i < nd; ++i) n *= dims[i];
  return n;
}

cudnnRNNMode_t cudnn_mode(ops::RnnMode mode) {
  switch (mode) {
    case ops::RnnMode::GRU:
      return CUDNN_GRU;
    case ops::RnnMode::LSTM:
      return CUDNN_LSTM;
    case ops::RnnMode::RNN_TANH:
      return CUDNN_RNN_TANH;
  }
  MGR_FAIL("cuDNN RNN: unknown mode " << static_cast<int>(mode));
}

std::unique_ptr<RnnPlan> make_plan(const RnnKey& k) {
  auto p = std::make_unique<RnnPlan>();
  cudnnHandle_t h = cudnn(k.device);
  MGR_CUDNN_CHECK(cudnnCreateDropoutDescriptor(&p->dropout));
  MGR_CUDNN_CHECK(cudnnSetDropoutDescriptor(p->dropout, h, 0.f, nullptr, 0, 0));
  MGR_CUDNN_CHECK(cudnnCreateRNNDescriptor(&p->rnn));
  // FMA math: no TF32, so CUDA results match the float32 CPU twin.
  MGR_CUDNN_CHECK(cudnnSetRNNDescriptor_v8(
      p->rnn, CUDNN_RNN_ALGO_STANDARD, cudnn_mode(k.mode), CUDNN_RNN_DOUBLE_BIAS,
      k.dirs == 2 ? CUDNN_BIDIRECTIONAL : CUDNN_UNIDIRECTIONAL, CUDNN_LINEAR_INPUT,
      CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT, CUDNN_FMA_MATH, k.input, k.hidden, k.hidden, k.layers,
      p->dropout, CUDNN_RNN_PADDED_IO_ENABLED));

  const std::vector<int> lengths(static_cast<size_t>(k.batch), k.time);
  float padding_fill = 0.f;
  MGR_CUDNN_CHECK(cudnnCreateRNNDataDescriptor(&p->x_desc));
  MGR_CUDNN_CHECK(cudnnSetRNNDataDescriptor(p->x_desc, CUDNN_DATA_FLOAT,
                                            CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, k.time,
                                            k.batch, k.input, lengths.data(), &padding_fill));
  MGR_CUDNN_CHECK(cudnnCreateRNNDataDescriptor(&p->y_desc));
  MGR_CUDNN_CHECK(cudnnSetRNNDataDescriptor(
      p->y_desc, CUDNN_DATA_FLOAT, CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED, k.time, k.batch,
      k.hidden * k.dirs, lengths.data(), &padding_fill));
  MGR_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->h_desc));
  const int hdims[3] = {k.layers * k.dirs, k.batch, k.hidden};
  const int hstrides[3] = {k.batch * k.hidden, k.hidden, 1};
  MGR_CUDNN_CHECK(cudnnSetTensorNdDescriptor(p->h_desc, CUDNN_DATA_FLOAT, 3, hdims, hstrides));

  MGR_CUDNN_CHECK(cudnnGetRNNWeightSpaceSize(h, p->rnn, &p->weight_bytes));
  MGR_CUDNN_CHECK(cudnnGetRNNTempSpaceSizes(h, p->rnn, CUDNN_FWD_MODE_TRAINING, p->x_desc,
                                            &p->work_train, &p->reserve_train));
  size_t unused_reserve = 0;
  MGR_CUDNN_CHECK(cudnnGetRNNTempSpaceSizes(h, p->rnn, CUDNN_FWD_MODE_INFERENCE, p->x_desc,
                                            &p->work_infer, &unused_reserve));
  p->dev_seq_lengths = Tensor::from_vector(std::vector<int32_t>(lengths.begin(), lengths.end()),
                                           {k.batch}, Device::cuda(k.device));

  // The offsets do not depend on where the weight space lives; a scratch one gives them.
  MGR_CHECK(p->weight_bytes % sizeof(float) == 0,
            "cuDNN RNN weight space of " << p->weight_bytes << " bytes");
  Tensor scratch = Tensor::empty({static_cast<int64_t>(p->weight_bytes / sizeof(float))},
                                 DType::F32, Device::cuda(k.device));
  const int G = ops::rnn_gate_count(k.mode);
  cudnnTensorDescriptor_t m_desc = nullptr, b_desc = nullptr;
  MGR_CUDNN_CHECK(cudnnCreateTensorDescriptor(&m_desc));
  MGR_CUDNN_CHECK(cudnnCreateTensorDescriptor(&b_desc));
  for (int pl = 0; pl < k.layers * k.dirs; ++pl) {
    const int64_t in = pl < k.dirs ? k.input : int64_t(k.hidden) * k.dirs;
    for (int id = 0; id < 2 * G; ++id) {
      void* m_addr = nullptr;
      void* b_addr = nullptr;
      MGR_CUDNN_CHECK(cudnnGetRNNWeightParams(h, p->rnn, pl, p->weight_bytes, scratch.raw(), id,
                                              m_desc, &m_addr, b_desc, &b_addr));
      MGR_CHECK(m_addr && b_addr,
                "cuDNN RNN: no matrix or bias for pseudo-layer " << pl << ", linear layer " << id);
      const int64_t want_m = int64_t(k.hidden) * (id < G ? in : k.hidden);
      MGR_CHECK(desc_numel(m_desc) == want_m && desc_numel(b_desc) == k.hidden,
                "cuDNN RNN: pseudo-layer " << pl << ", linear layer " << id << " has "
                                           << desc_numel(m_desc) << " weights and "
                                           << desc_numel(b_desc) << " biases, expected " << want_m
                                           << " and " << k.hidden);
      p->mat_offset.push_back(float_offset(m_addr, scratch.raw()));
      p->bias_offset.push_back(float_offset(b_addr, scratch.raw()));
    }
  }
  MGR_CUDNN_CHECK(cudnnDestroyTensorDescriptor(m_desc));
  MGR_CUDNN_CHECK(cudnnDestroyTensorDescriptor(b_desc));
  return p;
}

const RnnPlan& get_plan(const RnnKey& k) {
  static std::mutex mu;
  static auto* plans = new std::map<RnnKey, std::unique_ptr<RnnPlan>>();  // never freed, see above
  std::lock_guard<std::mutex> lock(mu);
  auto it = plans->find(k);
  if (it == plans->end()) it = plans->emplace(k, make_plan(k)).first;
  return *it->second;
}

// Where (layer-direction p, cuDNN linear layer id) lives in our PyTorch-layout tensors: the
// matrix is rows [gate*H, (gate+1)*H) of w_ih (id < G) or w_hh, the bias the same slice of b_ih
// or b_hh.
struct Slot {
  const Var* mat;
  const Var* bias;
  int64_t mat_offset, mat_numel, bias_offset;
};

Slot slot_of(const ops::RnnWeights& w, size_t p, int id, int G, int H) {
  const bool input_side = id < G;
  const int gate = input_side ? id : id - G;
  const Var& m = input_side ? w.w_ih[p] : w.w_hh[p];
  const int64_t cols = m.value().dim(1);
  return {&m, input_side ? &w.b_ih[p] : &w.b_hh[p], int64_t(gate) * H * cols, int64_t(H) * cols,
          int64_t(gate) * H};
}

}  // namespace

ops::detail::RnnForward cudnn_rnn_forward(const Var& x, const ops::RnnWeights& w, ops::RnnMode mode,
                                          int hidden, int num_layers, bool bidirectional,
                                          bool need_grad) {
  const Tensor& xv = x.value();
  const int dev = xv.device().index;
  DeviceGuard guard(dev);
  const int dirs = bidirectional ? 2 : 1, G = ops::rnn_gate_count(mode), H = hidden;
  const RnnKey key{dev,        mode, static_cast<int>(xv.dim(2)), hidden,
                   num_layers, dirs, static_cast<int>(xv.dim(0)), static_cast<int>(xv.dim(1))};
  const RnnPlan& plan = get_plan(key);
  cudaStream_t st = stream(dev);
  cudnnHandle_t handle = cudnn(dev);
  const Device device = xv.device();

  // Pack the weights into cuDNN's layout (zeroed first so that any padding is defined).
  Tensor wspace =
      Tensor::zeros({static_cast<int64_t>(plan.weight_bytes / sizeof(float))}, DType::F32, device);
  const int npl = num_layers * dirs;
  for (int pl = 0; pl < npl; ++pl) {
    for (int id = 0; id < 2 * G; ++id) {
      const Slot s = slot_of(w, static_cast<size_t>(pl), id, G, H);
      const size_t k = static_cast<size_t>(pl * 2 * G + id);
      MGR_CUDA_CHECK(cudaMemcpyAsync(wspace.f32() + plan.mat_offset[k],
                                     s.mat->value().f32() + s.mat_offset,
                                     s.mat_numel * sizeof(float), cudaMemcpyDeviceToDevice, st));
      MGR_CUDA_CHECK(cudaMemcpyAsync(wspace.f32() + plan.bias_offset[k],
                                     s.bias->value().f32() + s.bias_offset, H * sizeof(float),
                                     cudaMemcpyDeviceToDevice, st));
    }
  }

  Tensor y = Tensor::empty({xv.dim(0), xv.dim(1), int64_t(H) * dirs}, DType::F32, device);
  Tensor hy = Tensor::empty({int64_t(npl), xv.dim(0), H}, DType::F32, device);
  const size_t work_bytes = need_grad ? plan.work_train : plan.work_infer;
  void* work = workspace(dev, work_bytes);
  Tensor reserve;
  if (need_grad && plan.reserve_train > 0)
    reserve =
        Tensor::empty({static_cast<int64_t>((plan.reserve_train + 3) / 4)}, DType::F32, device);
  // hx = cx = null: zero initial state. cy is not needed.
  MGR_CUDNN_CHECK(cudnnRNNForward(
      handle, plan.rnn, need_grad ? CUDNN_FWD_MODE_TRAINING : CUDNN_FWD_MODE_INFERENCE,
      plan.dev_seq_lengths.i32(), plan.x_desc, xv.f32(), plan.y_desc, y.f32(), plan.h_desc, nullptr,
      hy.f32(), plan.h_desc, nullptr, nullptr, plan.weight_bytes, wspace.f32(), work_bytes, work,
      need_grad ? plan.reserve_train : 0, reserve.defined() ? reserve.raw() : nullptr));

  ops::detail::RnnForward result{y, hy, nullptr};
  if (!need_grad) return result;
  result.backward = [x, w, key, G, H, npl, wspace, reserve, y](const Tensor& dy,
                                                               const Tensor& dhn) {
    const int dev2 = key.device;
    DeviceGuard g(dev2);
    const RnnPlan& pl = get_plan(key);
    cudaStream_t st2 = stream(dev2);
    cudnnHandle_t h2 = cudnn(dev2);
    // cuDNN writes into the reserve space during the backward pass; work on a copy so that the
    // graph can be backpropagated more than once.
    Tensor rs = reserve.defined() ? reserve.clone() : Tensor();
    void* rs_ptr = rs.defined() ? rs.raw() : nullptr;
    void* work2 = workspace(dev2, pl.work_train);
    const Tensor& xv2 = x.value();
    Tensor dx = Tensor::empty_like(xv2);
    MGR_CUDNN_CHECK(cudnnRNNBackwardData_v8(
        h2, pl.rnn, pl.dev_seq_lengths.i32(), pl.y_desc, y.f32(), dy.f32(), pl.x_desc, dx.f32(),
        pl.h_desc, nullptr, dhn.defined() ? dhn.f32() : nullptr, nullptr, pl.h_desc, nullptr,
        nullptr, nullptr, pl.weight_bytes, wspace.f32(), pl.work_train, work2, pl.reserve_train,
        rs_ptr));
    if (x.requires_grad()) accumulate_grad(x, dx);

    bool any_weight = false;
    for (const auto* group : {&w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh})
      for (const Var& v : *group) any_weight = any_weight || v.requires_grad();
    if (!any_weight) return;
    Tensor dw = Tensor::zeros(wspace.shape(), DType::F32, wspace.device());
    MGR_CUDNN_CHECK(cudnnRNNBackwardWeights_v8(
        h2, pl.rnn, CUDNN_WGRAD_MODE_ADD, pl.dev_seq_lengths.i32(), pl.x_desc, xv2.f32(), pl.h_desc,
        nullptr, pl.y_desc, y.f32(), pl.weight_bytes, dw.f32(), pl.work_train, work2,
        pl.reserve_train, rs_ptr));
    for (int p = 0; p < npl; ++p) {
      for (int id = 0; id < 2 * G; ++id) {
        const Slot s = slot_of(w, static_cast<size_t>(p), id, G, H);
        const size_t k = static_cast<size_t>(p * 2 * G + id);
        if (s.mat->requires_grad())
          kernels::cuda::axpy(grad_buffer(*s.mat).f32() + s.mat_offset, dw.f32() + pl.mat_offset[k],
                              s.mat_numel, 1.f, st2);
        if (s.bias->requires_grad())
          kernels::cuda::axpy(grad_buffer(*s.bias).f32() + s.bias_offset,
                              dw.f32() + pl.bias_offset[k], H, 1.f, st2);
      }
    }
  };
  return result;
}

}  // namespace mgr::cuda

#endif  // MGR_WITH_CUDA
