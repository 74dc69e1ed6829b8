#include "framework/infer/classify_files.h"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "framework/data/audio_io.h"

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

struct Decoded {
  std::vector<float> audio;
  std::string error;
};

// Decoder threads take files in order and may run at most `capacity` files ahead of the
// consumer; the consumer takes them back in order.
class DecodeQueue {
 public:
  DecodeQueue(const std::vector<std::string>& files, int sample_rate, int threads, int capacity)
      : files_(files), sample_rate_(sample_rate), capacity_(std::max<size_t>(1, capacity)) {
    for (int t = 0; t < std::max(1, threads); ++t) workers_.emplace_back([this] { work(); });
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

  Decoded take(size_t i) {
    std::unique_lock<std::mutex> lk(mu_);
    ready_.wait(lk, [&] { return done_.count(i) != 0; });
    Decoded d = std::move(done_[i]);
    done_.erase(i);
    consumed_ = i + 1;
    lk.unlock();
    space_.notify_all();
    return d;
  }

 private:
  void work() {
    for (;;) {
      size_t i = 0;
      {
        std::unique_lock<std::mutex> lk(mu_);
        space_.wait(
            lk, [&] { return stop_ || next_ >= files_.size() || next_ < consumed_ + capacity_; });
        if (stop_ || next_ >= files_.size()) return;
        i = next_++;
      }
      Decoded d;
      try {
        d.audio = data::load_audio(files_[i], sample_rate_);
      } catch (const std::exception& e) {
        d.error = e.what();
      }
      {
        std::lock_guard<std::mutex> lk(mu_);
        done_[i] = std::move(d);
      }
      ready_.notify_all();
    }
  }

  const std::vector<std::string>& files_;
  const int sample_rate_;
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::map<size_t, Decoded> done_;
  size_t next_ = 0, consumed_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace

void classify_files(TrainedModel& model, const std::vector<std::string>& files,
                    const ClassifyFilesOptions& opt,
                    const std::function<void(const FileResult&)>& on_result) {
  if (files.empty()) return;
  DecodeQueue queue(files, model.sample_rate(),
                    std::min<int>(opt.decode_threads, static_cast<int>(files.size())),
                    opt.queue_files);
  for (size_t i = 0; i < files.size(); ++i) {
    Decoded d = queue.take(i);
    FileResult r;
    r.index = i;
    r.path = files[i];
    r.error = std::move(d.error);
    if (r.ok()) {
      r.samples = static_cast<int64_t>(d.audio.size());
      try {
        r.scores = model.score(d.audio, opt.batch_clips);
      } catch (const std::exception& e) {
        r.error = files[i] + ": " + e.what();
      }
    }
    on_result(r);
  }
}

}  // namespace mgr::infer
