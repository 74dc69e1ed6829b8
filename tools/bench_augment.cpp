// The cost of train.augment per training step (issue 24): one batch as a training step sees it,
// audio [B, S] (synthetic tones, a sweep and a little noise) and its standardised log-mel
// [B, 1, 128, T] from the feature pipeline, then every transform of framework/features/augment.h
// on that batch: with fixed parameters through the free functions (mask_, mix_rows, scale_rows_,
// shift_rows_, add_noise_), and through an Augmenter holding one entry of each type (p 1, the
// type's default keys; the host-side draws are counted). Per row: median and min milliseconds
// per batch over --repeat timed batches after warm-up, and the ratio to the features of the same
// batch (log-mel + standardise), what one step's features cost. The input of each timed batch
// is a fresh copy of the batch (the copy is not timed); on CUDA the stream is synchronised before
// the clock starts and before it stops (parameter uploads are counted).
//   bench_augment [--device cpu|cuda] [--batch 32] [--seconds 3] [--repeat 20] [--threads 2]
// Compare with tools/bench_augment_torch.py (the same batch in torch/torchaudio, the same table).
#include <fmt/format.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "framework/config/augment_types.h"
#include "framework/features/augment.h"
#include "framework/features/pipeline.h"
#include "framework/features/standardise.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#endif

namespace {

using namespace mgr;
using Clock = std::chrono::steady_clock;

// Tones, a sweep and a little noise per clip (deterministic; bench_features' signal).
Tensor synth_audio(int64_t clips, int64_t samples, int sr) {
  std::vector<float> a(size_t(clips * samples));
  for (int64_t b = 0; b < clips; ++b) {
    uint32_t state = 12345u + uint32_t(b) * 7919u;
    const double f0 = 110.0 * double(1 + b % 7), w0 = 2 * std::numbers::pi * f0 / sr;
    for (int64_t i = 0; i < samples; ++i) {
      const double t = double(i) / sr;
      state = state * 1664525u + 1013904223u;
      const double noise = (double(state >> 8) / double(1 << 24) - 0.5) * 0.02;
      a[size_t(b * samples + i)] =
          float(0.3 * std::sin(w0 * double(i)) +
                0.2 * std::sin(2 * std::numbers::pi * (100 + 200 * t) * t) + noise);
    }
  }
  return Tensor::from_vector(a, {clips, samples});
}

struct Timing {
  double median_ms = 0, min_ms = 0;
};

class Bench {
 public:
  Bench(Device dev, int warmup, int repeat) : dev_(dev), warmup_(warmup), repeat_(repeat) {}

  void sync() const {
#if MGR_WITH_CUDA
    if (dev_.is_cuda()) cuda::synchronize(dev_.index);
#endif
  }

  // prepare() untimed, then run() timed; warm-up batches first.
  Timing time(const std::function<void()>& prepare, const std::function<void()>& run) const {
    std::vector<double> ms;
    for (int r = 0; r < warmup_ + repeat_; ++r) {
      prepare();
      sync();
      const auto t0 = Clock::now();
      run();
      sync();
      const double t = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (r >= warmup_) ms.push_back(t);
    }
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.front()};
  }

 private:
  Device dev_;
  int warmup_, repeat_;
};

void header() {
  std::printf("%-11s %-46s %10s %10s %10s\n", "row", "how", "median ms", "min ms", "/features");
}

void row(const std::string& name, const std::string& how, const Timing& t, double features_ms) {
  std::printf("%-11s %-46s %10.3f %10.3f %10.4f\n", name.c_str(), how.c_str(), t.median_ms,
              t.min_ms, t.median_ms / features_ms);
  std::fflush(stdout);
}

// One entry of `type` with p 1 and every key at its declared default.
config::AugmentSpec default_spec(const config::AugmentType& t) {
  config::AugmentSpec s;
  s.type = t.name;
  s.p = 1.0;
  s.where = "bench_augment";
  for (const config::AugmentKey& k : t.keys) s.set(k.name, k.def, "bench_augment");
  return s;
}

std::string keys_text(const config::AugmentSpec& s) {
  std::string out = "Augmenter p 1";
  for (const auto& kv : s.keys) out += " " + kv.first + " " + kv.second;
  return out;
}

int run(const std::string& device, int64_t batch, double seconds, int repeat, int warmup) {
  const int sr = 22050;
  Device dev = Device::cpu();
  if (device == "cuda") {
#if MGR_WITH_CUDA
    if (!cuda_available()) {
      std::printf("bench_augment: --device cuda: no usable CUDA device; nothing timed\n");
      return 0;
    }
    dev = Device::cuda(0);
#else
    std::printf(
        "bench_augment: --device cuda: this binary was built without CUDA; nothing timed\n");
    return 0;
#endif
  }
#if MGR_WITH_CUDA
  std::optional<cuda::DeviceGuard> guard;
  if (dev.is_cuda()) guard.emplace(dev.index);
#endif
  const int64_t S = int64_t(std::llround(seconds * sr));
  const Tensor audio = synth_audio(batch, S, sr).to(dev);

  config::FeatureConfig fc;  // log_mel: n_fft 2048, hop 512, 128 mels, normalize global
  features::FeaturePipeline pipeline(fc, sr, dev);
  const size_t n = static_cast<size_t>(batch);
  std::vector<int> all(n);
  for (int64_t b = 0; b < batch; ++b) all[size_t(b)] = int(b);
  Tensor feats = pipeline(audio);
  const features::NormalisationStats stats =
      features::normalisation_statistics(feats, all, fc.normalize);
  features::apply_normalisation_(feats, stats);  // the standardised batch the transforms see
  std::printf(
      "workload: %lld clips x %.2f s at %d Hz: audio [%lld, %lld], features %s (%s, "
      "normalize %s); device %s; OMP threads %d; %d warm-up + %d timed batches\n",
      (long long)batch, seconds, sr, (long long)batch, (long long)S, feats.str().c_str(),
      fc.type.c_str(), fc.normalize.c_str(), dev.is_cuda() ? "cuda:0" : "cpu",
      omp_get_max_threads(), warmup, repeat);

  const Bench bench(dev, warmup, repeat);
  Tensor work;
  const auto fresh_audio = [&] { work = audio.clone(); };
  const auto fresh_feats = [&] { work = feats.clone(); };

  header();
  Tensor out;
  const Timing tf = bench.time([] {},
                               [&] {
                                 out = pipeline(audio);
                                 features::apply_normalisation_(out, stats);
                               });
  const double fm = tf.median_ms;
  row("features", "FeaturePipeline log_mel + apply_normalisation_", tf, fm);
  row("log_mel", "FeaturePipeline log_mel alone", bench.time([] {}, [&] { out = pipeline(audio); }),
      fm);

  // ---- the free functions, fixed parameters (what one batch's draws could be)
  const int64_t D = feats.dim(2), T = feats.dim(3);
  std::vector<int32_t> fstart(n), fwidth(n, 8), tstart(n), twidth(n, 20), partner(n), shift(n);
  std::vector<float> gain(n), sign(n), snr(n);
  for (int64_t b = 0; b < batch; ++b) {
    const size_t i = size_t(b);
    fstart[i] = int32_t((b * 37) % (D - 8));
    tstart[i] = int32_t((b * 53) % (T - 20));
    partner[i] = int32_t((b + batch / 2 + 1) % batch);
    gain[i] = float(std::pow(10.0, (-6.0 + 12.0 * double(b % 13) / 12.0) / 20.0));
    sign[i] = b % 2 ? -1.f : 1.f;
    shift[i] = int32_t((b * 7919) % (sr + 1) - sr / 2);  // within +-0.5 s
    snr[i] = float(10.0 + 20.0 * double(b % 11) / 10.0);
  }
  row("freq_mask", "mask_ axis 2, 1 mask of 8 bands per clip",
      bench.time(fresh_feats, [&] { features::mask_(work, 2, fstart, fwidth, 1, 0.f); }), fm);
  row("time_mask", "mask_ axis 3, 1 mask of 20 frames per clip",
      bench.time(fresh_feats, [&] { features::mask_(work, 3, tstart, twidth, 1, 0.f); }), fm);
  row("mixup", "mix_rows, lambda 0.7 (allocates the result)",
      bench.time([] {}, [&] { out = features::mix_rows(feats, partner, 0.7f); }), fm);
  row("gain", "scale_rows_, -6..6 dB per clip",
      bench.time(fresh_audio, [&] { features::scale_rows_(work, gain); }), fm);
  row("polarity", "scale_rows_, every other clip -1",
      bench.time(fresh_audio, [&] { features::scale_rows_(work, sign); }), fm);
  row("time_shift", "shift_rows_ circular, |shift| <= 0.5 s",
      bench.time(fresh_audio, [&] { features::shift_rows_(work, shift, true); }), fm);
  row("time_shift", "shift_rows_ zero, |shift| <= 0.5 s",
      bench.time(fresh_audio, [&] { features::shift_rows_(work, shift, false); }), fm);
  row("noise", "add_noise_, SNR 10..30 dB per clip",
      bench.time(fresh_audio, [&] { features::add_noise_(work, snr, 0x5eed); }), fm);

  // speed: resample_rows on every clip's window (the source gathers the window in place of the
  // clip, a copy it makes anyway), every clip at one rate. crop has no kernel: it only moves
  // where the host copies each clip from.
  const std::vector<float> host_audio = audio.cpu().to_vector();
  for (float rate : {1.1f, 0.9f}) {
    const int64_t pad = features::resample_pad(rate), W = features::resample_window(S, rate);
    std::vector<float> win(size_t(batch * W), 0.f);
    for (int64_t b = 0; b < batch; ++b)
      std::copy(host_audio.begin() + b * S, host_audio.begin() + (b + 1) * S,
                win.begin() + b * W + pad);
    const Tensor windows = Tensor::from_vector(win, {batch, W}, dev);
    const std::vector<float> rates(size_t(batch), rate);
    row("speed", fmt::format("resample_rows, every clip at rate {}", rate),
        bench.time([] {}, [&] { out = features::resample_rows(windows, pad, rates, S); }), fm);
  }

  // ---- through an Augmenter, one entry per registered type (host-side draws counted)
  const std::set<std::string> known = {"freq_mask", "time_mask",  "mixup", "gain",
                                       "polarity",  "time_shift", "noise"};
  for (const config::AugmentType& t : config::augment_types()) {
    if (!known.count(t.name)) {
      std::printf(
          "%-11s skipped: bench_augment does not know how to bench this type (acts on "
          "%s)\n",
          t.name.c_str(), t.acts_on.c_str());
      continue;
    }
    const config::AugmentSpec spec = default_spec(t);
    features::Augmenter aug({spec}, 42, sr);
    features::MixInfo mix;
    const bool on_audio = t.acts_on == "audio";
    const Timing tm = on_audio ? bench.time(fresh_audio, [&] { aug.audio_(work); })
                               : bench.time(fresh_feats, [&] { out = aug.features(work, mix); });
    row(t.name, keys_text(spec), tm, fm);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mgr: the cost of train.augment per training step, beside the step's features"};
  std::string device = "cpu";
  int64_t batch = 32;
  double seconds = 3;
  int repeat = 20, warmup = 3, threads = 0;
  app.add_option("--device", device, "cpu | cuda (skipped with a message without a GPU)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  app.add_option("--batch", batch, "clips per batch")->check(CLI::Range(2, 4096));
  app.add_option("--seconds", seconds, "seconds per clip")->check(CLI::Range(1.0, 600.0));
  app.add_option("--repeat", repeat, "timed batches per row (median and min reported)")
      ->check(CLI::Range(1, 10000));
  app.add_option("--warmup", warmup, "untimed batches before each row")->check(CLI::Range(0, 100));
  app.add_option("--threads", threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)")
      ->check(CLI::Range(0, 1024));
  CLI11_PARSE(app, argc, argv);
  try {
    if (threads > 0) omp_set_num_threads(threads);
    return run(device, batch, seconds, repeat, warmup);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_augment: error: %s\n", e.what());
    return 1;
  }
}
