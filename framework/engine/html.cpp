#include "framework/engine/html.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>

#include "kernels/error.h"

namespace mgr::train {

namespace {

void put_le(std::string& s, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// A viridis-like ramp through five anchors (dark blue, blue, teal, green, yellow).
std::array<uint8_t, 3> ramp(double t) {
  static const double anchors[5][3] = {
      {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 4.0;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  std::array<uint8_t, 3> c{};
  for (int k = 0; k < 3; ++k)
    c[static_cast<size_t>(k)] =
        static_cast<uint8_t>(std::lround(anchors[i][k] * (1 - f) + anchors[i + 1][k] * f));
  return c;
}

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* const table =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? table[v & 63] : '=';
  }
  return out;
}

std::string bmp_data_uri(const std::vector<float>& values, int rows, int cols) {
  MGR_CHECK(rows > 0 && cols > 0 && values.size() == static_cast<size_t>(rows) * cols,
            "bmp_data_uri: " << values.size() << " values for " << rows << " x " << cols);
  float lo = values[0], hi = values[0];
  for (float x : values) {
    if (!std::isfinite(x)) continue;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const int stride = (cols + 3) / 4 * 4;
  const uint32_t pixels = static_cast<uint32_t>(stride * rows);
  const uint32_t offset = 14 + 40 + 256 * 4;
  std::string b = "BM";
  put_le(b, offset + pixels, 4);
  put_le(b, 0, 4);
  put_le(b, offset, 4);
  put_le(b, 40, 4);  // BITMAPINFOHEADER
  put_le(b, static_cast<uint32_t>(cols), 4);
  put_le(b, static_cast<uint32_t>(rows), 4);  // positive: bottom-up, row 0 at the bottom
  put_le(b, 1, 2);
  put_le(b, 8, 2);
  put_le(b, 0, 4);  // no compression
  put_le(b, pixels, 4);
  put_le(b, 2835, 4);
  put_le(b, 2835, 4);
  put_le(b, 256, 4);
  put_le(b, 0, 4);
  for (int i = 0; i < 256; ++i) {
    const auto c = ramp(i / 255.0);
    b += static_cast<char>(c[2]);  // BGR0
    b += static_cast<char>(c[1]);
    b += static_cast<char>(c[0]);
    b += '\0';
  }
  const double scale = hi > lo ? 255.0 / (hi - lo) : 0.0;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const float x = values[static_cast<size_t>(r) * cols + c];
      b += static_cast<char>(std::isfinite(x) ? std::lround((x - lo) * scale) : 0);
    }
    b.append(static_cast<size_t>(stride - cols), '\0');
  }
  return "data:image/bmp;base64," + base64(b);
}

std::string file_data_uri(const std::string& path, const std::string& mime) {
  std::ifstream in(path, std::ios::binary);
  MGR_CHECK(in, "cannot read '" << path << "'");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return "data:" + mime + ";base64," + base64(bytes);
}

std::string inline_svg(const std::string& svg) {
  const size_t at = svg.find("<svg");
  return at == std::string::npos ? svg : svg.substr(at);
}

}  // namespace mgr::train
