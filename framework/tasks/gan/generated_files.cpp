#include "framework/tasks/gan/generated_files.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "framework/config/yaml_config.h"
#include "framework/engine/checkpoint.h"
#include "framework/graph/model_check.h"
#include "framework/store/h5_tensor.h"
#include "framework/tasks/gan/gan_kind.h"
#include "framework/tasks/gan/gan_models.h"
#include "framework/tasks/gan/gan_plan.h"
#include "framework/tasks/gan/spectrogram_png.h"
#include "framework/tasks/task_kind.h"
#include "kernels/error.h"

namespace mgr::gan {

namespace fs = std::filesystem;

LoadedGenerator LoadedGenerator::load(const std::string& run_dir, const std::string& device) {
  const fs::path dir(run_dir);
  MGR_CHECK(fs::is_directory(dir), run_dir << ": no such run directory");
  const fs::path config_path = dir / "config.yaml";
  MGR_CHECK(fs::is_regular_file(config_path),
            run_dir << ": not a run directory (no config.yaml; run_experiment writes one)");
  LoadedGenerator g;
  g.cfg_ = config::load_experiment(config_path.string(), {}, tasks::kind_rules());
  const tasks::PlannedTask planned = tasks::plan_task(g.cfg_);
  MGR_CHECK(planned.kind == &tasks::gan_kind(),
            run_dir << ": a model.type " << g.cfg_.model.type
                    << " run has no generator (generate needs a model.type gan run)");
  const fs::path mel_path = dir / "gan.json";
  MGR_CHECK(fs::is_regular_file(mel_path), run_dir << ": no gan.json (the run did not start)");
  std::ifstream in(mel_path);
  try {
    g.mel_ = nlohmann::json::parse(in);
    g.genres_ = g.mel_.at("genres").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    MGR_FAIL(mel_path.string() << ": not the gan.json of a GAN run (" << e.what() << ")");
  }
  const fs::path ckpt = dir / "generator.h5";
  MGR_CHECK(fs::is_regular_file(ckpt),
            run_dir << ": no generator.h5 (the run ended before its first epoch did)");
  g.generator_ = std::make_shared<graph::GraphModel>(
      tasks::plan_as<tasks::GanPlan>(*planned.plan).generator, g.cfg_.seed);
  std::ostringstream device_log;
  g.generator_->to(resolve_device(device, device_log));
  train::load_checkpoint(ckpt.string(), *g.generator_);
  g.generator_->eval();
  return g;
}

GeneratedMels generate_mels(LoadedGenerator& g, const std::string& genre, int64_t n,
                            uint64_t seed) {
  MGR_CHECK(n >= 1, "generate: -n must be at least 1");
  GeneratedMels out;
  out.n = n;
  out.seed = seed;
  std::vector<int> labels;
  if (g.conditional()) {
    const auto& gs = g.genres();
    const auto it = std::find(gs.begin(), gs.end(), genre);
    MGR_CHECK(it != gs.end(), (genre.empty() ? std::string("this conditional generator "
                                                           "needs --genre")
                                             : "unknown genre '" + genre + "'")
                                  << "; the run's genres are "
                                  << fmt::format("{}", fmt::join(gs, ", ")));
    labels.assign(size_t(n), int(it - gs.begin()));
    out.genre = genre;
  }
  const Tensor y = generate(g.generator(), g.config(), n, labels, seed);
  const Shape& s = y.shape();  // [n, 1, bands, frames]
  MGR_CHECK(s.size() == 4 && s[1] == 1,
            "generate: expected [n, 1, bands, frames], got " << shape_str(s));
  out.bands = static_cast<int>(s[2]);
  out.frames = static_cast<int>(s[3]);
  out.unit = y.to_vector();
  const MelScaling scaling = mel_scaling(g.config());
  out.db.resize(out.unit.size());
  for (size_t i = 0; i < out.unit.size(); ++i) out.db[i] = scaling.db_of_unit(out.unit[i]);
  return out;
}

namespace {

struct H5 {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5() {
    if (id >= 0) close(id);
  }
};

void write_dataset(hid_t file, const char* name, const std::vector<float>& v,
                   const std::vector<hsize_t>& dims) {
  H5 space{H5Screate_simple(int(dims.size()), dims.data(), nullptr), H5Sclose};
  H5 ds{H5Dcreate2(file, name, H5T_IEEE_F32LE, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose};
  MGR_CHECK(
      ds.id >= 0 && H5Dwrite(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0,
      "cannot write dataset " << name);
}

void attr_double(hid_t obj, const std::string& name, double v) {
  H5 space{H5Screate(H5S_SCALAR), H5Sclose};
  H5 a{H5Acreate2(obj, name.c_str(), H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  MGR_CHECK(a.id >= 0 && H5Awrite(a.id, H5T_NATIVE_DOUBLE, &v) >= 0,
            "cannot write attribute " << name);
}

void attr_string(hid_t obj, const std::string& name, const std::string& v) {
  H5 type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, std::max<size_t>(1, v.size()));
  H5 space{H5Screate(H5S_SCALAR), H5Sclose};
  H5 a{H5Acreate2(obj, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  const std::string padded = v.empty() ? std::string(1, '\0') : v;
  MGR_CHECK(a.id >= 0 && H5Awrite(a.id, type.id, padded.data()) >= 0,
            "cannot write attribute " << name);
}

}  // namespace

std::vector<std::string> write_generated(const std::string& dir, const GeneratedMels& mels,
                                         const LoadedGenerator& g, const std::string& run_dir) {
  fs::create_directories(dir);
  std::vector<std::string> files;
  const std::string h5 = (fs::path(dir) / "generated.h5").string();
  train::h5::write_file_atomically(h5, [&](hid_t file) {
    const std::vector<hsize_t> dims{hsize_t(mels.n), hsize_t(mels.bands), hsize_t(mels.frames)};
    write_dataset(file, "log_mel_db", mels.db, dims);
    write_dataset(file, "unit", mels.unit, dims);
    for (const auto& [key, value] : g.mel().items()) {
      if (value.is_number())
        attr_double(file, key, value.get<double>());
      else if (value.is_string())
        attr_string(file, key, value.get<std::string>());
      else if (value.is_boolean())
        attr_double(file, key, value.get<bool>() ? 1.0 : 0.0);
      else
        attr_string(file, key, value.dump());
    }
    attr_string(file, "genre", mels.genre);
    attr_double(file, "seed", double(mels.seed));
    attr_string(file, "run", run_dir);
    attr_string(file, "datasets",
                "log_mel_db and unit are [n, n_mels, frames]; mel band 0 is the lowest; "
                "log_mel_db = (unit - 1) * top_db / 2");
  });
  files.push_back(h5);
  const size_t per = size_t(mels.bands) * mels.frames;
  std::vector<Tile> tiles;
  for (int64_t i = 0; i < mels.n; ++i) {
    Tile t{std::vector<float>(mels.unit.begin() + long(size_t(i) * per),
                              mels.unit.begin() + long(size_t(i + 1) * per))};
    const std::string png = (fs::path(dir) / fmt::format("sample_{:03d}.png", i)).string();
    write_tile_grid_png(png, {t}, 1, mels.bands, mels.frames, 0);
    files.push_back(png);
    tiles.push_back(std::move(t));
  }
  const std::string grid = (fs::path(dir) / "grid.png").string();
  write_tile_grid_png(grid, tiles, std::min<int>(8, int(mels.n)), mels.bands, mels.frames);
  files.push_back(grid);
  return files;
}

}  // namespace mgr::gan
