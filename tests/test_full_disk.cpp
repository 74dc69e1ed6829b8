// A full disk at a write: one line naming the file and "no space left on device", no HDF5 error
// stack, no temporary left behind, and the file that was there before left as it was. The
// disk is a real small file system (a 600 KiB tmpfs mounted for the test), so the failure is the
// kernel's own ENOSPC; where mounting is not allowed (not root) the cases skip and say so.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "framework/store/atomic_write.h"
#include "framework/store/h5_tensor.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr::train {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using ::testing::HasSubstr;

// A tmpfs of `kib` KiB mounted at a fresh folder, unmounted on exit.
struct SmallDisk {
  test::TempDir dir{"full_disk"};
  bool mounted = false;
  explicit SmallDisk(int kib) {
    const std::string opts = "size=" + std::to_string(kib) + "k";
    mounted = ::mount("tmpfs", dir.path.c_str(), "tmpfs", 0, opts.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted) ::umount(dir.path.c_str());
  }
  std::string file(const std::string& f) const { return dir.file(f); }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& e : fs::directory_iterator(dir.path)) n.push_back(e.path().filename());
    return n;
  }
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

#define REQUIRE_SMALL_DISK(disk)                                                                  \
  if (!(disk).mounted)                                                                            \
  GTEST_SKIP() << "cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN); the full-disk " \
                  "cases run in CI"

TEST(FullDisk, TextFileFailsInOneLineAndKeepsTheOldFile) {
  SmallDisk disk(600);
  REQUIRE_SMALL_DISK(disk);
  write_file_atomically(disk.file("metrics.json"), "{\"old\": true}\n");
  const std::string big(2 << 20, 'x');  // 2 MiB onto 600 KiB
  const std::string e = error_of([&] { write_file_atomically(disk.file("metrics.json"), big); });
  EXPECT_EQ(e, "cannot write " + disk.file("metrics.json") + ": no space left on device");
  EXPECT_EQ(read(disk.file("metrics.json")), "{\"old\": true}\n");
  EXPECT_EQ(disk.names(), std::vector<std::string>{"metrics.json"});
}

TEST(FullDisk, Hdf5FileFailsInOneLineWithoutALibraryStack) {
  SmallDisk disk(600);
  REQUIRE_SMALL_DISK(disk);
  const std::string path = disk.file("best_model.h5");
  const Tensor small = test::random_tensor({16}, 1);
  h5::write_file_atomically(path, [&](hid_t f) { h5::write_tensor(f, "parameters/w", small); });
  const std::string before = read(path);
  const Tensor big = test::random_tensor({512, 1024}, 2);  // 2 MiB of floats
  testing::internal::CaptureStderr();
  const std::string e = error_of([&] {
    h5::write_file_atomically(path, [&](hid_t f) { h5::write_tensor(f, "parameters/w", big); });
  });
  const std::string printed = testing::internal::GetCapturedStderr();
  EXPECT_EQ(e, "cannot write " + path + ": no space left on device");
  EXPECT_EQ(printed, "") << "HDF5 printed its error stack";
  EXPECT_EQ(read(path), before);
  EXPECT_EQ(disk.names(), std::vector<std::string>{"best_model.h5"});
  // After freeing space the same write succeeds.
  fs::remove(path);
  h5::write_file_atomically(path, [&](hid_t f) { h5::write_tensor(f, "parameters/w", small); });
  EXPECT_TRUE(fs::exists(path));
}

TEST(FullDisk, ReasonNamesOtherFailuresPlainly) {
  EXPECT_EQ(write_failure_reason("/tmp/x", ENOSPC), "no space left on device");
  EXPECT_EQ(write_failure_reason("/tmp/x", EACCES), "permission denied");
  test::TempDir d("readonly_parent");
  const std::string e =
      error_of([&] { write_file_atomically(d.file("missing/folder/file.json"), "x"); });
  EXPECT_THAT(e, HasSubstr("cannot write " + d.file("missing/folder/file.json") + ": "));
  EXPECT_THAT(e, HasSubstr("no such file or directory"));
}

}  // namespace
}  // namespace mgr::train
