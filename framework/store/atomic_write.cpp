#include "framework/store/atomic_write.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "kernels/error.h"

namespace mgr::train {

namespace fs = std::filesystem;

std::string write_failure_reason(const std::string& path, int err) {
  std::error_code ec;
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const fs::space_info space = fs::space(dir, ec);
  if (err == ENOSPC || (!ec && space.available < (64u << 10))) return "no space left on device";
  if (err == 0) return "write failed";
  std::string reason = std::strerror(err);
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
  return reason;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  // One temporary per process: a sweep's workers may write the same status file at once.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const auto fail = [&](int err) {
    const std::string reason = write_failure_reason(path, err);  // while the disk is still full
    std::error_code ec;
    fs::remove(tmp, ec);
    MGR_FAIL("cannot write " << path << ": " << reason);
  };
  errno = 0;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail(errno);
    out << text;
    out.flush();
    if (!out.good()) fail(errno);
    out.close();
    if (out.fail()) fail(errno);
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) fail(ec.value());
}

int remove_stale_temporaries(const std::string& dir, const std::string& prefix) {
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const size_t at = name.rfind(".tmp.");
    if (name.rfind(prefix, 0) != 0 || at == std::string::npos || at + 5 >= name.size() ||
        name.find_first_not_of("0123456789", at + 5) != std::string::npos)
      continue;
    long pid = 0;
    try {
      pid = std::stol(name.substr(at + 5));
    } catch (const std::exception&) {
      continue;
    }
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still writing
    std::error_code rm;
    if (entry.is_regular_file(rm) && fs::remove(entry.path(), rm)) ++removed;
  }
  return removed;
}

}  // namespace mgr::train
