#include "framework/nn/module.h"

namespace mgr::nn {

Var& Module::register_parameter(const std::string& name, Tensor value) {
  params_.emplace_back(name, std::make_unique<Var>(std::move(value), true));
  return *params_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor value) {
  buffers_.emplace_back(name, std::make_unique<Tensor>(std::move(value)));
  return *buffers_.back().second;
}

void Module::register_counter(const std::string& name, uint64_t* counter) {
  counters_.emplace_back(name, counter);
}

std::vector<std::pair<std::string, Var*>> Module::named_parameters() {
  std::vector<std::pair<std::string, Var*>> out;
  for (auto& [n, p] : params_) out.emplace_back(n, p.get());
  for (auto& [cn, c] : children_)
    for (auto& [n, p] : c->named_parameters()) out.emplace_back(cn + "." + n, p);
  return out;
}

std::vector<std::pair<std::string, Tensor*>> Module::named_buffers() {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (auto& [n, b] : buffers_) out.emplace_back(n, b.get());
  for (auto& [cn, c] : children_)
    for (auto& [n, b] : c->named_buffers()) out.emplace_back(cn + "." + n, b);
  return out;
}

std::vector<std::pair<std::string, uint64_t*>> Module::named_counters() {
  std::vector<std::pair<std::string, uint64_t*>> out(counters_.begin(), counters_.end());
  for (auto& [cn, c] : children_)
    for (auto& [n, v] : c->named_counters()) out.emplace_back(cn + "." + n, v);
  return out;
}

std::vector<Var*> Module::parameters() {
  std::vector<Var*> out;
  for (auto& [n, p] : named_parameters()) out.push_back(p);
  return out;
}

int64_t Module::num_parameters() {
  int64_t n = 0;
  for (Var* p : parameters()) n += p->value().numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, c] : children_) c->train(on);
}

void Module::to(Device device) {
  for (auto& [n, p] : params_) *p = Var(p->value().to(device), true);
  for (auto& [n, b] : buffers_) *b = b->to(device);
  for (auto& [n, c] : children_) c->to(device);
}

}  // namespace mgr::nn
