#include "framework/tasks/gan/spectrogram_png.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "kernels/error.h"

namespace mgr::gan {

void viridis_rgb(float v, unsigned char rgb[3]) {
  // matplotlib's viridis at 0, 1/8, ..., 1.
  static const float stops[9][3] = {{68, 1, 84},    {71, 44, 122},  {59, 81, 139},
                                    {44, 113, 142}, {33, 144, 141}, {39, 173, 129},
                                    {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
  const float t = std::clamp((std::isfinite(v) ? v : -1.f) * 0.5f + 0.5f, 0.f, 1.f) * 8.f;
  const int i = std::min(7, static_cast<int>(t));
  const float f = t - float(i);
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<unsigned char>(std::lround(stops[i][c] * (1 - f) + stops[i + 1][c] * f));
}

void write_tile_grid_png(const std::string& path, const std::vector<Tile>& tiles, int columns,
                         int bands, int frames, int gap) {
  MGR_CHECK(columns > 0 && bands > 0 && frames > 0, "png grid: empty geometry");
  const int rows = std::max<int>(1, static_cast<int>((tiles.size() + columns - 1) / columns));
  const int width = columns * frames + (columns + 1) * gap;
  const int height = rows * bands + (rows + 1) * gap;
  std::vector<unsigned char> img(size_t(width) * height * 3, 255);
  for (size_t k = 0; k < tiles.size(); ++k) {
    const std::vector<float>& v = tiles[k].values;
    if (v.empty()) continue;
    MGR_CHECK(v.size() == size_t(bands) * frames, "png grid: tile " << k << " has " << v.size()
                                                                    << " values, expected " << bands
                                                                    << "x" << frames);
    const int r = static_cast<int>(k) / columns, c = static_cast<int>(k) % columns;
    const int x0 = gap + c * (frames + gap), y0 = gap + r * (bands + gap);
    for (int b = 0; b < bands; ++b) {
      const int y = y0 + (bands - 1 - b);  // low frequencies at the bottom
      for (int t = 0; t < frames; ++t)
        viridis_rgb(v[size_t(b) * frames + t], &img[(size_t(y) * width + x0 + t) * 3]);
    }
  }
  std::unique_ptr<FILE, int (*)(FILE*)> fp(std::fopen(path.c_str(), "wb"), &std::fclose);
  MGR_CHECK(fp, "cannot write " << path);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  MGR_CHECK(png, "libpng: cannot create a writer");
  png_infop info = png_create_info_struct(png);
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, info ? &info : nullptr);
    MGR_FAIL("libpng: error while writing " << path);
  }
  png_init_io(png, fp.get());
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y) png_write_row(png, &img[size_t(y) * width * 3]);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
}

}  // namespace mgr::gan
