// generate RUN_DIR [--genre G] [-n N] [--out DIR] [--seed S] [--device D] [--gl-iters K] [--no-wav]
// Asks a trained GAN (a model.type gan run directory of run_experiment) for N new log-mel
// spectrograms, of genre G for a conditional run: DIR/generated.h5 (log_mel_db and the
// generator's [-1, 1] output, with every mel parameter as attributes), DIR/sample_NNN.png,
// DIR/grid.png, and DIR/sample_NNN.wav: the spectrogram turned back into audio (mel pseudo-
// inverse + NNLS, then fast Griffin-Lim; framework/features/mel_inversion.h), peak-normalised.
// See README "Generating spectrograms".
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "framework/data/audio_io.h"
#include "framework/features/mel_inversion.h"
#include "framework/tasks/gan/generated_files.h"
#include "framework/tensor/device.h"

namespace {

// One WAV per spectrogram, from its log-mel dB with the run's own mel parameters. The log-mel
// stage referenced each clip to its own maximum, so loudness is lost: each file is scaled to a
// peak of 0.9.
std::vector<std::string> write_wavs(const mgr::gan::GeneratedMels& mels,
                                    const mgr::gan::LoadedGenerator& g, const std::string& out,
                                    const std::string& device, int iters) {
  mgr::features::MelInversionParams p;
  p.mel = mgr::features::log_mel_params_from(g.config().features, g.config().data.sample_rate);
  p.n_iter = iters;
  std::ostringstream device_log;
  const mgr::Device dev = mgr::resolve_device(device, device_log);
  const auto progress = [](int it, int n) {
    if (it == n || it % 8 == 0) std::fprintf(stderr, "\rgenerate: Griffin-Lim %d/%d", it, n);
    if (it == n) std::fprintf(stderr, "\n");
  };
  const std::vector<std::vector<float>> audio = mgr::features::mel_to_audio_batch(
      mels.db.data(), static_cast<int>(mels.n), mels.bands, mels.frames, p, dev, progress);
  std::vector<std::string> files;
  for (size_t i = 0; i < audio.size(); ++i) {
    std::vector<float> a = audio[i];
    float peak = 0.f;
    for (float v : a) peak = std::max(peak, std::fabs(v));
    if (peak > 0.f)
      for (float& v : a) v *= 0.9f / peak;
    char name[32];
    std::snprintf(name, sizeof name, "sample_%03zu.wav", i);
    const std::string path = (std::filesystem::path(out) / name).string();
    mgr::data::write_wav(path, a, p.mel.sample_rate);
    files.push_back(path);
  }
  return files;
}

}  // namespace

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
  int gl_iters = 64;
  app.add_option("--gl-iters", gl_iters, "Griffin-Lim iterations of the WAV files")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  bool no_wav = false;
  app.add_flag("--no-wav", no_wav, "write the spectrograms only (no mel inversion)");
  CLI11_PARSE(app, argc, argv);
  try {
    mgr::gan::LoadedGenerator g = mgr::gan::LoadedGenerator::load(run, device);
    if (!g.conditional() && !genre.empty())
      std::cerr << "generate: note: this generator is unconditional; --genre " << genre
                << " is ignored\n";
    const mgr::gan::GeneratedMels mels =
        mgr::gan::generate_mels(g, g.conditional() ? genre : std::string(), n, seed);
    std::vector<std::string> files = mgr::gan::write_generated(out, mels, g, run);
    if (!no_wav) {
      const std::vector<std::string> wavs = write_wavs(mels, g, out, device, gl_iters);
      files.insert(files.end(), wavs.begin(), wavs.end());
    }
    std::cerr << "generate: " << mels.n << " spectrograms" << (mels.genre.empty() ? "" : " of ")
              << mels.genre << " (" << mels.bands << " mel bands x " << mels.frames
              << " frames) in " << out << ": generated.h5, sample_*.png, grid.png"
              << (no_wav ? "" : ", sample_*.wav") << "\n";
    for (const std::string& f : files) std::cout << f << "\n";
  } catch (const std::exception& e) {
    std::cerr << "generate: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
