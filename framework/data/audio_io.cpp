#include "framework/data/audio_io.h"

#include <samplerate.h>
#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>

#include "kernels/error.h"

namespace mgr::data {
namespace {

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// libsndfile clamps a truncated WAV/AU/AIFF to the bytes present and only says so in its log:
// "data : 44100 (should be 22028)". A stated size larger than the one present means the file
// lost its tail. (A RIFF/FORM size mismatch alone is common in valid files, so only the data
// chunk counts.)
std::string truncation_in_log(SNDFILE* f) {
  std::string log(16384, '\0');
  sf_command(f, SFC_GET_LOG_INFO, log.data(), static_cast<int>(log.size()));
  log.resize(std::strlen(log.c_str()));
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    const bool data_line = line.find("data :") != std::string::npos ||
                           line.find("Data Size") != std::string::npos ||
                           line.find("SSND :") != std::string::npos;
    const size_t should = line.find("(should be ");
    if (data_line && should != std::string::npos) {
      const size_t colon = line.find(':');
      const long long stated = std::strtoll(line.c_str() + colon + 1, nullptr, 10);
      const long long present = std::strtoll(line.c_str() + should + 11, nullptr, 10);
      if (present < stated) {
        std::ostringstream os;
        os << "truncated: header promises " << stated << " data bytes, file holds " << present;
        return os.str();
      }
    }
    if (line.find("Chunk size") != std::string::npos &&
        line.find("> file length") != std::string::npos) {
      return "truncated: " + line.substr(line.find("Chunk size"));
    }
  }
  return {};
}

std::vector<float> resample(const std::vector<float>& in, int from_sr, int to_sr,
                            const std::string& path) {
  const double ratio = static_cast<double>(to_sr) / from_sr;
  const auto out_len = static_cast<int64_t>(std::llround(static_cast<double>(in.size()) * ratio));
  // A few extra frames of room: the converter may emit slightly more than the rounded length.
  std::vector<float> out(static_cast<size_t>(out_len) + 64, 0.f);
  SRC_DATA d{};
  d.data_in = in.data();
  d.input_frames = static_cast<long>(in.size());
  d.data_out = out.data();
  d.output_frames = static_cast<long>(out.size());
  d.src_ratio = ratio;
  d.end_of_input = 1;
  const int err = src_simple(&d, SRC_SINC_MEDIUM_QUALITY, 1);
  MGR_CHECK(err == 0, path << ": resampling " << from_sr << " -> " << to_sr
                           << " Hz failed: " << src_strerror(err));
  // The sinc filter's delay is compensated by libsamplerate; pad or trim to the exact length.
  out.resize(static_cast<size_t>(out_len), 0.f);
  return out;
}

}  // namespace

std::vector<float> load_audio(const std::string& path, int target_sr) {
  MGR_CHECK(target_sr > 0, "load_audio: target sample rate must be positive, got " << target_sr);
  MGR_CHECK(std::filesystem::exists(path), path << ": no such file");
  SF_INFO info{};
  SndfilePtr f;
  std::string open_error;
  {
    // A failed sf_open leaves its reason in one process-wide slot; tracks decode in parallel,
    // so read that slot under the same lock (opening only parses the header: cheap).
    static std::mutex open_mutex;
    std::lock_guard<std::mutex> lock(open_mutex);
    f.reset(sf_open(path.c_str(), SFM_READ, &info));
    if (!f) open_error = sf_strerror(nullptr);
  }
  MGR_CHECK(f != nullptr, path << ": cannot decode: " << open_error);
  MGR_CHECK(info.channels > 0 && info.samplerate > 0, path << ": bad header (" << info.channels
                                                           << " channels, " << info.samplerate
                                                           << " Hz)");
  const std::string truncated = truncation_in_log(f.get());
  MGR_CHECK(truncated.empty(), path << ": " << truncated);
  MGR_CHECK(info.frames > 0, path << ": holds no audio frames");

  const int ch = info.channels;
  std::vector<float> inter(static_cast<size_t>(info.frames) * ch);
  // Read in a loop: some decoders (FLAC) return short counts per call before the end.
  sf_count_t got = 0;
  while (got < info.frames) {
    const sf_count_t n = sf_readf_float(f.get(), inter.data() + got * ch, info.frames - got);
    if (n <= 0) break;
    got += n;
  }
  if (got < info.frames) {
    const int e = sf_error(f.get());
    MGR_FAIL(path << ": truncated or corrupt: header promises " << info.frames
                  << " frames, decoded " << got
                  << (e != SF_ERR_NO_ERROR ? std::string(" (") + sf_strerror(f.get()) + ")"
                                           : std::string()));
  }

  std::vector<float> mono(static_cast<size_t>(info.frames));
  if (ch == 1) {
    mono.swap(inter);
  } else {
    const float inv = 1.f / static_cast<float>(ch);
    for (size_t i = 0; i < mono.size(); ++i) {
      float s = 0.f;
      for (int c = 0; c < ch; ++c) s += inter[i * ch + c];
      mono[i] = s * inv;
    }
  }
  if (info.samplerate == target_sr) return mono;
  return resample(mono, info.samplerate, target_sr, path);
}

void write_wav(const std::string& path, const std::vector<float>& samples, int sr) {
  MGR_CHECK(sr > 0, "write_wav: sample rate must be positive, got " << sr);
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  int major = SF_FORMAT_WAV;
  if (ext == ".au") {
    major = SF_FORMAT_AU;
  } else if (ext == ".flac") {
    major = SF_FORMAT_FLAC;
  } else if (ext == ".aiff" || ext == ".aif") {
    major = SF_FORMAT_AIFF;
  }
  SF_INFO info{};
  info.samplerate = sr;
  info.channels = 1;
  info.format = major | SF_FORMAT_PCM_16;
  SndfilePtr f(sf_open(path.c_str(), SFM_WRITE, &info));
  MGR_CHECK(f != nullptr, path << ": cannot open for writing: " << sf_strerror(f.get()));
  // Float -> int16 in libsndfile scales by 32767 after clipping when this is on; without it,
  // a sample of exactly 1.0 would wrap.
  sf_command(f.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
  const sf_count_t n = static_cast<sf_count_t>(samples.size());
  const sf_count_t wrote = sf_writef_float(f.get(), samples.data(), n);
  MGR_CHECK(wrote == n,
            path << ": wrote " << wrote << " of " << n << " frames: " << sf_strerror(f.get()));
  const int err = sf_close(f.release());
  MGR_CHECK(err == 0, path << ": closing failed: " << sf_error_number(err));
}

}  // namespace mgr::data
