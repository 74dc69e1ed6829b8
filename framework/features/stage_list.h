// The registration files compiled into mgr: X(name) for each framework/features/
// register_<name>.cpp, whose `void register_<name>_stages()` registers that module's feature
// stages and intermediates. Files still named register_<name>.cpp.pending are not compiled
// (their feature module has not landed); when one is renamed to .cpp, add its X(name) here.
#pragma once

#define MGR_FEATURE_STAGE_FILES(X) \
  X(log_mel) X(stft) X(mfcc) X(rhythm) X(chroma) X(spectral) X(normalise)
