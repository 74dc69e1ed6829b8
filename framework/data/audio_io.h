// Audio file decoding and writing (host side, once per track): libsndfile decodes, libsamplerate
// resamples, and everything downstream sees mono float samples at one sample rate.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mgr::data {

// What a file's header may claim before it is believed. Checked before any buffer is sized from
// the header, so a hostile or corrupt header (1 Hz, 100 channels, 2^31 frames) costs nothing.
struct AudioLimits {
  int min_sample_rate = 1000;    // below: no music, and resampling up would blow the length up
  int max_sample_rate = 768000;  // the highest rate audio interfaces offer
  int max_channels = 64;
  double max_seconds = 1200;  // data.max_track_seconds: longer tracks are rejected (+inf: none)
};

// Decodes any format libsndfile reads (wav, au, flac, aiff, ogg vorbis, opus, mp3 with the
// libsndfile 1.1+ MPEG support) to mono float in [-1, 1] (channels averaged) at `target_sr`. When
// the file's rate differs it is resampled with libsamplerate's SRC_SINC_MEDIUM_QUALITY converter:
// 97 dB SNR and a 90% passband, which is inaudibly different from BEST_QUALITY for 22.05 kHz
// features while several times faster (GTZAN is decoded on every cold run). The output length is
// round(frames * target_sr / file_sr). Throws mgr::Error naming the file and the reason on
// unreadable input, on a file whose header promises more audio than it holds (truncated download or
// copy), on an empty file, on header values outside `limits`, on a track longer than
// limits.max_seconds and on NaN or infinite samples (with their count). The file is read in blocks,
// so memory follows the audio actually decoded (at most max_seconds of it), never the length a
// header claims.
std::vector<float> load_audio(const std::string& path, int target_sr,
                              const AudioLimits& limits = {});

// The decoder of load_audio, one block at a time: for audio longer than memory should hold (a DJ
// mix, a concert recording), read() hands out the next samples at `target_sr` while only one
// decoding block and the resampler's state are kept. Every check of load_audio applies (header
// limits, truncation, NaN/infinite samples), each raised by the read() that meets it; a
// limits.max_seconds of +infinity accepts any length. The samples are those of load_audio
// (same length, round(frames * target_sr / file_sr); same values up to the resampler's rounding
// across block boundaries).
class AudioStream {
 public:
  AudioStream(const std::string& path, int target_sr, const AudioLimits& limits = {});
  ~AudioStream();
  AudioStream(AudioStream&&) noexcept;
  AudioStream& operator=(AudioStream&&) noexcept;

  // Appends at most `max_samples` (> 0) next samples to `out` and returns how many; 0 only once
  // the file is exhausted.
  size_t read(std::vector<float>& out, size_t max_samples);
  bool finished() const;
  int file_sample_rate() const;
  // The file's length in seconds as its header states it; negative when the header does not say.
  double header_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes mono 16-bit PCM; the format comes from the extension (.wav, .au, .flac, .aiff).
// Samples are clipped to [-1, 1]. Throws mgr::Error on failure.
void write_wav(const std::string& path, const std::vector<float>& samples, int sr);

}  // namespace mgr::data
