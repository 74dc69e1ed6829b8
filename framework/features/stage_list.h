// The registration files compiled into mgr: X(name) for each framework/features/
// register_<name>.cpp, whose `void register_<name>_stages()` registers that module's feature
// stages and intermediates. A new feature module adds its register_<name>.cpp and its X(name).
#pragma once

#define MGR_FEATURE_STAGE_FILES(X) \
  X(log_mel) X(stft) X(mfcc) X(rhythm) X(chroma) X(spectral) X(pitch) X(vectors) X(normalise)
