// model.type knn: its entry in the task-kind registry (framework/tasks/task_kind.h).
#pragma once

#include <vector>

#include "framework/features/vectors.h"
#include "framework/tasks/task_kind.h"

namespace mgr::tasks {

// The named column groups of the clip's flattened feature vector that model.knn.groups may
// weigh: the parts of features.vectors, else one group named after features.type.
std::vector<features::FeatureGroup> knn_feature_groups(const config::ExperimentConfig& c);

// A KNN plans no network: its plan is the clip vector's column groups, model.knn.groups checked
// against them.
struct KnnPlan : TaskPlan {
  std::vector<features::FeatureGroup> groups;
};

}  // namespace mgr::tasks

namespace mgr::train {

// k nearest neighbours on the clips' feature vectors (framework/tasks/knn/knn_run.cpp).
void run_knn(RunSetup& s, const tasks::TaskPlan& plan, const RunOptions& opt, RunResult& result);

}  // namespace mgr::train

namespace mgr::tasks {

const TaskKind& knn_kind();

}  // namespace mgr::tasks
