// model.type network: one classifier trained on the experiment's features, tested clip by clip
// and track by track.
#include <fmt/format.h>

#include "framework/engine/classifier.h"
#include "framework/engine/metrics.h"
#include "framework/graph/model_check.h"
#include "framework/tasks/network/network_kind.h"

namespace mgr::train {

void run_network(RunSetup& s, const tasks::TaskPlan& plan, const RunOptions& opt,
                 RunResult& result) {
  const config::ExperimentConfig& cfg = s.cfg;
  ClassifierJob job;
  job.plan = tasks::plan_as<tasks::NetworkPlan>(plan).network;
  MGR_CHECK(s.num_classes == graph::model_num_classes(cfg),
            "the corpus has " << s.num_classes << " genres, the model was planned for "
                              << graph::model_num_classes(cfg));
  job.train = cfg.train;
  job.seed = cfg.seed;
  job.labels = s.labels;
  job.train_rows = s.split.train;
  job.validation_rows = s.split.validation;
  job.dir = s.run_dir;
  TrainedClassifier c = train_classifier(s, job, opt.quiet);

  const Predictions test = predict(*c.model, *s.source, s.split.test, s.labels, s.tracks,
                                   evaluation_batch_size(cfg.train));
  nlohmann::json& m = result.metrics;
  m.update(training_json(c));
  m["test"] = test_metrics(test.truth, test.tracks, test.probs, s.num_classes, s.loaded.ds.genres,
                           cfg.evaluation.vote_thresholds);
  m["test"]["loss"] = test.loss;
  m["history"] = c.trained.history;
  m["timing_seconds"]["training"] = c.trained.seconds;
  s.say(fmt::format("test: clip accuracy {:.4f}, track accuracy {:.4f} (best epoch {}){}",
                    m["test"]["clip_accuracy"].get<double>(),
                    m["test"]["track_accuracy"].get<double>(), c.trained.best_epoch,
                    m["leaky"].get<bool>() ? " [leaky split]" : ""));
}

}  // namespace mgr::train
