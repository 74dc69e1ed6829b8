// Batches read from the feature cache on disk (features.storage disk): rows gathered by index
// from the table's HDF5 files, standardised per batch with the training statistics, moved to the
// device. A reader thread works through the planned order (FeatureSource::plan) up to
// `read_ahead` batches ahead, so reading overlaps the step that uses the batch before (on a GPU,
// the device's work is queued when batch() returns to the host). The rows and their order are
// those of the in-memory table, so a run gives the same metrics either way.
#pragma once

#include <memory>

#include "framework/features/standardise.h"
#include "framework/store/cache_table.h"
#include "framework/store/feature_source.h"

namespace mgr::train {

struct DiskSourceOptions {
  int read_ahead = 2;  // batches read before they are asked for
};

// `table` must outlive the source.
std::unique_ptr<FeatureSource> disk_source(const CacheTable& table,
                                           features::NormalisationStats stats, Device device,
                                           const DiskSourceOptions& opt = {});

}  // namespace mgr::train
