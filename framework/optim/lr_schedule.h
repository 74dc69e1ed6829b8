// Learning-rate schedules, evaluated on the host once per update: the trainer calls
// optimizer.set_lr(schedule.lr(iteration, total_iterations)) before each step().
// `iteration` counts updates from 0 (the value before the first update) and
// `total_iterations` is the number of updates in the whole run. The kinds:
//   constant: base_lr
//   linear:   base_lr * (1 - iteration / total)    (paper 000: linear decay from 0.002 to 0;
//                                                    torch LinearLR(1, 0, total))
//   step:     base_lr * gamma^floor(iteration / step_iterations)   (torch StepLR)
//   cosine:   min_lr + (base_lr - min_lr) * (1 + cos(pi * iteration / total)) / 2
//                                                    (torch CosineAnnealingLR(T_max = total))
// tests/data/torch/lr_schedule_reference.json holds torch's values for these.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mgr::optim {

struct LrSchedule {
  std::string kind;  // constant | linear | step | cosine
  double base_lr = 0;
  double gamma = 0.1;           // step: factor per step_iterations
  int64_t step_iterations = 0;  // step: updates between two decays (> 0)
  double min_lr = 0;            // cosine: the value at iteration == total

  // The learning rate of update `iteration` (0 <= iteration; for linear and cosine also
  // total_iterations > 0 and iteration <= total_iterations: iteration == total gives the final
  // value, 0 and min_lr). Throws mgr::Error naming the bad parameter.
  double lr(int64_t iteration, int64_t total_iterations) const;

  // Checks the parameters of `kind` (those of the other kinds are ignored): base_lr finite and
  // >= 0; step: gamma finite and > 0, step_iterations > 0; cosine: 0 <= min_lr <= base_lr.
  void validate() const;

  static const std::vector<std::string>& kinds();
};

}  // namespace mgr::optim
