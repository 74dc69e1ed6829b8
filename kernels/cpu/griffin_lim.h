// Griffin-Lim phase reconstruction and the inverse STFT, reference kernels (the CPU twin of
// kernels/cuda/griffin_lim.h): librosa.griffinlim with momentum (Perraudin et al. 2013) on
// FFTW's batched r2c / c2r plans. Spectra are frame-major: [clips * frames, n_fft / 2 + 1]
// (interleaved complex, or real magnitudes), the layout the FFTs read and write.
#pragma once

#include <cstdint>
#include <functional>

#include "kernels/cpu/stft.h"
#include "kernels/shared/host_device.h"

namespace mgr::kernels::cpu {

// The framing shared by the forward and inverse STFT of one call.
struct IstftShape {
  int64_t clips = 0;
  int frames = 0;
  int n_fft = 0;
  int hop = 0;
  bool center = true;    // frame t starts at t hop - n_fft / 2 (the output drops that offset)
  bool reflect = false;  // the forward STFT's centre padding: reflect, or zeros (constant)
  int64_t length = 0;    // output samples per clip

  MGR_HOST_DEVICE int64_t offset() const { return center ? n_fft / 2 : 0; }
  // Samples the overlap-add covers: n_fft + hop (frames - 1).
  MGR_HOST_DEVICE int64_t padded() const { return n_fft + int64_t(hop) * (frames - 1); }
};

// audio [clips, length] = librosa.istft of spec [clips * frames, bins] (interleaved complex):
// the inverse FFT of every frame, windowed, overlap-added and divided by the window's sum of
// squares window_sum [padded()] where that exceeds float32's tiny; samples past the
// overlap-added signal are zero. OpenMP over blocks of output samples.
void istft(float* audio, const float* spec, const IstftShape& s, const float* window,
           const float* window_sum, const RealIfft& ifft);

// librosa.griffinlim: from angles = magnitude * phasor(init), n_iter times: audio = istft(angles),
// rebuilt = stft(audio), angles = magnitude * a / (|a| + eps) with a = rebuilt - momentum /
// (1 + momentum) * (the previous iteration's rebuilt); then audio = istft(angles).
// magnitude [clips * frames, bins]; init_phase [clips * frames, bins] (cos, sin) pairs, or null
// for phase 0 (librosa's init=None). window [n_fft] (the analysis window, zero-padded and
// centred), window_sum as in istft. audio: [clips, s.length]. progress(i) after iteration i
// (may be empty). OpenMP over 16-frame chunks and over output samples.
void griffin_lim(float* audio, const float* magnitude, const float* init_phase, const IstftShape& s,
                 const float* window, const float* window_sum, int n_iter, float momentum,
                 const RealFft& fft, const RealIfft& ifft,
                 const std::function<void(int)>& progress);

}  // namespace mgr::kernels::cpu
