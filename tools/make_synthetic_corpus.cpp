// Writes (or confirms) the synthetic genre corpus in the GTZAN layout:
//   make_synthetic_corpus --root data/synthetic-gtzan --tracks-per-genre 30 --seconds 30
// A second run with the same options does nothing (see <root>/corpus.json).
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "framework/data/synthetic.h"
#include "kernels/error.h"

int main(int argc, char** argv) {
  mgr::data::SyntheticOptions o;
  o.root = "data/synthetic-gtzan";
  CLI::App app{"Generate the synthetic 10-genre corpus in the GTZAN folder layout"};
  app.add_option("--root", o.root, "output folder (<root>/<genre>/<genre>.NNNNN.wav)");
  app.add_option("--tracks-per-genre", o.tracks_per_genre, "tracks per genre")
      ->check(CLI::Range(1, 99999));
  app.add_option("--seconds", o.track_seconds, "seconds per track")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--sample-rate", o.sample_rate, "sample rate in Hz")
      ->check(CLI::Range(8000, 192000));
  app.add_option("--seed", o.seed, "corpus seed");
  app.add_option("--threads", o.threads, "worker threads (0: all cores)")
      ->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    const auto t0 = std::chrono::steady_clock::now();
    mgr::data::ensure_synthetic_corpus(o, std::cout);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "done in " << s << " s\n";
  } catch (const mgr::Error& e) {
    std::cerr << "make_synthetic_corpus: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
