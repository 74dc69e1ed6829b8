// Reverse-mode autograd as a tape of closures. Each op's result is a Var whose node keeps the
// input Vars and a closure that, given the gradient of the result, adds into the inputs'
// gradients. backward() orders the graph iteratively (an unrolled RNN is thousands of nodes
// deep, recursion would overflow the stack) and runs the closures from the output back.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr {

class Var;
using BackwardFn = std::function<void(const Tensor& grad_out)>;

struct VarNode {
  Tensor value;
  Tensor grad;  // undefined until a gradient reaches this node
  bool requires_grad = false;
  std::vector<std::shared_ptr<VarNode>> inputs;
  BackwardFn backward;
  const char* op = "leaf";

  VarNode() = default;
  VarNode(const VarNode&) = delete;
  VarNode& operator=(const VarNode&) = delete;
  // Releases the chain of inputs iteratively: the default recursive destruction of a long
  // graph (an unrolled RNN) would overflow the stack.
  ~VarNode();
};

class Var {
 public:
  Var() = default;
  explicit Var(Tensor value, bool requires_grad = false);

  bool defined() const { return node_ != nullptr; }
  const Tensor& value() const;
  Tensor& value_mut();         // for optimisers and loaders that update a leaf in place
  const Tensor& grad() const;  // undefined tensor if no gradient reached this Var
  bool requires_grad() const { return node_ && node_->requires_grad; }
  bool is_leaf() const { return node_ && !node_->backward; }
  Device device() const { return value().device(); }
  const Shape& shape() const { return value().shape(); }
  int64_t dim(int i) const { return value().dim(i); }
  const char* op() const { return node_ ? node_->op : "undefined"; }

  // Backpropagates from this Var. Without a seed it must hold a single element (seed 1).
  void backward() const;
  void backward(const Tensor& seed) const;
  void zero_grad() const;  // forgets the accumulated gradient

  const std::shared_ptr<VarNode>& node() const { return node_; }

 private:
  std::shared_ptr<VarNode> node_;
};

// Records an op: the result of `op_name` computed from `inputs`. When grad mode is on and any
// input requires a gradient, the result requires one too and `backward` is kept for the tape.
Var make_var(Tensor value, const std::vector<Var>& inputs, BackwardFn backward,
             const char* op_name);

// The gradient buffer of `v`, zero-filled on first use, for kernels that accumulate (dx += ...).
// Must only be called for Vars that require a gradient.
Tensor& grad_buffer(const Var& v);
// The same buffer for a CPU kernel that can either overwrite or accumulate: on first use it is
// left uninitialised and *fresh is set, and the kernel must then write every element (=, not
// +=). That saves the zero-fill and the read of those zeros: two passes over the largest
// tensors of a convolutional network, whose ReLU and pooling gradients are memory-bound. On
// CUDA the buffer is zero-filled as by grad_buffer and *fresh is false (the CUDA kernels and
// cuDNN calls accumulate).
Tensor& grad_buffer(const Var& v, bool* fresh);
// grad(v) += g, when v requires a gradient.
void accumulate_grad(const Var& v, const Tensor& g);

bool grad_enabled();
// Inside its scope no op records a backward closure (evaluation, gradient checks).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace mgr
