// Training augmentation (train.augment): the transforms of the list applied, in order, to the
// training batches only. Every random parameter of a batch (which clips a transform touches,
// mask positions and widths, gains, shifts, the mixup coefficient and partners, the noise key)
// is drawn on the host from one seeded generator (std::mt19937_64, whose state joins the
// training state); a CUDA kernel or its CPU twin (kernels/cuda/augment.cu, kernels/cpu/augment.cpp,
// arithmetic in kernels/shared/augment.h) then applies them on the device the batch is on, so
// both devices compute the same function for the same seed.
//
// Audio transforms act before the features (features.mode on_the_fly): crop and speed decide
// where in its track each clip is read and how fast (place(), applied by the source while it
// gathers the audio, then resample_rows on the device); gain, polarity, time_shift and noise act
// on the clips' samples [B, S]. Feature transforms (freq_mask, time_mask, mixup) act on the
// standardised batch [B, C, D, T] (masks) or [B, ...] (mixup).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "framework/config/augment_spec.h"
#include "framework/tensor/tensor.h"

namespace mgr::features {

// What mixup did to a batch: x' = lambda x + (1 - lambda) x[partner]; the loss is
// lambda CE(y) + (1 - lambda) CE(y[partner]).
struct MixInfo {
  bool on = false;
  float lambda = 1.f;
  std::vector<int32_t> partner;  // row i mixed with row partner[i]
};

// Where each clip of a batch is read (crop, speed): clip b is read from sample offset[b] of its
// track at rate[b] (1: as recorded; 1.1: 10% faster and higher). Empty vectors: as cut, rate 1.
struct ClipPlacement {
  std::vector<int64_t> offset;
  std::vector<float> rate;
  bool resamples() const;  // some rate differs from 1
};

class Augmenter {
 public:
  Augmenter() = default;
  Augmenter(std::vector<config::AugmentSpec> specs, uint64_t seed, int sample_rate);

  bool empty() const { return specs_.empty(); }
  bool has_audio() const;      // any audio transform (crop, speed, gain, ...) in the list
  bool has_placement() const;  // crop or speed in the list
  bool has_features() const;   // freq_mask, time_mask or mixup in the list

  // crop and speed for one batch: clip b lies in a track of track_samples[b] samples and was cut
  // at offset[b] with clip_samples samples. Speed draws the rates first, then crop draws each
  // offset uniformly among those whose read (clip_samples at its rate) stays inside the track; a
  // clip not cropped keeps its offset, moved earlier when its read would run past the track.
  ClipPlacement place(const std::vector<int64_t>& track_samples, const std::vector<int64_t>& offset,
                      int64_t clip_samples);

  // The audio transforms of the list on samples (all but crop and speed), in order, on `audio`
  // [B, S] in place (its device).
  void audio_(Tensor& audio);
  // The feature transforms of the list, in order, on the batch `x` [B, ...]: the masks in place
  // (they need [B, C, D, T]), mixup into a new tensor. Returns the result and what mixup did.
  Tensor features(Tensor x, MixInfo& mix);

  // The generator's state as text (std::mt19937_64's stream format) and back.
  std::string state() const;
  void restore(const std::string& text);

 private:
  std::vector<config::AugmentSpec> specs_;
  std::mt19937_64 rng_;
  int sample_rate_ = 22050;
};

// True for the transforms that act on audio; placement ones (crop, speed) among them.
bool is_audio_transform(const std::string& type);
bool is_placement_transform(const std::string& type);

// ---- The transforms with their parameters given (the draws of one batch), on the tensor's
// device: the CUDA kernel or the CPU twin. Tests call these with fixed parameters.

// x [B, C, D, T]: for each row b and each of its `count` masks k, the band range
// [start[b*count+k], start + width) of axis 2 (axis = 2, frequency) or the frame range of axis 3
// (axis = 3, time) is set to `fill` in every channel. Width 0 leaves the row as it is.
void mask_(Tensor& x, int axis, const std::vector<int32_t>& start,
           const std::vector<int32_t>& width, int count, float fill);

// speed: the samples a clip read at `rate` needs around its S output samples. Its window starts
// resample_pad(max_rate) samples before the clip's offset and holds
// resample_window(S, max_rate) samples (zeros where it leaves the track).
int64_t resample_pad(float max_rate);
int64_t resample_window(int64_t S, float max_rate);

// windows [B, W] -> [B, S]: row b read at rate[b] from sample `pad` on (windowed-sinc
// interpolation, 16 zero crossings, Hann window, cutoff 0.95 min(1, 1 / rate): kernels/shared/
// augment.h); a row of rate 1 is copied. The CUDA kernel or its CPU twin, same bits.
Tensor resample_rows(const Tensor& windows, int64_t pad, const std::vector<float>& rate, int64_t S);

// y[b] = lambda x[b] + (1 - lambda) x[partner[b]] (rounded the same on both devices).
Tensor mix_rows(const Tensor& x, const std::vector<int32_t>& partner, float lambda);

// audio [B, S]: row b times factor[b] (gain and polarity).
void scale_rows_(Tensor& audio, const std::vector<float>& factor);

// audio [B, S]: row b shifted by shift[b] samples (positive: later); circular wraps the samples
// around, otherwise the samples shifted in are 0.
void shift_rows_(Tensor& audio, const std::vector<int32_t>& shift, bool circular);

// audio [B, S]: row b plus Gaussian noise of standard deviation rms(row b) * 10^(-snr_db[b]/20)
// (a row whose snr_db is NaN is left alone). The noise is a pure function of (key, b, sample)
// (kernels/shared/augment.h), the row's RMS is summed in double.
void add_noise_(Tensor& audio, const std::vector<float>& snr_db, uint64_t key);

}  // namespace mgr::features
