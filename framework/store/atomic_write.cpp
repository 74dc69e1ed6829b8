#include "framework/store/atomic_write.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "kernels/error.h"

namespace mgr::train {

void write_file_atomically(const std::string& path, const std::string& text) {
  // One temporary per process: a sweep's workers may write the same status file at once.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    MGR_CHECK(out.good(), "cannot write " << tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace mgr::train
