// feature_dump --audio clips.f32 --clips B --samples N --out out.f32 [--set features.k=v ...]
//              [--what pipeline|spectral_frames|tuning] [--device cpu|cuda:N]
// Reads B clips of N float32 samples (raw, little-endian, clip-major), computes one feature for
// all of them and writes it as raw float32, printing its shape as JSON on stdout. For the
// end-to-end parity script (scripts/parity/features_real_music.py), which gives librosa the very
// same samples. --what: pipeline (features.type with the --set overrides: [B, C, D, T] or
// [B, D]), spectral_frames (centroid, bandwidth, rolloff, flatness per frame of |STFT|:
// [B, 4, T]) or tuning (librosa.estimate_tuning per clip: [B]).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/features/chroma.h"
#include "framework/features/pipeline.h"
#include "framework/features/spectral.h"
#include "framework/features/stft.h"

int main(int argc, char** argv) {
  CLI::App app{"mgr: one feature of raw float32 clips, written as raw float32"};
  std::string audio_path, out_path, what = "pipeline", device = "cpu";
  int64_t clips = 0, samples = 0;
  std::vector<std::string> overrides;
  app.add_option("--audio", audio_path, "raw float32 clips, clip-major")->required();
  app.add_option("--clips", clips, "number of clips")->required();
  app.add_option("--samples", samples, "samples per clip")->required();
  app.add_option("--out", out_path, "raw float32 output")->required();
  app.add_option("--set", overrides, "features.* overrides, e.g. features.type=mfcc");
  app.add_option("--what", what, "pipeline | spectral_frames | tuning");
  app.add_option("--device", device, "cpu | cuda | cuda:N");
  CLI11_PARSE(app, argc, argv);
  try {
    using namespace mgr;
    overrides.push_back("device=" + device);
    // features.type is set after parsing: the default model (a CRNN) rejects clip-level types
    // in validation, and this program runs no model.
    std::string type;
    std::vector<std::string> rest;
    for (const std::string& o : overrides) {
      if (o.rfind("features.type=", 0) == 0)
        type = o.substr(14);
      else
        rest.push_back(o);
    }
    config::ExperimentConfig cfg = experiment::parse("", "feature_dump", rest);
    if (!type.empty()) cfg.features.type = type;
    const Device dev = resolve_device(cfg.device, std::cerr);
    const int sr = cfg.data.sample_rate;
    std::vector<float> y(size_t(clips * samples));
    std::ifstream in(audio_path, std::ios::binary);
    in.read(reinterpret_cast<char*>(y.data()), std::streamsize(y.size() * sizeof(float)));
    MGR_CHECK(in, "cannot read " << clips * samples << " floats from " << audio_path);
    const Tensor audio = Tensor::from_vector(y, {clips, samples}, dev);
    const config::FeatureConfig& f = cfg.features;
    Tensor out;
    if (what == "pipeline") {
      features::FeaturePipeline pipe(f, sr, dev);
      out = pipe(audio);
    } else {
      features::StftParams sp;
      sp.sample_rate = sr;
      sp.n_fft = f.n_fft;
      sp.hop_length = f.hop_length;
      features::StftExtractor stft(sp, dev);
      if (what == "spectral_frames") {
        const Tensor mag = stft(audio, features::StftOutput::Magnitude);
        out = features::concat({features::spectral_centroid(mag, sr, f.n_fft),
                                features::spectral_bandwidth(mag, sr, f.n_fft),
                                features::spectral_rolloff(mag, sr, f.n_fft, f.roll_percent),
                                features::spectral_flatness(mag)},
                               1);
      } else {
        MGR_CHECK(what == "tuning", "--what " << what << " unknown");
        features::ChromaParams cp;
        cp.sample_rate = sr;
        cp.n_fft = f.n_fft;
        cp.n_chroma = f.n_chroma;
        const std::vector<int32_t> bins =
            features::estimate_tuning_bins(stft(audio, features::StftOutput::Power), cp)
                .cpu()
                .to_vector_i32();
        std::vector<float> t;
        for (int32_t b : bins) t.push_back(float(features::tuning_of_bin(b)));
        out = Tensor::from_vector(t, {clips});
      }
    }
    const std::vector<float> v = out.cpu().to_vector();
    std::ofstream o(out_path, std::ios::binary);
    o.write(reinterpret_cast<const char*>(v.data()), std::streamsize(v.size() * sizeof(float)));
    MGR_CHECK(o, "cannot write " << out_path);
    std::string shape;
    for (int i = 0; i < out.ndim(); ++i) shape += (i ? ", " : "") + std::to_string(out.dim(i));
    std::cout << "{\"shape\": [" << shape << "]}\n";
  } catch (const std::exception& e) {
    std::cerr << "feature_dump: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
