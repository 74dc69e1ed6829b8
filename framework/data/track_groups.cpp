#include "framework/data/track_groups.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>

#include "framework/data/audio_io.h"
#include "kernels/error.h"

namespace mgr::data {

namespace {

int resolved_threads(int threads) {
  return threads > 0 ? threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

// One group decoded by `threads` workers; each writes only its own slots.
DecodedGroup decode_group(const std::vector<Track>& candidates, int begin, int end,
                          const GroupDecodeOptions& o) {
  const int n = end - begin;
  std::vector<std::vector<float>> audio(static_cast<size_t>(n));
  std::vector<std::string> errors(static_cast<size_t>(n));
  AudioLimits limits;
  limits.max_seconds = o.max_track_seconds;
  std::atomic<int> next{0};
  auto worker = [&] {
    for (int i = next++; i < n; i = next++) {
      const std::string& path = candidates[static_cast<size_t>(begin + i)].path;
      try {
        audio[static_cast<size_t>(i)] = load_audio(path, o.sample_rate, limits);
      } catch (const std::exception& e) {
        // load_audio's messages start with the path already; keep one line.
        std::string reason = e.what();
        if (reason.rfind(path + ": ", 0) == 0) reason = reason.substr(path.size() + 2);
        std::replace(reason.begin(), reason.end(), '\n', ' ');
        errors[static_cast<size_t>(i)] = path + ": " + (reason.empty() ? "unknown error" : reason);
      }
    }
  };
  const int t = std::max(1, std::min(resolved_threads(o.threads), n));
  std::vector<std::thread> pool;
  for (int k = 1; k < t; ++k) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();

  DecodedGroup g;
  g.begin = begin;
  g.end = end;
  for (int i = 0; i < n; ++i) {
    if (!errors[static_cast<size_t>(i)].empty()) {
      g.problems.push_back(std::move(errors[static_cast<size_t>(i)]));
      continue;
    }
    g.decoded.push_back(begin + i);
    g.audio.push_back(std::move(audio[static_cast<size_t>(i)]));
  }
  return g;
}

}  // namespace

struct TrackGroupDecoder::Impl {
  const std::vector<Track>& candidates;
  int next_begin, end, group;
  GroupDecodeOptions options;
  std::future<DecodedGroup> pending;  // the group decoded in the background

  Impl(const std::vector<Track>& c, int b, int e, const GroupDecodeOptions& o)
      : candidates(c), next_begin(b), end(e), options(o) {
    group = o.group_tracks > 0 ? o.group_tracks : std::max(8, 4 * resolved_threads(o.threads));
  }
  void start() {
    if (next_begin >= end) return;
    const int b = next_begin, e = std::min(end, next_begin + group);
    next_begin = e;
    pending = std::async(std::launch::async,
                         [this, b, e] { return decode_group(candidates, b, e, options); });
  }
};

TrackGroupDecoder::TrackGroupDecoder(const std::vector<Track>& candidates, int begin, int end,
                                     const GroupDecodeOptions& o)
    : impl_(std::make_unique<Impl>(candidates, begin, end, o)) {
  MGR_CHECK(begin >= 0 && begin <= end && static_cast<size_t>(end) <= candidates.size(),
            "TrackGroupDecoder: range [" << begin << ", " << end << ") outside the "
                                         << candidates.size() << " candidates");
  MGR_CHECK(o.sample_rate > 0, "TrackGroupDecoder: sample_rate must be positive");
  impl_->start();
}

TrackGroupDecoder::~TrackGroupDecoder() {
  if (impl_ && impl_->pending.valid()) impl_->pending.wait();
}

std::optional<DecodedGroup> TrackGroupDecoder::next() {
  if (!impl_->pending.valid()) return std::nullopt;
  DecodedGroup g = impl_->pending.get();
  impl_->start();  // the next group decodes while the caller works on this one
  return g;
}

int TrackGroupDecoder::group_tracks() const { return impl_->group; }

std::vector<int64_t> clip_offsets(int64_t track_samples, int64_t clip_samples, int64_t hop_samples,
                                  int max_clips) {
  MGR_CHECK(clip_samples > 0 && hop_samples > 0, "clip_offsets: clip and hop must be positive");
  std::vector<int64_t> out;
  for (int64_t off = 0; off + clip_samples <= track_samples; off += hop_samples) {
    if (max_clips > 0 && static_cast<int>(out.size()) >= max_clips) break;
    out.push_back(off);
  }
  return out;
}

}  // namespace mgr::data
