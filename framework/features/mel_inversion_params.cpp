// MelInversionParams: validation (the single place that states each field's allowed range) and
// the output length.
#include <cmath>

#include "framework/features/mel_inversion.h"

namespace mgr::features {

void MelInversionParams::validate() const {
  mel.validate();
  MGR_CHECK(std::isfinite(db_ref) && db_ref > 0,
            "mel inversion: db_ref = " << db_ref << " must be a positive power (> 0)");
  MGR_CHECK(nnls_iter >= 0 && nnls_iter <= 100000,
            "mel inversion: nnls_iter = " << nnls_iter << " must be in [0, 100000]");
  MGR_CHECK(n_iter >= 0 && n_iter <= 100000,
            "mel inversion: n_iter = " << n_iter << " must be in [0, 100000]");
  // librosa refuses momentum < 0 and warns above 1 ("can be unstable"); here above 1 is an error.
  MGR_CHECK(std::isfinite(momentum) && momentum >= 0 && momentum <= 1,
            "mel inversion: momentum = " << momentum << " must be in [0, 1] (librosa: 0.99)");
  MGR_CHECK(init == "random" || init == "zeros",
            "mel inversion: init = '" << init << "' must be one of random | zeros");
  MGR_CHECK(length >= 0, "mel inversion: length = " << length << " must be >= 0 (0: natural)");
}

int64_t MelInversionParams::output_length(int frames) const {
  MGR_CHECK(frames >= 1, "mel inversion: a spectrogram needs at least one frame, got " << frames);
  if (length == 0) {
    const int64_t n = mel.n_fft + int64_t(mel.hop_length) * (frames - 1);
    const int64_t natural = mel.center ? n - 2 * int64_t(mel.n_fft / 2) : n;
    MGR_CHECK(natural >= 1,
              "mel inversion: one centred frame covers no samples of its own; "
              "set length (1 to hop_length - 1 samples)");
    return natural;
  }
  // librosa's griffinlim re-analyses the output, so its STFT must have the spectrogram's frames.
  const int got = mel.num_frames(length);
  MGR_CHECK(got == frames, "mel inversion: length = " << length << " samples give " << got
                                                      << " frames, the spectrogram has " << frames);
  return length;
}

}  // namespace mgr::features
