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

// For a file libsndfile could not open: when its extension names a codec this libsndfile was
// built without (MP3 needs >= 1.1 with mpg123 and lame; Vorbis and Opus need libvorbis and
// libopus), say so instead of leaving "unknown format" to puzzle over.
std::string missing_codec(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  SF_INFO probe{};
  probe.samplerate = 48000;  // a rate every one of these codecs takes
  probe.channels = 1;
  const char* codec = nullptr;
  if (ext == ".mp3") {
    probe.format = SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
    codec = "MP3";
  } else if (ext == ".opus") {
    probe.format = SF_FORMAT_OGG | SF_FORMAT_OPUS;
    codec = "Opus";
  } else if (ext == ".ogg" || ext == ".oga") {
    probe.format = SF_FORMAT_OGG | SF_FORMAT_VORBIS;
    codec = "Ogg Vorbis";
  }
  if (codec == nullptr || sf_format_check(&probe)) return {};
  return std::string("; this libsndfile (") + sf_version_string() + ") was built without " + codec +
         " support";
}

// Header values against the limits, before anything is sized from them.
void check_header(const SF_INFO& info, int target_sr, const AudioLimits& lim,
                  const std::string& path) {
  MGR_CHECK(info.channels >= 1 && info.channels <= lim.max_channels,
            path << ": header claims " << info.channels << " channels; accepted: 1 to "
                 << lim.max_channels);
  MGR_CHECK(info.samplerate >= lim.min_sample_rate && info.samplerate <= lim.max_sample_rate,
            path << ": header claims a sample rate of " << info.samplerate << " Hz; accepted: "
                 << lim.min_sample_rate << " to " << lim.max_sample_rate << " Hz");
  // libsamplerate converts within 256:1 only; say so now rather than after decoding.
  MGR_CHECK(src_is_valid_ratio(static_cast<double>(target_sr) / info.samplerate),
            path << ": resampling " << info.samplerate << " -> " << target_sr
                 << " Hz is beyond libsamplerate's 256:1 range");
}

std::string too_long(const std::string& path, sf_count_t frames, int sr, double max_seconds) {
  std::ostringstream os;
  os << path << ": " << static_cast<double>(frames) / sr << " s long (" << frames << " frames at "
     << sr << " Hz); tracks over " << max_seconds << " s are rejected (data.max_track_seconds)";
  return os.str();
}

}  // namespace

std::vector<float> load_audio(const std::string& path, int target_sr, const AudioLimits& limits) {
  MGR_CHECK(target_sr > 0, "load_audio: target sample rate must be positive, got " << target_sr);
  MGR_CHECK(std::isfinite(limits.max_seconds) && limits.max_seconds > 0,
            "load_audio: max_seconds must be positive, got " << limits.max_seconds);
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
  MGR_CHECK(f != nullptr, path << ": cannot decode: " << open_error << missing_codec(path));
  check_header(info, target_sr, limits, path);
  const std::string truncated = truncation_in_log(f.get());
  MGR_CHECK(truncated.empty(), path << ": " << truncated);
  MGR_CHECK(info.frames > 0, path << ": holds no audio frames");
  // SF_COUNT_MAX: the length is unknown until decoded; the limit is then enforced while reading.
  const bool length_known = info.frames != SF_COUNT_MAX;
  const auto max_frames = static_cast<sf_count_t>(std::floor(limits.max_seconds * info.samplerate));
  MGR_CHECK(!length_known || info.frames <= max_frames,
            too_long(path, info.frames, info.samplerate, limits.max_seconds));

  const int ch = info.channels;
  std::vector<float> mono;
  // The header's length, but never more frames than the file has bytes: an uncompressed frame
  // takes at least one byte, and compressed audio grows the vector only as it is decoded.
  std::error_code size_error;
  const auto bytes = std::filesystem::file_size(path, size_error);
  if (length_known && !size_error) {
    mono.reserve(
        static_cast<size_t>(std::min<uintmax_t>(static_cast<uintmax_t>(info.frames), bytes)));
  }
  // Read in blocks (some decoders, FLAC, return short counts before the end anyway), mixing each
  // block down as it comes: only the mono track is kept. A known length is read up to the
  // header's count, as before; an unknown one up to one frame past the limit, which rejects it.
  const sf_count_t want = length_known ? info.frames : max_frames + 1;
  const sf_count_t block = std::max<sf_count_t>(1, (sf_count_t{1} << 16) / ch);
  std::vector<float> buf(static_cast<size_t>(block * ch));
  const float inv = 1.f / static_cast<float>(ch);
  int64_t non_finite = 0;
  sf_count_t got = 0;
  while (got < want) {
    const sf_count_t n = sf_readf_float(f.get(), buf.data(), std::min(block, want - got));
    if (n <= 0) break;
    got += n;
    MGR_CHECK(got <= max_frames, too_long(path, got, info.samplerate, limits.max_seconds)
                                     << " (decoding stopped there)");
    const size_t samples = static_cast<size_t>(n * ch);
    non_finite += std::count_if(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(samples),
                                [](float v) { return !std::isfinite(v); });
    const size_t base = mono.size();
    mono.resize(base + static_cast<size_t>(n));
    for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
      float sum = 0.f;
      for (int c = 0; c < ch; ++c) sum += buf[i * static_cast<size_t>(ch) + static_cast<size_t>(c)];
      mono[base + i] = ch == 1 ? sum : sum * inv;
    }
  }
  if (length_known && got < info.frames) {
    const int e = sf_error(f.get());
    MGR_FAIL(path << ": truncated or corrupt: header promises " << info.frames
                  << " frames, decoded " << got
                  << (e != SF_ERR_NO_ERROR ? std::string(" (") + sf_strerror(f.get()) + ")"
                                           : std::string()));
  }
  MGR_CHECK(got > 0, path << ": holds no audio frames");
  // NaN or infinite samples would poison every feature of every clip of the track.
  MGR_CHECK(non_finite == 0,
            path << ": " << non_finite << " of " << got * ch << " samples are NaN or infinite");

  std::vector<float> out = info.samplerate == target_sr
                               ? std::move(mono)
                               : resample(mono, info.samplerate, target_sr, path);
  // Finite but enormous float samples (1e38) can still overflow when channels are summed or the
  // resampler's filter adds them up.
  const auto overflowed =
      std::count_if(out.begin(), out.end(), [](float v) { return !std::isfinite(v); });
  MGR_CHECK(overflowed == 0, path << ": sample values too large: mixing to mono or resampling "
                                     "overflowed to infinity in "
                                  << overflowed << " samples");
  return out;
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
