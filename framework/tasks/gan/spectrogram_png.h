// Spectrograms as PNG images (libpng): a [bands, frames] tile in [-1, 1] becomes a colour image
// with the lowest band at the bottom, through a perceptually ordered colour map (viridis, as
// librosa.display's default for dB). Grids put tiles side by side: real clips beside generated.
#pragma once

#include <string>
#include <vector>

namespace mgr::gan {

// One tile: `bands` x `frames` values in [-1, 1] (row-major, band 0 first); empty: a blank cell.
struct Tile {
  std::vector<float> values;
};

// Writes an 8-bit RGB PNG of `rows` x `columns` tiles (row-major in `tiles`; missing ones
// blank) of bands x frames pixels each, `gap` white pixels between them. Throws mgr::Error when
// the file cannot be written.
void write_tile_grid_png(const std::string& path, const std::vector<Tile>& tiles, int columns,
                         int bands, int frames, int gap = 2);

// The colour of v in [-1, 1] (clamped): viridis, interpolated between 9 of its stops.
void viridis_rgb(float v, unsigned char rgb[3]);

}  // namespace mgr::gan
