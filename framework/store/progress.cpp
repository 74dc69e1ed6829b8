#include "framework/store/progress.h"

#include <unistd.h>

namespace mgr::train {

Progress::Progress(std::FILE* out)
    : out_(out), tty_(isatty(fileno(out)) != 0), last_(std::chrono::steady_clock::now()) {}

void Progress::update(const std::string& line, bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    std::fprintf(out_, "\r\033[K%s", line.c_str());
    std::fflush(out_);
    open_line_ = true;
    return;
  }
  if (!force && std::chrono::duration<double>(now - last_).count() < min_seconds_) return;
  last_ = now;
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

void Progress::finish(const std::string& line) {
  if (tty_ && open_line_) std::fprintf(out_, "\r\033[K");
  open_line_ = false;
  std::fprintf(out_, "%s\n", line.c_str());
  std::fflush(out_);
}

}  // namespace mgr::train
