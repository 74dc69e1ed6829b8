// Audio files for the hostile-input tests: WAV headers written byte by byte (so they can claim
// anything) and float files written by libsndfile (so they can hold NaN and infinity).
#pragma once

#include <gtest/gtest.h>
#include <sndfile.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace mgr::test {

inline void put16(std::ofstream& o, uint16_t v) {
  const char b[2] = {static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)};
  o.write(b, 2);
}
inline void put32(std::ofstream& o, uint32_t v) {
  for (int i = 0; i < 4; ++i) o.put(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// A canonical PCM WAV whose header says what the test wants, followed by `payload_bytes` bytes
// of a quiet ramp (the header may claim far more than that).
inline void write_raw_wav(const std::string& path, uint16_t channels, uint32_t rate, uint16_t bits,
                          uint32_t claimed_data_bytes, size_t payload_bytes) {
  std::ofstream o(path, std::ios::binary);
  o.write("RIFF", 4);
  put32(o, static_cast<uint32_t>(36 + payload_bytes));
  o.write("WAVEfmt ", 8);
  put32(o, 16);
  put16(o, 1);  // PCM
  put16(o, channels);
  put32(o, rate);
  put32(o, rate * channels * (bits / 8u));  // byte rate
  put16(o, static_cast<uint16_t>(channels * (bits / 8u)));
  put16(o, bits);
  o.write("data", 4);
  put32(o, claimed_data_bytes);
  for (size_t i = 0; i < payload_bytes; ++i) o.put(static_cast<char>(i % 7));
}

// A float WAV (or the given format) written by libsndfile, `channels` interleaved.
inline void write_float(const std::string& path, const std::vector<float>& inter, int channels,
                        int sr, int format = SF_FORMAT_WAV | SF_FORMAT_FLOAT) {
  SF_INFO info{};
  info.samplerate = sr;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  ASSERT_NE(f, nullptr) << path << ": " << sf_strerror(nullptr);
  const auto frames = static_cast<sf_count_t>(inter.size()) / channels;
  ASSERT_EQ(sf_writef_float(f, inter.data(), frames), frames);
  sf_close(f);
}

}  // namespace mgr::test
