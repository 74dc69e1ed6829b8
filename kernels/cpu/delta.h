// Savitzky-Golay derivative along the last axis with scipy's mode='interp' edges (what
// librosa.feature.delta computes). Pointers + sizes only.
#pragma once

#include <cstdint>
#include <vector>

namespace mgr::kernels::cpu {

// Weights W [width positions, width taps] (row-major, double): for a window of `width`
// consecutive samples x[0..width-1], the `deriv`-th derivative (unit sample spacing) at sample
// position p of the least-squares polynomial of degree `polyorder` through the window is
// sum_i W[p, i] x[i]. Row width / 2 is scipy.signal.savgol_coeffs(width, polyorder, deriv)
// (reversed into correlation order); rows 0 .. width/2 - 1 and width/2 + 1 .. width - 1 are
// what scipy's _fit_edges_polyfit evaluates at the two ends. Requires odd width >= 3 and
// deriv <= polyorder < width. Solved by modified Gram-Schmidt QR on centred, scaled positions.
std::vector<double> savgol_position_weights(int width, int polyorder, int deriv);

// y[r, t] for rows r < rows of x [rows, frames] (frames >= width): interior frames use the
// window centred on t and row width/2 of W; the first / last width/2 frames use the first /
// last window and the row of their position in it. Accumulates in double.
void savgol_interp(float* y, const float* x, int64_t rows, int64_t frames, int width,
                   const double* weights);

}  // namespace mgr::kernels::cpu
