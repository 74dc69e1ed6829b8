// libFuzzer target: bytes -> a file -> data::load_audio at 22050 Hz. Any input must decode or
// give an mgr::Error with a reason, never a crash, a sanitizer report, an allocation beyond the
// limits (libFuzzer's -rss_limit_mb catches one) or another exception type. The extension is
// chosen from the first byte so that every container libsndfile reads is reached. Seed corpus:
// tests/fuzz/corpus/audio (small WAV, FLAC, Ogg, MP3 files).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "framework/data/audio_io.h"
#include "kernels/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* kExt[] = {".wav", ".flac", ".ogg", ".mp3", ".au", ".aiff", ".opus"};
  const std::string path =
      "/tmp/mgr_fuzz_audio_" + std::to_string(getpid()) + kExt[size ? data[0] % 7 : 0];
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  mgr::data::AudioLimits limits;
  limits.max_seconds = 60;  // keeps each execution short; the checks are the same
  try {
    (void)mgr::data::load_audio(path, 22050, limits);
  } catch (const mgr::Error&) {
  }
  std::remove(path.c_str());
  return 0;
}
