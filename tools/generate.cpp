// generate RUN_DIR [--genre G] [-n N] [--out DIR] [--seed S] [--device D]
// Asks a trained GAN (a model.type gan run directory of run_experiment) for N new log-mel
// spectrograms, of genre G for a conditional run: DIR/generated.h5 (log_mel_db and the
// generator's [-1, 1] output, with every mel parameter as attributes), DIR/sample_NNN.png and
// DIR/grid.png. See README "Generating spectrograms".
#include <CLI/CLI.hpp>
#include <iostream>

#include "framework/gan/generated_files.h"

int main(int argc, char** argv) {
  CLI::App app{"mgr: generate log-mel spectrograms with a trained GAN (a run directory)"};
  std::string run, genre, out = "generated", device = "auto";
  int64_t n = 16;
  uint64_t seed = 1;
  app.add_option("run", run, "run directory of a model.type gan run")->required();
  app.add_option("--genre", genre, "genre to ask a conditional generator for");
  app.add_option("-n", n, "spectrograms to generate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--out", out, "output folder")->capture_default_str();
  app.add_option("--seed", seed, "seed of the latent vectors")->capture_default_str();
  app.add_option("--device", device, "auto | cpu | cuda | cuda:N")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    mgr::gan::LoadedGenerator g = mgr::gan::LoadedGenerator::load(run, device);
    if (!g.conditional() && !genre.empty())
      std::cerr << "generate: note: this generator is unconditional; --genre " << genre
                << " is ignored\n";
    const mgr::gan::GeneratedMels mels =
        mgr::gan::generate_mels(g, g.conditional() ? genre : std::string(), n, seed);
    const std::vector<std::string> files = mgr::gan::write_generated(out, mels, g, run);
    // WAV: the mel -> audio inversion (issue 10 part 4, Griffin-Lim, branch `invert`) is called
    // here once merged, one file per spectrogram, from mels.db ([n, n_mels, frames] dB against
    // each clip's own maximum) and g.mel() (sample_rate, n_fft, hop_length, win_length, window,
    // center, n_mels, fmin, fmax, mel_scale, mel_norm, power). Until then no WAV is written.
    std::cerr << "generate: " << mels.n << " spectrograms" << (mels.genre.empty() ? "" : " of ")
              << mels.genre << " (" << mels.bands << " mel bands x " << mels.frames
              << " frames) in " << out << ": generated.h5, sample_*.png, grid.png; no WAV yet "
              << "(the mel inversion is not part of this build)\n";
    for (const std::string& f : files) std::cout << f << "\n";
  } catch (const std::exception& e) {
    std::cerr << "generate: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
