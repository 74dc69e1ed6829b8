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

struct AudioStream::Impl {
  std::string path;
  int target_sr = 0;
  AudioLimits limits;
  SF_INFO info{};
  SndfilePtr file;
  SRC_STATE* src = nullptr;  // null when the file is at target_sr
  double ratio = 1;
  bool length_known = false;
  sf_count_t max_frames = 0;  // more is rejected (limits.max_seconds)
  sf_count_t want = 0;        // frames to read: the header's count, or one past the limit
  sf_count_t got = 0;
  int64_t non_finite = 0;
  bool input_done = false;  // every frame read, the resampler flushed, the length exact
  int64_t produced = 0;     // samples appended to `pending` so far
  std::vector<float> block, mono, resampled;
  std::vector<float> pending;  // output not yet handed out, from pending_pos
  size_t pending_pos = 0;

  ~Impl() {
    if (src != nullptr) src_delete(src);
  }

  void emit(const float* p, size_t n) {
    // Finite but enormous float samples (1e38) can still overflow when channels are summed or the
    // resampler's filter adds them up.
    const auto overflowed = std::count_if(p, p + n, [](float v) { return !std::isfinite(v); });
    MGR_CHECK(overflowed == 0, path << ": sample values too large: mixing to mono or resampling "
                                       "overflowed to infinity in "
                                    << overflowed << " samples");
    pending.insert(pending.end(), p, p + n);
    produced += static_cast<int64_t>(n);
  }

  void resample(const float* in, size_t n, bool end_of_input) {
    SRC_DATA d{};
    d.data_in = in;
    d.input_frames = static_cast<long>(n);
    d.src_ratio = ratio;
    d.end_of_input = end_of_input ? 1 : 0;
    resampled.resize(static_cast<size_t>(std::ceil(static_cast<double>(n) * ratio)) + 256);
    for (;;) {
      d.data_out = resampled.data();
      d.output_frames = static_cast<long>(resampled.size());
      const int err = src_process(src, &d);
      MGR_CHECK(err == 0, path << ": resampling " << info.samplerate << " -> " << target_sr
                               << " Hz failed: " << src_strerror(err));
      emit(resampled.data(), static_cast<size_t>(d.output_frames_gen));
      d.data_in += d.input_frames_used;
      d.input_frames -= d.input_frames_used;
      const bool stalled = d.input_frames_used == 0 && d.output_frames_gen == 0;
      if (d.input_frames == 0 ? (!end_of_input || d.output_frames_gen == 0) : stalled) break;
    }
  }

  // Reads one block (mixed to mono, resampled) into `pending`; at the end of the file checks
  // what only the end can tell and makes the length exact.
  void decode_block() {
    const int ch = info.channels;
    const sf_count_t frames = std::max<sf_count_t>(1, (sf_count_t{1} << 16) / ch);
    block.resize(static_cast<size_t>(frames * ch));
    const sf_count_t n =
        got < want ? sf_readf_float(file.get(), block.data(), std::min(frames, want - got)) : 0;
    if (n > 0) {
      got += n;
      MGR_CHECK(got <= max_frames, too_long(path, got, info.samplerate, limits.max_seconds)
                                       << " (decoding stopped there)");
      const size_t samples = static_cast<size_t>(n * ch);
      non_finite += std::count_if(block.begin(), block.begin() + static_cast<ptrdiff_t>(samples),
                                  [](float v) { return !std::isfinite(v); });
      // NaN or infinite samples would poison every feature of every clip of the track. Once one
      // is met the rest is only counted, so the message gives the file's total like load_audio.
      if (non_finite > 0) return;
      mono.resize(static_cast<size_t>(n));
      const float inv = 1.f / static_cast<float>(ch);
      for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
        float sum = 0.f;
        for (int c = 0; c < ch; ++c)
          sum += block[i * static_cast<size_t>(ch) + static_cast<size_t>(c)];
        mono[i] = ch == 1 ? sum : sum * inv;
      }
      if (src == nullptr)
        emit(mono.data(), mono.size());
      else
        resample(mono.data(), mono.size(), false);
      return;
    }
    if (length_known && got < info.frames) {
      const int e = sf_error(file.get());
      MGR_FAIL(path << ": truncated or corrupt: header promises " << info.frames
                    << " frames, decoded " << got
                    << (e != SF_ERR_NO_ERROR ? std::string(" (") + sf_strerror(file.get()) + ")"
                                             : std::string()));
    }
    MGR_CHECK(got > 0, path << ": holds no audio frames");
    MGR_CHECK(non_finite == 0,
              path << ": " << non_finite << " of " << got * ch << " samples are NaN or infinite");
    if (src != nullptr) resample(nullptr, 0, true);
    // The sinc filter's delay is compensated by libsamplerate; pad or trim to the exact length.
    const int64_t exact = src == nullptr ? got : std::llround(static_cast<double>(got) * ratio);
    if (produced > exact) {
      pending.resize(pending.size() - static_cast<size_t>(produced - exact));
    } else {
      pending.resize(pending.size() + static_cast<size_t>(exact - produced), 0.f);
    }
    produced = exact;
    input_done = true;
  }
};

AudioStream::AudioStream(const std::string& path, int target_sr, const AudioLimits& limits)
    : impl_(std::make_unique<Impl>()) {
  MGR_CHECK(target_sr > 0, "load_audio: target sample rate must be positive, got " << target_sr);
  MGR_CHECK(!std::isnan(limits.max_seconds) && limits.max_seconds > 0,
            "load_audio: max_seconds must be positive, got " << limits.max_seconds);
  MGR_CHECK(std::filesystem::exists(path), path << ": no such file");
  Impl& s = *impl_;
  s.path = path;
  s.target_sr = target_sr;
  s.limits = limits;
  std::string open_error;
  {
    // A failed sf_open leaves its reason in one process-wide slot; tracks decode in parallel,
    // so read that slot under the same lock (opening only parses the header: cheap).
    static std::mutex open_mutex;
    std::lock_guard<std::mutex> lock(open_mutex);
    s.file.reset(sf_open(path.c_str(), SFM_READ, &s.info));
    if (!s.file) open_error = sf_strerror(nullptr);
  }
  MGR_CHECK(s.file != nullptr, path << ": cannot decode: " << open_error << missing_codec(path));
  check_header(s.info, target_sr, limits, path);
  const std::string truncated = truncation_in_log(s.file.get());
  MGR_CHECK(truncated.empty(), path << ": " << truncated);
  MGR_CHECK(s.info.frames > 0, path << ": holds no audio frames");
  // SF_COUNT_MAX: the length is unknown until decoded; the limit is then enforced while reading.
  s.length_known = s.info.frames != SF_COUNT_MAX;
  const double limit_frames = std::floor(limits.max_seconds * s.info.samplerate);
  s.max_frames = limit_frames < 9e18 ? static_cast<sf_count_t>(limit_frames) : SF_COUNT_MAX - 1;
  MGR_CHECK(!s.length_known || s.info.frames <= s.max_frames,
            too_long(path, s.info.frames, s.info.samplerate, limits.max_seconds));
  // A known length is read up to the header's count; an unknown one up to one frame past the
  // limit, which rejects it.
  s.want = s.length_known ? s.info.frames : s.max_frames + 1;
  if (s.info.samplerate != target_sr) {
    s.ratio = static_cast<double>(target_sr) / s.info.samplerate;
    int err = 0;
    s.src = src_new(SRC_SINC_MEDIUM_QUALITY, 1, &err);
    MGR_CHECK(s.src != nullptr, path << ": cannot start the resampler: " << src_strerror(err));
  }
}

AudioStream::~AudioStream() = default;
AudioStream::AudioStream(AudioStream&&) noexcept = default;
AudioStream& AudioStream::operator=(AudioStream&&) noexcept = default;

size_t AudioStream::read(std::vector<float>& out, size_t max_samples) {
  MGR_CHECK(max_samples > 0, "AudioStream::read: max_samples must be positive");
  Impl& s = *impl_;
  // Until the end, the last few resampled samples are held back: the end may trim them.
  const size_t hold = 64;
  while (!s.input_done && s.pending.size() - s.pending_pos < max_samples + hold) s.decode_block();
  const size_t avail = s.pending.size() - s.pending_pos;
  const size_t n = std::min(max_samples, s.input_done ? avail : avail - std::min(avail, hold));
  out.insert(out.end(), s.pending.begin() + static_cast<ptrdiff_t>(s.pending_pos),
             s.pending.begin() + static_cast<ptrdiff_t>(s.pending_pos + n));
  s.pending_pos += n;
  // Compact once the handed-out part dominates, so `pending` stays about one block long.
  if (s.pending_pos > (size_t{1} << 16) && s.pending_pos * 2 > s.pending.size()) {
    s.pending.erase(s.pending.begin(), s.pending.begin() + static_cast<ptrdiff_t>(s.pending_pos));
    s.pending_pos = 0;
  }
  return n;
}

bool AudioStream::finished() const {
  return impl_->input_done && impl_->pending_pos == impl_->pending.size();
}

int AudioStream::file_sample_rate() const { return impl_->info.samplerate; }

double AudioStream::header_seconds() const {
  return impl_->length_known ? static_cast<double>(impl_->info.frames) / impl_->info.samplerate
                             : -1.0;
}

std::vector<float> load_audio(const std::string& path, int target_sr, const AudioLimits& limits) {
  MGR_CHECK(std::isfinite(limits.max_seconds) && limits.max_seconds > 0,
            "load_audio: max_seconds must be positive, got " << limits.max_seconds);
  AudioStream stream(path, target_sr, limits);
  std::vector<float> out;
  // The header's length, but never more samples than the file has bytes: an uncompressed frame
  // takes at least one byte, and compressed audio grows the vector only as it is decoded.
  std::error_code size_error;
  const auto bytes = std::filesystem::file_size(path, size_error);
  const double seconds = stream.header_seconds();
  if (seconds > 0 && !size_error) {
    const double expected = std::ceil(seconds * target_sr);
    out.reserve(static_cast<size_t>(
        std::min(expected, static_cast<double>(bytes) * target_sr / stream.file_sample_rate())));
  }
  while (stream.read(out, size_t{1} << 20) > 0) {
  }
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
