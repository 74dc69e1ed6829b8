#include "framework/store/feature_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "framework/features/augment.h"
#include "framework/store/progress.h"
#include "framework/tensor/index.h"
#include "framework/tensor/pinned.h"
#include "kernels/cpu/audio_convert.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/audio_convert.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr::train {

namespace {

// Where the rows of one batch are read in their tracks: the clips as cut (width = clip samples),
// or where ComputeOptions::place puts them, in windows wide enough for their rates (speed).
struct Reads {
  std::vector<int64_t> start;  // row r's first sample in its track (before it: zeros)
  int64_t width = 0;           // samples per row
  int64_t pad = 0;             // speed: the clip's first sample lies `pad` into the window
  std::vector<float> rate;     // empty: no row is resampled
  bool placed = false;         // start differs from the clips' own offsets
};

Reads plan_reads(const data::Dataset& ds, const std::vector<int>& rows, const ComputeOptions& opt) {
  Reads r;
  const int64_t s = ds.clip_samples;
  r.width = s;
  std::vector<int64_t> length;
  for (int row : rows) {
    MGR_CHECK(row >= 0 && size_t(row) < ds.clips.size(), "clip " << row << " out of range");
    const data::Clip& c = ds.clips[size_t(row)];
    r.start.push_back(c.offset);
    length.push_back(int64_t(ds.audio[size_t(c.track_id)].size()));
  }
  if (!opt.place) return r;
  const features::ClipPlacement pl = opt.place(length, r.start, s);
  MGR_CHECK(pl.offset.size() == rows.size() && pl.rate.size() == rows.size(),
            "clip placement: " << pl.offset.size() << " offsets and " << pl.rate.size()
                               << " rates for " << rows.size() << " clips");
  r.placed = true;
  r.start = pl.offset;
  if (!pl.resamples()) return r;
  const float max_rate = *std::max_element(pl.rate.begin(), pl.rate.end());
  r.pad = features::resample_pad(max_rate);
  r.width = features::resample_window(s, max_rate);
  for (int64_t& v : r.start) v -= r.pad;
  r.rate = pl.rate;
  return r;
}

// Copies the rows of one batch into `out` ([rows.size(), reads.width]) as float or int16: the
// clips as cut, or the windows of `reads` (samples outside the track are 0).
void gather_rows(const data::Dataset& ds, const std::vector<int>& rows, const Reads& reads,
                 bool int16, void* out) {
  if (!reads.placed && !int16) {
    data::gather_clips(ds, rows, static_cast<float*>(out));
    return;
  }
  const int64_t w = reads.width;
  for (size_t r = 0; r < rows.size(); ++r) {
    const data::Clip& c = ds.clips[size_t(rows[r])];
    const auto& a = ds.audio[size_t(c.track_id)];
    const int64_t start = reads.start[r], n = int64_t(a.size());
    MGR_CHECK(reads.placed || (start >= 0 && start + w <= n),
              "clip " << rows[r] << " runs past its track");
    // The part of [start, start + w) inside the track: [lo, hi) of the row.
    const int64_t lo = std::clamp<int64_t>(-start, 0, w);
    const int64_t hi = std::clamp<int64_t>(n - start, lo, w);
    if (int16) {
      int16_t* o = static_cast<int16_t*>(out) + int64_t(r) * w;
      std::fill(o, o + lo, int16_t(0));
      kernels::cpu::float_to_int16(o + lo, a.data() + start + lo, hi - lo);
      std::fill(o + hi, o + w, int16_t(0));
    } else {
      float* o = static_cast<float*>(out) + int64_t(r) * w;
      std::fill(o, o + lo, 0.f);
      std::copy(a.data() + start + lo, a.data() + start + hi, o + lo);
      std::fill(o + hi, o + w, 0.f);
    }
  }
}

// The clips of a batch from its gathered rows [b, width] on the pipeline's device: the rows
// resampled to clip length where the placement asked for speed, then the audio transforms.
Tensor finish_audio(Tensor audio, const Reads& reads, int64_t clip_samples,
                    const ComputeOptions& opt) {
  if (!reads.rate.empty())
    audio = features::resample_rows(audio, reads.pad, reads.rate, clip_samples);
  if (opt.audio_transform) opt.audio_transform(audio);
  return audio;
}

std::vector<int> slice(const std::vector<int>& v, int64_t start, int64_t count) {
  return {v.begin() + start, v.begin() + start + count};
}

Tensor compute_cpu(const data::Dataset& ds, const std::vector<int>& clips,
                   features::FeaturePipeline& pipeline, Tensor& table, int64_t batch,
                   const ComputeOptions& opt) {
  const int64_t n = int64_t(clips.size()), s = ds.clip_samples;
  const bool int16 = pipeline.config().upload == "int16";
  std::vector<int16_t> q;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t b = std::min(batch, n - start);
    const std::vector<int> rows = slice(clips, start, b);
    const Reads reads = plan_reads(ds, rows, opt);
    const int64_t w = reads.width;
    Tensor audio = Tensor::empty({b, w}, DType::F32, Device::cpu());
    if (int16) {
      q.resize(size_t(b * w));
      gather_rows(ds, rows, reads, true, q.data());
      kernels::cpu::int16_to_float(audio.f32(), q.data(), b * w);
    } else {
      gather_rows(ds, rows, reads, false, audio.f32());
    }
    audio = finish_audio(std::move(audio), reads, s, opt);
    copy_rows(table, start, pipeline(audio));
    if (opt.progress) opt.progress(start + b, n);
  }
  return table;
}

#if MGR_WITH_CUDA
// Upload on a copy stream, compute on the device stream:
//   host:    gather k into staging[k%2] (after the upload of k-2 from it finished)
//   copy:    wait consumed[k%2] (compute of k-2 done with dev[k%2]); H2D; record uploaded[k%2]
//   compute: wait uploaded[k%2]; (int16 -> float); pipeline; copy into the table;
//            record consumed[k%2]
Tensor compute_cuda(const data::Dataset& ds, const std::vector<int>& clips,
                    features::FeaturePipeline& pipeline, Tensor& table, int64_t batch,
                    const ComputeOptions& opt) {
  const Device device = pipeline.device();
  const int dev = device.index;
  cuda::DeviceGuard g(dev);
  const int64_t n = int64_t(clips.size()), s = ds.clip_samples;
  const bool int16 = pipeline.config().upload == "int16";
  const size_t sample_bytes = int16 ? sizeof(int16_t) : sizeof(float);
  cudaStream_t compute = cuda::stream(dev);
  cudaStream_t copy = nullptr;
  MGR_CUDA_CHECK(cudaStreamCreateWithFlags(&copy, cudaStreamNonBlocking));
  cudaEvent_t uploaded[2], consumed[2], ready = nullptr;
  for (int i = 0; i < 2; ++i) {
    MGR_CUDA_CHECK(cudaEventCreateWithFlags(&uploaded[i], cudaEventDisableTiming));
    MGR_CUDA_CHECK(cudaEventCreateWithFlags(&consumed[i], cudaEventDisableTiming));
  }
  MGR_CUDA_CHECK(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
  // Pinned staging kept across calls and never freed: cudaHostAlloc/cudaFreeHost of two batches
  // (2 x 677 MB for 256 clips of 30 s) cost about as much as the uploads they serve, and would be
  // timed by every bench_features "from host" repetition. Reuse is safe: every call synchronises
  // its copy stream (Cleanup) before it returns or throws. Single-threaded use, like the streams.
  constexpr int kMaxPinnedDevices = 64;
  static PinnedBuffer* pool = new PinnedBuffer[2 * kMaxPinnedDevices];
  MGR_CHECK(dev >= 0 && dev < kMaxPinnedDevices, "bad CUDA device index " << dev);
  PinnedBuffer* staging = pool + 2 * dev;
  Tensor raw[2];  // what the copy stream writes: f32 [b, w], or int16 pairs in i32 words
  int64_t raw_shape[2][2] = {{0, 0}, {0, 0}};
  bool staged[2] = {false, false};
  // Released in order on every exit: wait for the copies that read the pinned buffers first.
  struct Cleanup {
    cudaStream_t copy;
    cudaEvent_t* uploaded;
    cudaEvent_t* consumed;
    cudaEvent_t ready;
    ~Cleanup() {
      cudaStreamSynchronize(copy);
      for (int i = 0; i < 2; ++i) cudaEventDestroy(uploaded[i]), cudaEventDestroy(consumed[i]);
      cudaEventDestroy(ready);
      cudaStreamDestroy(copy);
    }
  } cleanup{copy, uploaded, consumed, ready};

  for (int64_t start = 0, k = 0; start < n; start += batch, ++k) {
    const int slot = int(k & 1);
    const int64_t b = std::min(batch, n - start);
    const std::vector<int> rows = slice(clips, start, b);
    const Reads reads = plan_reads(ds, rows, opt);
    const int64_t w = reads.width;
    if (raw_shape[slot][0] != b || raw_shape[slot][1] != w) {
      // A fresh device buffer may reuse memory that queued compute-stream work still reads (the
      // caching allocator orders reuse on the compute stream only): the copy stream waits.
      const int64_t elems = b * w;
      raw[slot] = int16 ? Tensor::empty({(elems + 1) / 2}, DType::I32, device)
                        : Tensor::empty({b, w}, DType::F32, device);
      raw_shape[slot][0] = b;
      raw_shape[slot][1] = w;
      MGR_CUDA_CHECK(cudaEventRecord(ready, compute));
      MGR_CUDA_CHECK(cudaStreamWaitEvent(copy, ready, 0));
    }
    if (staged[slot]) MGR_CUDA_CHECK(cudaEventSynchronize(uploaded[slot]));
    const size_t bytes = size_t(b * w) * sample_bytes;
    staging[slot].reserve(bytes);
    gather_rows(ds, rows, reads, int16, staging[slot].data());
    if (staged[slot]) MGR_CUDA_CHECK(cudaStreamWaitEvent(copy, consumed[slot], 0));
    MGR_CUDA_CHECK(cudaMemcpyAsync(raw[slot].raw(), staging[slot].data(), bytes,
                                   cudaMemcpyHostToDevice, copy));
    MGR_CUDA_CHECK(cudaEventRecord(uploaded[slot], copy));
    staged[slot] = true;

    MGR_CUDA_CHECK(cudaStreamWaitEvent(compute, uploaded[slot], 0));
    Tensor audio = raw[slot];
    if (int16) {
      audio = Tensor::empty({b, w}, DType::F32, device);
      kernels::cuda::int16_to_float(audio.f32(), static_cast<const int16_t*>(raw[slot].raw()),
                                    b * w, compute);
    }
    // In place on the device buffer of this slot (or on the resampled copy): the next upload
    // into it waits for consumed[slot], recorded after the pipeline has read it.
    audio = finish_audio(std::move(audio), reads, s, opt);
    copy_rows(table, start, pipeline(audio));
    MGR_CUDA_CHECK(cudaEventRecord(consumed[slot], compute));
    if (opt.progress) opt.progress(start + b, n);
  }
  return table;
}
#endif

}  // namespace

Tensor compute_features(const data::Dataset& ds, const std::vector<int>& clips,
                        features::FeaturePipeline& pipeline, const ComputeOptions& opt) {
  MGR_CHECK(!clips.empty() && ds.clip_samples > 0, "no clips to compute features for");
  const int64_t batch = opt.batch_clips > 0 ? opt.batch_clips : pipeline.config().batch_clips;
  MGR_CHECK(batch >= 1, "compute_features: batch_clips must be >= 1");
  Shape shape = pipeline.output_shape(ds.clip_samples);
  shape.insert(shape.begin(), int64_t(clips.size()));
  Tensor table = Tensor::empty(shape, DType::F32, pipeline.device());
  if (pipeline.device().is_cpu()) return compute_cpu(ds, clips, pipeline, table, batch, opt);
#if MGR_WITH_CUDA
  return compute_cuda(ds, clips, pipeline, table, batch, opt);
#else
  MGR_FAIL("compute_features: " << pipeline.device().str() << " needs a CUDA build");
#endif
}

FeatureTable feature_table(const config::ExperimentConfig& cfg, const data::Dataset& ds,
                           features::FeaturePipeline& pipeline, std::ostream& log,
                           const FeatureTableOptions& opt) {
  FeatureTable t;
  std::vector<int> all(ds.clips.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = int(i);
  const Shape clip_shape = pipeline.output_shape(ds.clip_samples);
  const std::string what = fmt::format("{} {}", cfg.features.type, shape_str(clip_shape));
  Progress progress;
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  ComputeOptions co;
  if (!opt.quiet) {
    co.progress = [&](int64_t done, int64_t total) {
      const double secs = elapsed(), rate = done / std::max(secs, 1e-9);
      progress.update(fmt::format("features: {}/{} clips, {:.0f} clips/s, ETA {:.0f} s", done,
                                  total, rate, (total - done) / std::max(rate, 1e-9)));
    };
  }
  t.features = compute_features(ds, all, pipeline, co);
  if (!opt.quiet)
    progress.finish(fmt::format("features: {} clips of {} on {} in {:.1f} s", all.size(), what,
                                pipeline.device().str(), elapsed()));
  log << "features: cache off\n";
  return t;
}

}  // namespace mgr::train
