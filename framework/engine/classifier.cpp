#include "framework/engine/classifier.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "framework/autograd/var.h"
#include "framework/engine/checkpoint.h"
#include "framework/engine/report.h"
#include "framework/graph/model_check.h"
#include "framework/ops/loss.h"

namespace mgr::train {

namespace fs = std::filesystem;

TrainedClassifier train_classifier(RunSetup& s, const ClassifierJob& job, bool quiet) {
  fs::create_directories(job.dir);
  const fs::path dir(job.dir);
  MGR_CHECK(s.clip_shape == job.plan->input, "the features are "
                                                 << shape_str(s.clip_shape)
                                                 << " per clip, the model was planned for "
                                                 << shape_str(job.plan->input));
  TrainedClassifier out;
  out.model = std::make_unique<graph::GraphModel>(job.plan, job.seed);
  out.model->to(s.device);
  const std::string summary = out.model->summary_text();
  std::ofstream(dir / "model_summary.txt") << summary;
  s.say((job.label.empty() ? "model:\n" : "model of " + job.label + ":\n") + summary);

  out.checkpoint = (dir / "best_model.h5").string();
  ClassifierTask task(*out.model, *s.source, job.labels, s.tracks, job.validation_rows, job.train,
                      out.checkpoint, job.seed, s.cfg.data.sample_rate);
  TrainLoopOptions lo;
  lo.train = job.train;
  lo.history_csv = (dir / "history.csv").string();
  lo.label = job.label;
  lo.quiet = quiet;
  lo.shuffle_seed = job.seed;
  lo.state_path = (dir / "training_state.h5").string();
  lo.resume = s.resume;
  out.trained = run_training(task, job.train_rows, lo);
  load_checkpoint(out.checkpoint, *out.model);
  return out;
}

nlohmann::json training_json(TrainedClassifier& c) {
  return {{"model_parameters", c.model->num_parameters()},
          {"model_layers", c.model->summary().size()},
          {"best_epoch", c.trained.best_epoch},
          {"epochs_run", c.trained.epochs_run},
          {"iterations_run", c.trained.iterations_run},
          {"stopped_early", c.trained.stopped_early},
          {"validation",
           {{"clip_accuracy", c.trained.best_validation_accuracy},
            {"loss", c.trained.best_validation_loss}}}};
}

std::vector<float> predict_probabilities(graph::GraphModel& model, FeatureSource& source,
                                         const std::vector<int>& rows, int batch_size) {
  model.eval();
  NoGradGuard no_grad;
  std::vector<float> probs;
  source.plan(rows);
  for (size_t start = 0; start < rows.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(rows.size(), start + static_cast<size_t>(batch_size));
    const std::vector<int> idx(rows.begin() + static_cast<long>(start),
                               rows.begin() + static_cast<long>(end));
    const std::vector<float> p =
        ops::softmax(model.forward(Var(source.batch(idx))).value()).to_vector();
    probs.insert(probs.end(), p.begin(), p.end());
  }
  return probs;
}

}  // namespace mgr::train
