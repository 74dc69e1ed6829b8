// Audio file decoding and writing (host side, once per track): libsndfile decodes, libsamplerate
// resamples, and everything downstream sees mono float samples at one sample rate.
#pragma once

#include <string>
#include <vector>

namespace mgr::data {

// Decodes any format libsndfile reads (wav, au, flac, aiff, ogg, ...) to mono float in [-1, 1]
// (channels averaged) at `target_sr`. When the file's rate differs it is resampled with
// libsamplerate's SRC_SINC_MEDIUM_QUALITY converter: 97 dB SNR and a 90% passband, which is
// inaudibly different from BEST_QUALITY for 22.05 kHz features while several times faster (GTZAN
// is decoded on every cold run). The output length is round(frames * target_sr / file_sr).
// Throws mgr::Error naming the file and the reason on unreadable input, on a file whose header
// promises more audio than it holds (truncated download or copy), and on an empty file.
std::vector<float> load_audio(const std::string& path, int target_sr);

// Writes mono 16-bit PCM; the format comes from the extension (.wav, .au, .flac, .aiff).
// Samples are clipped to [-1, 1]. Throws mgr::Error on failure.
void write_wav(const std::string& path, const std::vector<float>& samples, int sr);

}  // namespace mgr::data
