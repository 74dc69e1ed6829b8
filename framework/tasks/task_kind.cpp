#include "framework/tasks/task_kind.h"

#include <fmt/format.h>

#include "kernels/error.h"

namespace mgr::tasks {

const TaskKind& task_kind(const std::string& type) {
  std::string names;
  for (const TaskKind* k : task_kinds()) {
    if (k->name == type) return *k;
    names += (names.empty() ? "" : ", ") + k->name;
  }
  throw Error(fmt::format("model.type: unknown model type '{}' (one of {})", type, names));
}

const std::vector<config::CrossCheck>& kind_rules() {
  static const std::vector<config::CrossCheck> rules = [] {
    std::vector<config::CrossCheck> all;
    for (const TaskKind* k : task_kinds()) all.insert(all.end(), k->rules.begin(), k->rules.end());
    return all;
  }();
  return rules;
}

PlannedTask plan_task(const config::ExperimentConfig& c) {
  const TaskKind& kind = task_kind(c.model.type);
  if (kind.name != "tree" && !c.model.tree.empty())
    throw Error(fmt::format("{}: model.tree is set but model.type is '{}' (set model.type: tree)",
                            c.model.tree[0].where, c.model.type));
  return {&kind, kind.plan(c)};
}

}  // namespace mgr::tasks
