#include "framework/train/atomic_write.h"

#include <filesystem>
#include <fstream>

#include "kernels/error.h"

namespace mgr::train {

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    MGR_CHECK(out.good(), "cannot write " << tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace mgr::train
