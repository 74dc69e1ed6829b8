#include "framework/autograd/var.h"

#include <unordered_set>

#include "kernels/cpu/elementwise.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/elementwise.h"
#endif

namespace mgr {

namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

VarNode::~VarNode() {
  std::vector<std::shared_ptr<VarNode>> pending = std::move(inputs);
  backward = nullptr;  // the closure holds references to the same inputs
  while (!pending.empty()) {
    std::shared_ptr<VarNode> n = std::move(pending.back());
    pending.pop_back();
    // Only when we hold the last reference: take its inputs, then drop its closure (which
    // holds the same inputs), so the node dies here with nothing left to recurse into. A node
    // still shared by a live graph is left intact.
    if (n && n.use_count() == 1) {
      for (auto& in : n->inputs) pending.push_back(std::move(in));
      n->inputs.clear();
      n->backward = nullptr;
    }
  }
}

Var::Var(Tensor value, bool requires_grad) : node_(std::make_shared<VarNode>()) {
  MGR_CHECK(value.defined(), "Var from an undefined tensor");
  MGR_CHECK(!requires_grad || value.dtype() == DType::F32, "only f32 Vars can require gradients");
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

const Tensor& Var::value() const {
  MGR_CHECK(node_, "use of an undefined Var");
  return node_->value;
}

Tensor& Var::value_mut() {
  MGR_CHECK(node_, "use of an undefined Var");
  return node_->value;
}

const Tensor& Var::grad() const {
  MGR_CHECK(node_, "use of an undefined Var");
  return node_->grad;
}

void Var::zero_grad() const {
  if (node_) node_->grad = Tensor();
}

Var make_var(Tensor value, const std::vector<Var>& inputs, BackwardFn backward,
             const char* op_name) {
  Var out(std::move(value), false);
  VarNode& n = *out.node();
  n.op = op_name;
  if (!g_grad_enabled) return out;
  bool any = false;
  for (const Var& in : inputs) any = any || in.requires_grad();
  if (!any) return out;
  n.requires_grad = true;
  n.backward = std::move(backward);
  for (const Var& in : inputs)
    if (in.requires_grad()) n.inputs.push_back(in.node());
  return out;
}

Tensor& grad_buffer(const Var& v) {
  MGR_CHECK(v.requires_grad(), "grad_buffer of a Var that does not require a gradient");
  VarNode& n = *v.node();
  if (!n.grad.defined()) n.grad = Tensor::zeros_like(n.value);
  return n.grad;
}

Tensor& grad_buffer(const Var& v, bool* fresh) {
  MGR_CHECK(v.requires_grad(), "grad_buffer of a Var that does not require a gradient");
  VarNode& n = *v.node();
  *fresh = false;
  if (!n.grad.defined()) {
    if (n.value.is_cuda()) {
      n.grad = Tensor::zeros_like(n.value);
    } else {
      n.grad = Tensor::empty_like(n.value);
      *fresh = true;
    }
  }
  return n.grad;
}

void accumulate_grad(const Var& v, const Tensor& g) {
  if (!v.requires_grad()) return;
  VarNode& n = *v.node();
  MGR_CHECK(g.shape() == n.value.shape() && g.device() == n.value.device() &&
                g.dtype() == n.value.dtype(),
            "gradient " << g.str() << " for " << n.value.str() << " (op " << n.op << ")");
  if (!n.grad.defined()) {
    n.grad = g.clone();
    return;
  }
  if (g.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard guard(g.device().index);
    kernels::cuda::axpy(n.grad.f32(), g.f32(), g.numel(), 1.f, cuda::stream(g.device().index));
#endif
  } else {
    kernels::cpu::axpy(n.grad.f32(), g.f32(), g.numel(), 1.f);
  }
}

void Var::backward() const {
  MGR_CHECK(value().numel() == 1,
            "backward() without a seed needs a single-element output, got " << value().str());
  backward(Tensor::full(value().shape(), 1.f, value().device()));
}

void Var::backward(const Tensor& seed) const {
  MGR_CHECK(requires_grad(), "backward() on a Var that does not require a gradient (op "
                                 << op() << "); did any input require one?");
  MGR_CHECK(seed.shape() == value().shape(),
            "backward seed " << seed.str() << " for " << value().str());
  // Iterative post-order DFS: `order` ends up with every input after all of its consumers
  // when reversed.
  std::vector<VarNode*> order;
  std::unordered_set<VarNode*> seen;
  std::vector<std::pair<VarNode*, size_t>> stack;
  stack.emplace_back(node_.get(), 0);
  seen.insert(node_.get());
  while (!stack.empty()) {
    auto& [n, next] = stack.back();
    if (next < n->inputs.size()) {
      VarNode* child = n->inputs[next++].get();
      if (seen.insert(child).second) stack.emplace_back(child, 0);
    } else {
      order.push_back(n);
      stack.pop_back();
    }
  }
  accumulate_grad(*this, seed);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    VarNode* n = *it;
    if (!n->backward || !n->grad.defined()) continue;
    n->backward(n->grad);
    // Intermediate gradients are not needed after their closure ran; free them early.
    n->grad = Tensor();
  }
}

}  // namespace mgr
