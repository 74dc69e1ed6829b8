#include "framework/optim/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/error.h"

namespace mgr::optim {

const std::vector<std::string>& LrSchedule::kinds() {
  static const std::vector<std::string> k = {"constant", "linear", "step", "cosine"};
  return k;
}

void LrSchedule::validate() const {
  const std::vector<std::string>& k = kinds();
  MGR_CHECK(std::find(k.begin(), k.end(), kind) != k.end(),
            "lr schedule: unknown kind '" << kind << "' (constant, linear, step or cosine)");
  MGR_CHECK(std::isfinite(base_lr) && base_lr >= 0,
            "lr schedule '" << kind << "': base_lr must be finite and >= 0, got " << base_lr);
  if (kind == "step") {
    MGR_CHECK(std::isfinite(gamma) && gamma > 0,
              "lr schedule 'step': gamma must be finite and > 0, got " << gamma);
    MGR_CHECK(step_iterations > 0,
              "lr schedule 'step': step_iterations must be > 0, got " << step_iterations);
  } else if (kind == "cosine") {
    MGR_CHECK(std::isfinite(min_lr) && min_lr >= 0 && min_lr <= base_lr,
              "lr schedule 'cosine': min_lr must lie in [0, base_lr = " << base_lr << "], got "
                                                                        << min_lr);
  }
}

double LrSchedule::lr(int64_t iteration, int64_t total_iterations) const {
  validate();
  MGR_CHECK(iteration >= 0, "lr schedule '" << kind << "': negative iteration " << iteration);
  if (kind == "constant") return base_lr;
  if (kind == "step") {
    const int64_t k = iteration / step_iterations;
    return base_lr * std::pow(gamma, static_cast<double>(k));
  }
  MGR_CHECK(total_iterations > 0,
            "lr schedule '" << kind << "': total_iterations must be > 0, got " << total_iterations);
  MGR_CHECK(iteration <= total_iterations, "lr schedule '" << kind << "': iteration " << iteration
                                                           << " beyond total_iterations "
                                                           << total_iterations);
  const double frac = static_cast<double>(iteration) / static_cast<double>(total_iterations);
  if (kind == "linear") return base_lr * (1.0 - frac);
  // cosine
  return min_lr + (base_lr - min_lr) * (1.0 + std::cos(std::numbers::pi * frac)) / 2.0;
}

}  // namespace mgr::optim
