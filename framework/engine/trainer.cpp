#include "framework/engine/trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "framework/data/shuffle.h"
#include "framework/optim/lr_schedule.h"
#include "framework/store/progress.h"
#include "kernels/error.h"

namespace mgr::train {

namespace fs = std::filesystem;

StepResult Task::accumulate_gradients(const std::vector<int>& /*idx*/, double /*weight*/) {
  MGR_FAIL("this task cannot split a batch into micro-batches (train.accumulate must be 1)");
}

std::vector<std::pair<size_t, size_t>> micro_batches(size_t clips, int accumulate) {
  MGR_CHECK(accumulate >= 1, "train.accumulate must be >= 1, got " << accumulate);
  const size_t parts = std::max<size_t>(1, std::min<size_t>(size_t(accumulate), clips / 2));
  std::vector<std::pair<size_t, size_t>> out;
  size_t begin = 0;
  for (size_t k = 0; k < parts; ++k) {
    const size_t size = clips / parts + (k < clips % parts ? 1 : 0);
    out.emplace_back(begin, begin + size);
    begin += size;
  }
  return out;
}

int evaluation_batch_size(const config::TrainConfig& t) {
  const int k = std::max(1, t.accumulate);
  return (t.batch_size + k - 1) / k;
}

double scheduled_lr(const config::TrainConfig& t, int64_t iteration, int64_t total,
                    int64_t iterations_per_epoch) {
  optim::LrSchedule s;
  s.kind = t.lr_schedule;
  s.base_lr = t.lr;
  s.gamma = t.lr_gamma;
  s.min_lr = t.lr_min;
  s.step_iterations =
      t.lr_step_unit == "epoch" ? int64_t(t.lr_step_every) * iterations_per_epoch : t.lr_step_every;
  return s.lr(iteration, total);
}

TrainLoopResult run_training(Task& task, const std::vector<int>& train_examples,
                             const TrainLoopOptions& opt) {
  const config::TrainConfig& tc = opt.train;
  MGR_CHECK(!train_examples.empty(), "training: no training examples");
  MGR_CHECK(tc.lr_schedule != "step" || tc.lr_step_every > 0,
            "train.lr_schedule step needs train.lr_step_every > 0");
  MGR_CHECK(tc.accumulate >= 1, "train.accumulate must be >= 1, got " << tc.accumulate);
  TrainLoopResult res;
  const std::string pre = opt.label.empty() ? "" : opt.label + ": ";
  MGR_CHECK(tc.accumulate == 1 || task.can_accumulate(),
            pre << "train.accumulate " << tc.accumulate
                << ": this task cannot split a batch into micro-batches (set it to 1)");
  std::mt19937_64 rng(opt.shuffle_seed * 0x9E3779B97F4A7C15ULL + 17);
  std::vector<int> order = train_examples;
  const int bs = tc.batch_size;
  const int64_t per_epoch = (static_cast<int64_t>(order.size()) + bs - 1) / bs;
  const bool by_iterations = tc.iterations > 0;
  const int64_t total = by_iterations ? tc.iterations : per_epoch * tc.epochs;
  const int max_epochs =
      by_iterations ? static_cast<int>((total + per_epoch - 1) / per_epoch) : tc.epochs;
  Progress progress;
  const auto t_train = Clock::now();
  int64_t iteration = 0;
  int since_best = 0;
  int first_epoch = 1;
  double seconds_before = 0;  // training time of the runs this one resumes
  std::string csv =
      "epoch,iterations,lr,train_loss,train_accuracy,validation_loss,validation_accuracy,"
      "epoch_seconds,train_clips_per_second\n";
  const StateParts parts = opt.state_path.empty() ? StateParts{} : task.state_parts();
  MGR_CHECK(opt.state_path.empty() || !parts.empty(),
            pre << "this task cannot save its training state (" << opt.state_path << ")");
  if (opt.resume && fs::exists(opt.state_path)) {
    const nlohmann::json j = load_training_state(opt.state_path, parts);
    const auto same = [&](const char* key, int64_t now) {
      MGR_CHECK(j.at(key).get<int64_t>() == now,
                opt.state_path << ": saved with " << key << " " << j.at(key) << ", the run now has "
                               << now << " (resume with the run's own config.yaml)");
    };
    same("examples", static_cast<int64_t>(order.size()));
    same("steps_per_epoch", per_epoch);
    // A finished run given more epochs (run_experiment --resume --epochs) continues past its
    // old end; a shorter total, or a longer one for a run stopped before its end, is refused.
    const int64_t saved_total = j.at("total_steps").get<int64_t>();
    const bool extended = saved_total < total && j.at("iteration").get<int64_t>() == saved_total &&
                          !j.at("stopped_early").get<bool>();
    if (!extended) same("total_steps", total);
    first_epoch = j.at("epoch").get<int>() + 1;
    iteration = j.at("iteration").get<int64_t>();
    since_best = j.at("since_best").get<int>();
    seconds_before = j.at("seconds").get<double>();
    order = j.at("order").get<std::vector<int>>();
    std::istringstream(j.at("rng").get<std::string>()) >> rng;
    csv = j.at("history_csv").get<std::string>();
    res.best_epoch = j.at("best_epoch").get<int>();
    res.best_validation_accuracy = j.at("best_validation_accuracy").get<double>();
    res.best_validation_loss = j.at("best_validation_loss").get<double>();
    res.stopped_early = j.at("stopped_early").get<bool>();
    res.history = j.at("history");
    res.epochs_run = first_epoch - 1;
    res.iterations_run = iteration;
    res.resumed_after_epoch = first_epoch - 1;
    if (j.contains("task")) task.restore_task_state(j.at("task"));
    if (!opt.quiet)
      progress.finish(
          fmt::format("{}resuming after epoch {} (iteration {}; best {:.4f} at epoch {})", pre,
                      first_epoch - 1, iteration, res.best_validation_accuracy, res.best_epoch));
  }
  std::ofstream history;
  if (!opt.history_csv.empty()) {
    history.open(opt.history_csv);
    history << csv;
    history.flush();
  }
  // After every epoch: the loop's record beside the task's modules and optimisers.
  const auto save_state = [&](int epoch) {
    if (opt.state_path.empty()) return;
    std::ostringstream rng_text;
    rng_text << rng;
    const nlohmann::json j = {{"epoch", epoch},
                              {"iteration", iteration},
                              {"since_best", since_best},
                              {"seconds", seconds_before + seconds_since(t_train)},
                              {"order", order},
                              {"rng", rng_text.str()},
                              {"history_csv", csv},
                              {"best_epoch", res.best_epoch},
                              {"best_validation_accuracy", res.best_validation_accuracy},
                              {"best_validation_loss", res.best_validation_loss},
                              {"stopped_early", res.stopped_early},
                              {"history", res.history},
                              {"examples", order.size()},
                              {"steps_per_epoch", per_epoch},
                              {"total_steps", total},
                              {"task", task.task_state()}};
    save_training_state(opt.state_path, parts, j);
  };
  for (int epoch = first_epoch; !res.stopped_early && epoch <= max_epochs && iteration < total;
       ++epoch) {
    const auto t_epoch = Clock::now();
    task.set_training(true);
    data::fisher_yates(order, rng);  // portable: std::shuffle is implementation-defined
    task.will_train_on(order);
    double loss_sum = 0, lr = tc.lr;
    int64_t seen = 0, correct = 0;
    for (int64_t step = 0; step < per_epoch && iteration < total; ++step) {
      const size_t start = static_cast<size_t>(step) * bs;
      const size_t end = std::min(order.size(), start + bs);
      if (end - start < 2) continue;  // batch norm needs two samples for a variance
      lr = scheduled_lr(tc, iteration, total, per_epoch);
      task.set_lr(lr);
      const std::vector<int> idx(order.begin() + static_cast<long>(start),
                                 order.begin() + static_cast<long>(end));
      StepResult r;
      if (tc.accumulate == 1) {
        r = task.train_step(idx);
      } else {
        // Each micro-batch's mean loss weighted by its share of the clips: the summed gradient
        // is the gradient of the batch's mean loss. One step (and one clipping) per batch.
        task.begin_step();
        for (const auto& [a, b] : micro_batches(idx.size(), tc.accumulate)) {
          const std::vector<int> micro(idx.begin() + static_cast<long>(a),
                                       idx.begin() + static_cast<long>(b));
          const StepResult m =
              task.accumulate_gradients(micro, static_cast<double>(b - a) / idx.size());
          r.loss_sum += m.loss_sum;
          r.correct += m.correct;
          r.clips += m.clips;
          if (!std::isfinite(m.loss_sum)) break;
        }
        if (std::isfinite(r.loss_sum)) task.finish_step();
      }
      ++iteration;
      if (!std::isfinite(r.loss_sum))
        MGR_FAIL(pre << "training stopped: the loss became " << r.loss_sum / r.clips << " at epoch "
                     << epoch << ", step " << step + 1
                     << " (try a lower train.lr or train.clip_grad_norm; the features may "
                        "contain non-finite values)");
      loss_sum += r.loss_sum;
      correct += r.correct;
      seen += r.clips;
      if (!opt.quiet && ((step + 1) % tc.log_every == 0 || step + 1 == per_epoch)) {
        std::string figures = task.progress_text();
        if (figures.empty())
          figures = fmt::format("loss {:.4f} acc {:.3f}", loss_sum / seen, double(correct) / seen);
        progress.update(fmt::format("{}epoch {}/{} step {}/{} {} lr {:.3g} {:.1f} clips/s", pre,
                                    epoch, max_epochs, step + 1, per_epoch, figures, lr,
                                    seen / seconds_since(t_epoch)));
      }
    }
    const double train_secs = seconds_since(t_epoch);
    task.set_training(false);
    const ValidationResult val = task.validate();
    const double epoch_secs = seconds_since(t_epoch);
    const double train_loss = seen ? loss_sum / seen : 0.0;
    const double train_acc = seen ? double(correct) / seen : 0.0;
    res.epochs_run = epoch;
    res.iterations_run = iteration;
    const std::string row = fmt::format("{},{},{:.6g},{:.6f},{:.6f},{:.6f},{:.6f},{:.3f},{:.2f}\n",
                                        epoch, iteration, lr, train_loss, train_acc, val.loss,
                                        val.accuracy, epoch_secs, seen / train_secs);
    csv += row;
    if (history.is_open()) {
      history << row;
      history.flush();
    }
    res.history.push_back({{"epoch", epoch},
                           {"iterations", iteration},
                           {"lr", lr},
                           {"train_loss", train_loss},
                           {"train_accuracy", train_acc},
                           {"validation_loss", val.loss},
                           {"validation_accuracy", val.accuracy}});
    const bool best =
        val.accuracy > res.best_validation_accuracy ||
        (val.accuracy == res.best_validation_accuracy && val.loss < res.best_validation_loss);
    if (best) {
      res.best_epoch = epoch;
      res.best_validation_accuracy = val.accuracy;
      res.best_validation_loss = val.loss;
      task.save_best(epoch, val.accuracy);
    }
    // Patience counts epochs since the best checkpoint was last replaced.
    since_best = best ? 0 : since_best + 1;
    if (!opt.quiet) {
      std::string figures = task.progress_text();
      if (figures.empty())
        figures = fmt::format("train loss {:.4f} acc {:.3f} | val loss {:.4f} acc {:.3f}{}",
                              train_loss, train_acc, val.loss, val.accuracy, best ? " (best)" : "");
      progress.finish(fmt::format("{}epoch {}/{}: {} | {:.1f} s, {:.1f} clips/s", pre, epoch,
                                  max_epochs, figures, epoch_secs, seen / train_secs));
    }
    res.stopped_early = tc.early_stopping_patience > 0 &&
                        since_best >= tc.early_stopping_patience && iteration < total;
    save_state(epoch);
    if (res.stopped_early && !opt.quiet)
      progress.finish(
          fmt::format("{}early stop: no better validation accuracy for {} epochs "
                      "(best {:.4f} at epoch {})",
                      pre, since_best, res.best_validation_accuracy, res.best_epoch));
  }
  res.seconds = seconds_before + seconds_since(t_train);
  return res;
}

}  // namespace mgr::train
