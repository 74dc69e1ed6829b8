// Audio file decoding and writing (host side, once per track): libsndfile decodes, libsamplerate
// resamples, and everything downstream sees mono float samples at one sample rate.
#pragma once

#include <string>
#include <vector>

namespace mgr::data {

// What a file's header may claim before it is believed. Checked before any buffer is sized from
// the header, so a hostile or corrupt header (1 Hz, 100 channels, 2^31 frames) costs nothing.
struct AudioLimits {
  int min_sample_rate = 1000;    // below: no music, and resampling up would blow the length up
  int max_sample_rate = 768000;  // the highest rate audio interfaces offer
  int max_channels = 64;
  double max_seconds = 1200;  // data.max_track_seconds: longer tracks are rejected
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

// Writes mono 16-bit PCM; the format comes from the extension (.wav, .au, .flac, .aiff).
// Samples are clipped to [-1, 1]. Throws mgr::Error on failure.
void write_wav(const std::string& path, const std::vector<float>& samples, int sr);

}  // namespace mgr::data
