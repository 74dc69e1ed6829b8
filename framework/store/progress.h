// Progress display for long work: rewrites one line on a terminal, prints whole lines at a
// fixed interval when the output is a file or pipe (so logs stay readable).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace mgr::train {

using Clock = std::chrono::steady_clock;

// Wall seconds since `t` (the timings in metrics.json and the progress lines).
inline double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

class Progress {
 public:
  explicit Progress(std::FILE* out = stderr);
  // Shows `line`; on a non-terminal only every `min_seconds` unless `force`.
  void update(const std::string& line, bool force = false);
  // Ends the current line (on a terminal) and prints `line` as a permanent line.
  void finish(const std::string& line);

 private:
  std::FILE* out_;
  bool tty_;
  bool open_line_ = false;
  std::chrono::steady_clock::time_point last_;
  double min_seconds_ = 5.0;
};

}  // namespace mgr::train
