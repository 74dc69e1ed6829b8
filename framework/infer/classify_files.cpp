#include "framework/infer/classify_files.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include "framework/data/audio_io.h"
#include "framework/infer/streaming_scorer.h"

namespace mgr::infer {

namespace fs = std::filesystem;

bool is_audio_file_name(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* e : {".wav", ".flac", ".ogg", ".opus", ".mp3", ".au", ".aiff", ".aif"})
    if (ext == e) return true;
  return false;
}

FoundFiles find_audio_files(const std::vector<std::string>& inputs) {
  FoundFiles out;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (!fs::is_directory(in, ec)) {
      out.files.push_back(in);
      continue;
    }
    std::vector<std::string> found;
    // Unreadable subfolders are skipped rather than ending the search.
    for (fs::recursive_directory_iterator it(in, fs::directory_options::skip_permission_denied, ec),
         end;
         !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && is_audio_file_name(it->path().string()))
        found.push_back(it->path().string());
    }
    if (found.empty())
      out.problems.push_back(in + ": no audio files (.wav .flac .ogg .opus .mp3 .au .aiff) found" +
                             (ec ? " (" + ec.message() + ")" : std::string()));
    std::sort(found.begin(), found.end());
    out.files.insert(out.files.end(), found.begin(), found.end());
  }
  return out;
}

namespace {

// A piece of one file's audio, in order; the last piece of a file says so (and carries the
// error, if decoding failed).
struct Block {
  std::vector<float> samples;
  bool last = false;
  bool cut = false;
  std::string error;
};

// Decoder threads take files in order, at most `files_ahead` files ahead of the consumer, and
// hand each file's blocks over through that file's own queue of at most `blocks` blocks: a
// decoder waits for its file's queue, never another's, so the consumer can always go on.
class DecodeQueue {
 public:
  DecodeQueue(const std::vector<std::string>& files, int sample_rate,
              const ClassifyFilesOptions& opt)
      : files_(files),
        sample_rate_(sample_rate),
        files_ahead_(std::max(1, opt.queue_files)),
        blocks_(std::max(1, opt.queue_blocks)),
        block_samples_(std::max<size_t>(1, opt.block_samples)),
        max_samples_(opt.max_seconds > 0 ? static_cast<int64_t>(opt.max_seconds * sample_rate)
                                         : -1) {
    const int threads =
        std::min<int>(std::max(1, opt.decode_threads), static_cast<int>(files.size()));
    for (int t = 0; t < threads; ++t) workers_.emplace_back([this] { work(); });
  }
  ~DecodeQueue() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    space_.notify_all();
    for (std::thread& t : workers_) t.join();
  }
  DecodeQueue(const DecodeQueue&) = delete;
  DecodeQueue& operator=(const DecodeQueue&) = delete;

  // The next block of file i (files are taken in order, each to its last block).
  Block take(size_t i) {
    std::unique_lock<std::mutex> lk(mu_);
    ready_.wait(lk, [&] { return !queues_[i].empty(); });
    Block b = std::move(queues_[i].front());
    queues_[i].pop_front();
    if (b.last) {
      queues_.erase(i);
      consumed_ = i + 1;
    }
    lk.unlock();
    space_.notify_all();
    return b;
  }

 private:
  // Queues a block of file i; false when the queue is being torn down.
  bool put(size_t i, Block b) {
    std::unique_lock<std::mutex> lk(mu_);
    space_.wait(lk, [&] { return stop_ || queues_[i].size() < blocks_; });
    if (stop_) return false;
    queues_[i].push_back(std::move(b));
    lk.unlock();
    ready_.notify_all();
    return true;
  }

  void decode(size_t i) {
    try {
      data::AudioLimits limits;
      limits.max_seconds = std::numeric_limits<double>::infinity();  // any length: streamed
      data::AudioStream stream(files_[i], sample_rate_, limits);
      int64_t taken = 0;
      for (;;) {
        Block b;
        size_t want = block_samples_;
        if (max_samples_ >= 0)
          want = static_cast<size_t>(
              std::min<int64_t>(static_cast<int64_t>(want), max_samples_ - taken));
        if (want > 0) stream.read(b.samples, want);
        taken += static_cast<int64_t>(b.samples.size());
        b.cut = max_samples_ >= 0 && taken >= max_samples_ && !stream.finished();
        b.last = b.cut || stream.finished();
        const bool last = b.last;
        if (!put(i, std::move(b)) || last) return;
      }
    } catch (const std::exception& e) {
      Block b;
      b.last = true;
      b.error = e.what();
      if (b.error.empty()) b.error = "unknown error";
      put(i, std::move(b));
    }
  }

  void work() {
    for (;;) {
      size_t i = 0;
      {
        std::unique_lock<std::mutex> lk(mu_);
        space_.wait(lk, [&] {
          return stop_ || next_ >= files_.size() || next_ < consumed_ + files_ahead_;
        });
        if (stop_ || next_ >= files_.size()) return;
        i = next_++;
        queues_[i];  // the file's queue exists from now on
      }
      decode(i);
    }
  }

  const std::vector<std::string>& files_;
  const int sample_rate_;
  const size_t files_ahead_, blocks_, block_samples_;
  const int64_t max_samples_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::map<size_t, std::deque<Block>> queues_;
  size_t next_ = 0, consumed_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

void classify_files(TrainedModel& model, const std::vector<std::string>& files,
                    const ClassifyFilesOptions& opt,
                    const std::function<void(const FileResult&)>& on_result) {
  if (files.empty()) return;
  DecodeQueue queue(files, model.sample_rate(), opt);
  for (size_t i = 0; i < files.size(); ++i) {
    FileResult r;
    r.index = i;
    r.path = files[i];
    StreamingScorer scorer(model, opt.batch_clips);
    // Every block of the file is taken, also after a scoring error, so the queue moves on.
    for (bool last = false; !last;) {
      Block b = queue.take(i);
      last = b.last;
      r.cut = b.cut;
      if (!b.error.empty() && r.ok()) r.error = std::move(b.error);
      if (!r.ok()) continue;
      try {
        scorer.push(b.samples.data(), b.samples.size());
      } catch (const std::exception& e) {
        r.error = files[i] + ": " + e.what();
      }
    }
    if (r.ok()) {
      r.samples = scorer.samples();
      try {
        r.scores = scorer.finish();
      } catch (const std::exception& e) {
        r.error = files[i] + ": " + e.what();
      }
    }
    on_result(r);
  }
}

}  // namespace mgr::infer
