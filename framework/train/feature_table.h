// Computes the features of every clip of a dataset into one tensor on the target device: the
// clips' audio is gathered on the host into pinned buffers, uploaded once, and the feature
// stages run on the device in batches, with no host round trip between stages.
#pragma once

#include <string>

#include "framework/data/dataset.h"
#include "framework/features/log_mel.h"

namespace mgr::train {

// Returns f32 [num_clips, n_mels, frames] on `device`.
Tensor compute_log_mel_table(const data::Dataset& ds, const features::LogMelParams& params,
                             Device device, int batch_clips, bool quiet);

}  // namespace mgr::train
