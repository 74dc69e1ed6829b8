// The Frechet distance between two sets of vectors, each summarised by a Gaussian (mean and
// covariance): ||mu1 - mu2||^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), the FID of Heusel et
// al. 2017 (there on Inception features; here on a genre classifier's penultimate layer). The
// matrix square roots come from symmetric eigendecompositions (cyclic Jacobi, in double), so no
// LAPACK is needed and a covariance that is only positive semi-definite (fewer samples than
// dimensions) is handled by clamping its tiny negative eigenvalues to 0.
#pragma once

#include <cstdint>
#include <vector>

namespace mgr::gan {

struct Gaussian {
  int dim = 0;
  std::vector<double> mean;  // [dim]
  std::vector<double> cov;   // [dim, dim], row-major; unbiased (n - 1)
};

// Mean and covariance of `n` rows of `dim` floats (row-major).
Gaussian fit_gaussian(const std::vector<float>& rows, int64_t n, int dim);

double frechet_distance(const Gaussian& a, const Gaussian& b);

// Eigenvalues (ascending) and eigenvectors (columns of `vectors`, row-major [n, n]) of the
// symmetric matrix `a` [n, n].
void symmetric_eigen(std::vector<double> a, int n, std::vector<double>& values,
                     std::vector<double>& vectors);

}  // namespace mgr::gan
