// Training one classifier from a plan on chosen examples into a folder of the run directory,
// and its predictions: what the task kinds that train networks (network, tree) share.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/engine/classifier_task.h"
#include "framework/engine/run_setup.h"
#include "framework/engine/trainer.h"
#include "framework/graph/graph_model.h"

namespace mgr::train {

struct TrainedClassifier {
  std::unique_ptr<graph::GraphModel> model;  // the best checkpoint, loaded
  TrainLoopResult trained;
  std::string checkpoint;
};

struct ClassifierJob {
  std::shared_ptr<const graph::GraphPlan> plan;
  config::TrainConfig train;
  uint64_t seed = 1;
  std::vector<int> labels;  // per feature row; rows not trained on: anything
  std::vector<int> train_rows, validation_rows;
  std::string dir;    // best_model.h5, history.csv, model_summary.txt, learning_curves.svg
  std::string label;  // prefix of progress lines ("" for a flat run)
};

// Builds the network, trains it with validation each epoch, keeps and reloads the best
// checkpoint.
TrainedClassifier train_classifier(RunSetup& s, const ClassifierJob& job, bool quiet);

// {model_parameters, model_layers, best_epoch, epochs_run, iterations_run, stopped_early,
//  validation: {clip_accuracy, loss}}.
nlohmann::json training_json(TrainedClassifier& c);

// The softmax rows of `model` for feature rows `rows` (evaluation mode, no labels needed).
std::vector<float> predict_probabilities(graph::GraphModel& model, FeatureSource& source,
                                         const std::vector<int>& rows, int batch_size);

}  // namespace mgr::train
