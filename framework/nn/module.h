// Base of every model component. A module owns named parameters (leaf Vars that require
// gradients) and named buffers (state that is saved but not trained, e.g. batch-norm running
// statistics), named counters (integers a module advances as it runs, e.g. dropout's step, which
// a resumed run must restore to draw the same masks), and knows whether it is in training or
// evaluation mode.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "framework/autograd/var.h"

namespace mgr::nn {

class Module {
 public:
  virtual ~Module() = default;

  // Parameters and buffers of this module and its children, with dotted names
  // ("block1.conv.weight").
  std::vector<std::pair<std::string, Var*>> named_parameters();
  std::vector<std::pair<std::string, Tensor*>> named_buffers();
  std::vector<std::pair<std::string, uint64_t*>> named_counters();
  std::vector<Var*> parameters();
  int64_t num_parameters();

  void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }

  // Moves every parameter and buffer to `device`.
  void to(Device device);

 protected:
  // Subclasses register what they own, once, in their constructor.
  Var& register_parameter(const std::string& name, Tensor value);
  Tensor& register_buffer(const std::string& name, Tensor value);
  // `counter` is a member of the subclass (modules live at stable addresses in shared_ptrs).
  void register_counter(const std::string& name, uint64_t* counter);
  template <typename M>
  M& register_module(const std::string& name, std::shared_ptr<M> m) {
    children_.emplace_back(name, m);
    return *m;
  }

 private:
  // Stable addresses: parameters live in unique_ptrs so references stay valid.
  std::vector<std::pair<std::string, std::unique_ptr<Var>>> params_;
  std::vector<std::pair<std::string, std::unique_ptr<Tensor>>> buffers_;
  std::vector<std::pair<std::string, uint64_t*>> counters_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace mgr::nn
