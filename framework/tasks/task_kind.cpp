#include "framework/tasks/task_kind.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>

#include "framework/config/did_you_mean.h"
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
    // model.type names a registered kind: the config table cannot list them (it sits below).
    std::vector<std::string> names;
    for (const TaskKind* k : task_kinds()) names.push_back(k->name);
    const std::string list = fmt::format("{}", fmt::join(names, ", "));
    std::vector<config::CrossCheck> all = {
        {{"model.type"},
         "one of the registered task kinds: " + list,
         [names, list](const config::ExperimentConfig& c) -> std::optional<std::string> {
           if (std::find(names.begin(), names.end(), c.model.type) != names.end())
             return std::nullopt;
           const std::string guess = config::closest_match(c.model.type, names);
           return fmt::format("expected one of {{{}}}, got \"{}\"{}", list, c.model.type,
                              guess.empty() ? "" : " (did you mean '" + guess + "'?)");
         }}};
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
