// Scratch folders and damaged copies of files for the tests that read and write audio on disk.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace mgr::test {

// <temp>/mgr_test_<name>_<pid>, emptied on entry and removed on exit. With create = false the
// folder is left absent, for code under test that must create it itself.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name, bool create = true)
      : path(std::filesystem::temp_directory_path() /
             ("mgr_test_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    if (create) std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& f) const { return (path / f).string(); }
};

// Writes the first `keep` fraction of the bytes of `from` to `to` (a file cut short).
inline void truncate_file(const std::filesystem::path& from, const std::filesystem::path& to,
                          double keep) {
  std::ifstream in(from, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream out(to, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(static_cast<double>(bytes.size()) * keep));
}

}  // namespace mgr::test
