#include "framework/store/disk_source.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace mgr::train {

namespace {

class DiskSource final : public FeatureSource {
 public:
  DiskSource(const CacheTable& table, features::NormalisationStats stats, Device device,
             const DiskSourceOptions& opt)
      : reader_(table),
        stats_(std::move(stats)),
        device_(device),
        clip_shape_(table.clip_shape),
        row_elements_(reader_.row_elements()),
        read_ahead_(std::max(1, opt.read_ahead)),
        thread_([this] { read_ahead_loop(); }) {}

  ~DiskSource() override {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  Shape clip_shape() const override { return clip_shape_; }

  void plan(const std::vector<int>& upcoming) override {
    {
      std::lock_guard<std::mutex> lock(m_);
      ++generation_;
      plan_ = upcoming;
      next_read_ = next_used_ = 0;
      ready_.clear();
      error_.clear();
    }
    cv_.notify_all();
  }

  Tensor batch(const std::vector<int>& idx) override {
    Shape shape = clip_shape_;
    shape.insert(shape.begin(), int64_t(idx.size()));
    Tensor host = Tensor::empty(shape, DType::F32, Device::cpu());
    if (!take_planned(idx, host.f32())) reader_.read_rows(idx, host.f32());
    // Standardised where the table would have been: the same elementwise arithmetic per value.
    if (device_.is_cpu()) {
      features::apply_normalisation_(host, stats_);
      return host;
    }
    Tensor x = host.to(device_);
    features::apply_normalisation_(x, stats_);
    return x;
  }

 private:
  // The rows of idx from the read-ahead queue when idx is what the plan says comes next.
  bool take_planned(const std::vector<int>& idx, float* out) {
    std::unique_lock<std::mutex> lock(m_);
    const size_t n = idx.size();
    if (n == 0 || next_used_ + n > plan_.size() ||
        !std::equal(idx.begin(), idx.end(), plan_.begin() + long(next_used_)))
      return false;
    batch_rows_ = std::max<size_t>(batch_rows_, n);
    cv_.notify_all();  // the window may have grown
    cv_.wait(lock, [&] { return ready_.size() >= n || !error_.empty(); });
    if (!error_.empty()) {
      const std::string e = error_;
      lock.unlock();
      MGR_FAIL(e);
    }
    for (size_t i = 0; i < n; ++i) {
      std::copy(ready_.front().begin(), ready_.front().end(), out + i * size_t(row_elements_));
      ready_.pop_front();
    }
    next_used_ += n;
    lock.unlock();
    cv_.notify_all();
    return true;
  }

  // Reads planned rows in order while fewer than read_ahead batches wait to be taken.
  void read_ahead_loop() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      // Rows ahead of the consumer: read and waiting, or being read (next_read_ - next_used_).
      const auto window = [&] { return size_t(read_ahead_) * batch_rows_; };
      cv_.wait(lock, [&] {
        return stop_ ||
               (error_.empty() && next_read_ < plan_.size() && next_read_ - next_used_ < window());
      });
      if (stop_) return;
      const uint64_t generation = generation_;
      // Up to 16 planned rows per read (consecutive ones become one HDF5 read).
      const size_t n =
          std::min<size_t>({plan_.size() - next_read_, 16, window() - (next_read_ - next_used_)});
      const std::vector<int> rows(plan_.begin() + long(next_read_),
                                  plan_.begin() + long(next_read_ + n));
      next_read_ += n;
      lock.unlock();
      std::vector<float> buf(n * size_t(row_elements_));
      std::string failure;
      try {
        reader_.read_rows(rows, buf.data());
      } catch (const std::exception& e) {
        failure = e.what();
      }
      lock.lock();
      if (generation != generation_) continue;  // re-planned meanwhile: these rows are stale
      if (!failure.empty()) {
        error_ = failure;
      } else {
        for (size_t i = 0; i < n; ++i)
          ready_.emplace_back(buf.begin() + long(i * size_t(row_elements_)),
                              buf.begin() + long((i + 1) * size_t(row_elements_)));
      }
      cv_.notify_all();
    }
  }

  CacheTableReader reader_;
  features::NormalisationStats stats_;
  Device device_;
  Shape clip_shape_;
  int64_t row_elements_;
  int read_ahead_;

  std::mutex m_;
  std::condition_variable cv_;
  std::vector<int> plan_;
  size_t next_read_ = 0, next_used_ = 0;  // plan positions: handed to the reader, taken by batch
  size_t batch_rows_ = 32;                // the largest batch taken since the plan began
  std::deque<std::vector<float>> ready_;  // rows read, in plan order, not taken yet
  uint64_t generation_ = 0;
  std::string error_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after everything above exists
};

}  // namespace

std::unique_ptr<FeatureSource> disk_source(const CacheTable& table,
                                           features::NormalisationStats stats, Device device,
                                           const DiskSourceOptions& opt) {
  return std::make_unique<DiskSource>(table, std::move(stats), device, opt);
}

}  // namespace mgr::train
