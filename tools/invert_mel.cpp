// invert_mel: audio from mel spectrograms (framework/features/mel_inversion.h), written as WAV.
//
//   invert_mel song.ogg [--config experiments/crnn_gru.yaml] [--set features.n_mels=64]
//              [--offset 30 --seconds 10] [--out song-inverted.wav]
//       a round trip: audio -> the experiment's log-mel (features.type log_mel or mel) -> audio,
//       with the spectral convergence of the result against the original's |STFT|;
//   invert_mel spectrograms.h5 [--dataset features] [--clips 0,3] [--input db|power]
//       each [n_mels, frames] spectrogram of an HDF5 dataset ([n_mels, T], [B, n_mels, T] or
//       [B, 1, n_mels, T], float: a feature cache, or generated spectrograms) -> OUT-<i>.wav.
//
// Parameters (sample rate, n_fft, hop, mel bands, fmin / fmax, scale, norm, power) are the
// experiment's `features` and `data.sample_rate` (librosa's defaults without --config), so a
// spectrogram inverts with the parameters that made it. Progress goes to stderr.
#include <hdf5.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "framework/config/yaml_config.h"
#include "framework/data/audio_io.h"
#include "framework/experiment/load.h"
#include "framework/features/mel_inversion.h"
#include "framework/features/stft.h"

namespace {

using mgr::Device;
using mgr::Tensor;
namespace F = mgr::features;

struct H5 {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5() {
    if (id >= 0) close(id);
  }
};

// The float dataset `name` of an HDF5 file as [B, n_mels, T] (rank 2: one clip; rank 4: the
// channel axis must be 1).
Tensor read_spectrograms(const std::string& path, const std::string& name) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // our messages instead of HDF5's stacks
  H5 file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  MGR_CHECK(file.id >= 0, path << ": not an HDF5 file HDF5 can open");
  MGR_CHECK(H5Lexists(file.id, name.c_str(), H5P_DEFAULT) > 0,
            path << ": no dataset '" << name << "' (choose one with --dataset)");
  H5 ds{H5Dopen2(file.id, name.c_str(), H5P_DEFAULT), H5Dclose};
  MGR_CHECK(ds.id >= 0, path << ": cannot open dataset '" << name << "'");
  H5 type{H5Dget_type(ds.id), H5Tclose};
  MGR_CHECK(H5Tget_class(type.id) == H5T_FLOAT,
            path << ": dataset '" << name << "' is not floating point");
  H5 space{H5Dget_space(ds.id), H5Sclose};
  const int nd = H5Sget_simple_extent_ndims(space.id);
  MGR_CHECK(nd >= 2 && nd <= 4,
            path << ": dataset '" << name << "' has rank " << nd
                 << "; expected [n_mels, T], [B, n_mels, T] or [B, 1, n_mels, T]");
  std::vector<hsize_t> dims(static_cast<size_t>(nd));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  if (nd == 4)
    MGR_CHECK(dims[1] == 1, path << ": dataset '" << name << "' has " << dims[1]
                                 << " channels; one spectrogram per clip expected");
  const int64_t b = nd == 2 ? 1 : int64_t(dims[0]);
  const int64_t mels = int64_t(dims[size_t(nd) - 2]);
  const int64_t frames = int64_t(dims[size_t(nd) - 1]);
  Tensor t = Tensor::empty({b, mels, frames});
  MGR_CHECK(H5Dread(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.f32()) >= 0,
            path << ": cannot read dataset '" << name << "'");
  return t;
}

std::vector<int64_t> parse_clips(const std::string& spec, int64_t available) {
  std::vector<int64_t> out;
  if (spec.empty()) {
    for (int64_t i = 0; i < available; ++i) out.push_back(i);
    return out;
  }
  size_t pos = 0;
  while (pos <= spec.size()) {
    const size_t comma = std::min(spec.find(',', pos), spec.size());
    const std::string item = spec.substr(pos, comma - pos);
    size_t used = 0;
    int64_t v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    MGR_CHECK(used == item.size() && !item.empty(),
              "--clips: '" << item << "' is not a clip index (e.g. --clips 0,3,5)");
    MGR_CHECK(v >= 0 && v < available,
              "--clips: clip " << v << " does not exist (the dataset has " << available << ")");
    out.push_back(v);
    pos = comma + 1;
  }
  return out;
}

// Clip b of [B, ...] as a [1, ...] tensor.
Tensor clip_of(const Tensor& t, int64_t b) {
  const int64_t per = t.numel() / t.dim(0);
  const std::vector<float> all = t.to_vector();
  mgr::Shape s = t.shape();
  s[0] = 1;
  return Tensor::from_vector(
      std::vector<float>(all.begin() + ptrdiff_t(b * per), all.begin() + ptrdiff_t((b + 1) * per)),
      s);
}

std::string output_name(const std::string& out, size_t i, size_t n) {
  if (n == 1) return out;
  const std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + "-" + std::to_string(i) + p.extension().string()))
      .string();
}

// Scales to a peak of `dbfs` (no change for silence).
void normalise_peak(std::vector<float>& y, double dbfs) {
  float peak = 0;
  for (float v : y) peak = std::max(peak, std::abs(v));
  if (peak == 0) return;
  const float g = static_cast<float>(std::pow(10.0, dbfs / 20.0) / peak);
  for (float& v : y) v *= g;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mgr: audio from mel spectrograms (librosa's mel_to_audio: NNLS + Griffin-Lim)"};
  std::string input, out, config, device_spec = "auto", dataset = "features", clips_spec;
  std::string input_kind;
  std::vector<std::string> overrides;
  double offset = 0, seconds = 0, peak_dbfs = -1;
  bool no_normalise = false;
  F::MelInversionParams p;
  app.add_option("input", input, "an audio file (round trip) or an HDF5 file (.h5/.hdf5)")
      ->required();
  app.add_option("--out,-o", out,
                 "WAV to write (several clips: OUT-<i>.wav); default "
                 "<input stem>-inverted.wav here");
  app.add_option("--config", config, "experiment YAML whose features / data.sample_rate to use");
  app.add_option("--set", overrides, "overrides, e.g. --set features.n_mels=64");
  app.add_option("--device", device_spec, "auto | cpu | cuda | cuda:N");
  app.add_option("--offset", offset, "audio input: seconds to skip")->check(CLI::Range(0.0, 1e6));
  app.add_option("--seconds", seconds, "audio input: seconds to keep (0: all)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--dataset", dataset, "HDF5 input: the dataset (default features)");
  app.add_option("--clips", clips_spec, "HDF5 input: clip indices, e.g. 0,3 (default all)");
  app.add_option("--input", input_kind,
                 "HDF5 input holds db (log-mel, the default for "
                 "features.type log_mel) or power (mel)")
      ->check(CLI::IsMember({"db", "power"}));
  app.add_option("--db-ref", p.db_ref, "HDF5 input: the power of 0 dB (1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--n-iter", p.n_iter, "Griffin-Lim iterations (32)")->check(CLI::Range(0, 100000));
  app.add_option("--momentum", p.momentum, "Griffin-Lim momentum (0.99)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--init", p.init, "random | zeros (phase 0)")
      ->check(CLI::IsMember({"random", "zeros"}));
  app.add_option("--seed", p.seed, "random initial phase: numpy RandomState seed (0)");
  app.add_option("--nnls-iter", p.nnls_iter, "mel -> linear refinement steps (100)")
      ->check(CLI::Range(0, 100000));
  app.add_option("--peak", peak_dbfs, "HDF5 input: normalise each WAV to this peak in dBFS (-1)")
      ->check(CLI::Range(-100.0, 0.0));
  app.add_flag("--no-normalise", no_normalise, "HDF5 input: keep the level db_ref gives");
  CLI11_PARSE(app, argc, argv);

  try {
    const mgr::config::ExperimentConfig cfg =
        (config.empty() ? mgr::experiment::parse("", "invert_mel", overrides)
                        : mgr::experiment::load(config, overrides))
            .cfg;
    const std::string type = cfg.features.type;
    MGR_CHECK(type == "log_mel" || type == "mel",
              "invert_mel inverts mel spectrograms: features.type is '"
                  << type << "' (use log_mel or mel, e.g. --set features.type=log_mel)");
    p.mel = F::log_mel_params_from(cfg.features, cfg.data.sample_rate);
    const Device dev = mgr::resolve_device(device_spec, std::cerr);
    const int sr = p.mel.sample_rate;
    const std::string ext = std::filesystem::path(input).extension().string();
    const bool is_h5 = ext == ".h5" || ext == ".hdf5" || ext == ".H5";
    if (out.empty()) out = std::filesystem::path(input).stem().string() + "-inverted.wav";
    std::fprintf(stderr,
                 "invert_mel: %d Hz, n_fft %d, hop %d, %d mels (%s, norm %s, power %.0f); "
                 "nnls %d steps, Griffin-Lim %d iterations, momentum %.2f, init %s; %s\n",
                 sr, p.mel.n_fft, p.mel.hop_length, p.mel.n_mels, p.mel.mel_scale.c_str(),
                 p.mel.mel_norm.c_str(), p.mel.power, p.nnls_iter, p.n_iter, p.momentum,
                 p.init.c_str(), dev.str().c_str());

    // The spectrograms to invert, as mel power [B, n_mels, T] on the device, and what each one
    // is compared against.
    Tensor mel, original_mag;
    std::vector<int64_t> ids;
    if (is_h5) {
      const Tensor all = read_spectrograms(input, dataset);
      MGR_CHECK(all.dim(1) == p.mel.n_mels,
                input << ": dataset '" << dataset << "' has " << all.dim(1)
                      << " rows per spectrogram, the parameters say n_mels = " << p.mel.n_mels
                      << " (--config / --set features.n_mels)");
      ids = parse_clips(clips_spec, all.dim(0));
      std::vector<float> picked;
      for (int64_t b : ids) {
        const std::vector<float> c = clip_of(all, b).to_vector();
        picked.insert(picked.end(), c.begin(), c.end());
      }
      mel = Tensor::from_vector(picked, {int64_t(ids.size()), all.dim(1), all.dim(2)}, dev);
      const bool db = input_kind.empty() ? type == "log_mel" : input_kind == "db";
      F::MelInverter conv(p, dev);
      if (db) mel = conv.power_from_db(mel);
      std::fprintf(stderr, "invert_mel: %zu spectrogram%s of %lld frames from %s:%s (%s)\n",
                   ids.size(), ids.size() == 1 ? "" : "s", static_cast<long long>(all.dim(2)),
                   input.c_str(), dataset.c_str(), db ? "dB" : "power");
    } else {
      std::vector<float> y = mgr::data::load_audio(input, sr);
      const auto skip = static_cast<size_t>(std::llround(offset * sr));
      MGR_CHECK(skip < y.size(), input << ": --offset " << offset << " s is past its end ("
                                       << double(y.size()) / sr << " s)");
      y.erase(y.begin(), y.begin() + ptrdiff_t(skip));
      if (seconds > 0)
        y.resize(std::min(y.size(), static_cast<size_t>(std::llround(seconds * sr))));
      const Tensor audio = Tensor::from_vector(y, {1, int64_t(y.size())}, dev);
      F::LogMelExtractor fwd(p.mel, dev);
      mel = fwd.mel_spectrogram(audio);
      // The log-mel stage's dB (per clip against its maximum, top_db floor) and back: what a
      // network would see. The round trip knows the clip's maximum, so the level is kept.
      if (type == "log_mel") {
        const std::vector<float> m = mel.cpu().to_vector();
        p.db_ref = std::max(double(*std::max_element(m.begin(), m.end())), 1e-30);
        Tensor db = mel.clone();
        F::power_to_db_(db, p.mel);
        mel = F::MelInverter(p, dev).power_from_db(db);
      }
      p.length = int64_t(y.size());
      original_mag =
          F::StftExtractor(F::StftParams::of_framing(p.mel), dev)(audio, F::StftOutput::Magnitude);
      ids = {0};
      std::fprintf(stderr, "invert_mel: %s, %.2f s -> %s [%d x %lld]\n", input.c_str(),
                   double(y.size()) / sr, type.c_str(), p.mel.n_mels,
                   static_cast<long long>(mel.dim(2)));
    }

    F::MelInverter inv(p, dev);
    const auto t0 = std::chrono::steady_clock::now();
    const Tensor estimate = inv.mel_to_stft(mel);
    std::fprintf(stderr, "invert_mel: mel -> linear magnitude (pseudo-inverse + %d steps) %.2f s\n",
                 p.nnls_iter,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    const auto t1 = std::chrono::steady_clock::now();
    int last = -1;
    const Tensor audio = inv.griffin_lim(estimate, [&](int i, int n) {
      const int pct = n > 0 ? 100 * i / n : 100;
      if (pct / 10 != last / 10 || i == n) {
        std::fprintf(stderr, "\rinvert_mel: Griffin-Lim %d/%d iterations", i, n);
        last = pct;
      }
    });
    std::fprintf(stderr, "%sinvert_mel: Griffin-Lim %.2f s\n", p.n_iter > 0 ? "\n" : "",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());

    // Figures: against the magnitude Griffin-Lim inverted, the mel spectrogram, and (round
    // trip) the original audio's magnitude.
    const std::vector<double> sc_est = F::spectral_convergence(audio, estimate, p.mel);
    F::LogMelExtractor fwd(p.mel, dev);
    const std::vector<double> mel_sc = F::relative_distance(fwd.mel_spectrogram(audio), mel);
    std::vector<double> sc_orig;
    if (original_mag.defined()) sc_orig = F::spectral_convergence(audio, original_mag, p.mel);
    const std::vector<float> all = audio.cpu().to_vector();
    const size_t len = all.size() / ids.size();
    for (size_t i = 0; i < ids.size(); ++i) {
      std::vector<float> y(all.begin() + ptrdiff_t(i * len),
                           all.begin() + ptrdiff_t((i + 1) * len));
      if (is_h5 && !no_normalise) normalise_peak(y, peak_dbfs);
      const std::string name = output_name(out, size_t(ids[i]), ids.size());
      mgr::data::write_wav(name, y, sr);
      std::printf(
          "%s: %.2f s; spectral convergence %.4f against the magnitude inverted, mel "
          "%.4f",
          name.c_str(), double(len) / sr, sc_est[i], mel_sc[i]);
      if (!sc_orig.empty()) std::printf(", %.4f against the original audio", sc_orig[i]);
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "invert_mel: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
