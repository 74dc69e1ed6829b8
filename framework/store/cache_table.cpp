#include "framework/store/cache_table.h"

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <regex>
#include <sstream>

#include "framework/data/sha256.h"
#include "framework/data/track_groups.h"
#include "framework/store/atomic_write.h"
#include "framework/store/environment_info.h"
#include "framework/store/feature_table.h"
#include "framework/store/h5_tensor.h"
#include "framework/store/progress.h"

#if MGR_WITH_CUDA
#include <cuda_runtime.h>

#include "framework/tensor/cuda_context.h"
#endif

namespace mgr::train {

namespace fs = std::filesystem;
using h5::Handle;

namespace {

constexpr const char* kFormat = "mgr feature cache v2";

// A reason a file cannot be used: reported in one line, the file removed and built again.
struct Unusable {
  std::string reason;
};

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buf;
}

std::pair<int, int> shard_range(ShardSpec s, int total) {
  const auto at = [&](int i) { return static_cast<int>(int64_t(i) * total / s.count); };
  return {at(s.index), at(s.index + 1)};
}

void write_1d(hid_t file, const char* name, hid_t file_type, hid_t mem_type, const void* data,
              size_t n) {
  const hsize_t dims[1] = {n};
  Handle space{H5Screate_simple(1, dims, nullptr), H5Sclose};
  Handle ds{H5Dcreate2(file, name, file_type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
            H5Dclose};
  MGR_CHECK(ds.id >= 0, "feature cache: cannot create " << name);
  MGR_CHECK(n == 0 || H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
            "feature cache: cannot write " << name);
}

std::vector<hsize_t> dims_of(hid_t ds) {
  Handle space{H5Dget_space(ds), H5Sclose};
  const int nd = H5Sget_simple_extent_ndims(space.id);
  if (nd < 0) throw Unusable{"unreadable dataspace"};
  std::vector<hsize_t> dims(static_cast<size_t>(nd));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return dims;
}

template <class T>
std::vector<T> read_1d(hid_t file, const char* name, hid_t mem_type, size_t n) {
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) throw Unusable{std::string("no dataset ") + name};
  Handle ds{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) throw Unusable{std::string("cannot open ") + name};
  const std::vector<hsize_t> dims = dims_of(ds.id);
  if (dims.size() != 1 || dims[0] != n)
    throw Unusable{
        fmt::format("{} has {} entries, expected {}", name, dims.empty() ? 0 : dims[0], n)};
  std::vector<T> v(n);
  if (n > 0 && H5Dread(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw Unusable{std::string("cannot read ") + name};
  return v;
}

// Selects rows [first, first + count) of a [rows, ...] dataspace.
void select_rows(hid_t space, int nd, const std::vector<hsize_t>& dims, hsize_t first,
                 hsize_t count) {
  std::vector<hsize_t> start(size_t(nd), 0), n = dims;
  start[0] = first;
  n[0] = count;
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start.data(), nullptr, n.data(), nullptr);
}

std::function<void(const std::string&, const std::string&)>& write_hook() {
  static std::function<void(const std::string&, const std::string&)> h;
  return h;
}

// One cache file written a group of clips at a time into <path>.tmp.<pid>; finish() renames it
// into place, anything else removes the temporary.
class FileWriter {
 public:
  FileWriter(std::string path, const Shape& clip_shape, int compression)
      : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
    MGR_CHECK(compression >= 0 && compression <= 9, "feature cache: gzip level 0..9");
    h5::silence_errors();
    const fs::path p(path_);
    if (!p.parent_path().empty()) fs::create_directories(p.parent_path());
    remove_stale_temporaries(p.parent_path().empty() ? "." : p.parent_path().string(),
                             p.filename().string() + ".tmp.");
    file_ = H5Fcreate(tmp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    MGR_CHECK(file_ >= 0, "cannot write " << path_ << ": " << write_failure_reason(path_, errno));
    dims_.assign(1, 0);
    dims_.insert(dims_.end(), clip_shape.begin(), clip_shape.end());
    row_elements_ = 1;
    for (int64_t d : clip_shape) row_elements_ *= d;
    std::vector<hsize_t> maxdims = dims_, chunk = dims_;
    maxdims[0] = H5S_UNLIMITED;
    // Chunks of whole clips, at least ~256 KiB so that tiny clip vectors do not make millions of
    // chunks; a reader of one clip touches one chunk.
    chunk[0] = static_cast<hsize_t>(
        std::clamp<int64_t>((int64_t(1) << 18) / std::max<int64_t>(row_elements_ * 4, 1), 1, 4096));
    Handle dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
    H5Pset_chunk(dcpl.id, int(dims_.size()), chunk.data());
    if (compression > 0) {
      H5Pset_shuffle(dcpl.id);  // byte shuffle first: float exponents compress much better
      H5Pset_deflate(dcpl.id, static_cast<unsigned>(compression));
    }
    Handle space{H5Screate_simple(int(dims_.size()), dims_.data(), maxdims.data()), H5Sclose};
    features_ =
        H5Dcreate2(file_, "features", H5T_IEEE_F32LE, space.id, H5P_DEFAULT, dcpl.id, H5P_DEFAULT);
    MGR_CHECK(features_ >= 0, "feature cache: cannot create features in " << tmp_);
  }
  ~FileWriter() {
    close();
    if (!finished_) {
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void append(const Tensor& rows, const std::vector<int32_t>& labels,
              const std::vector<int32_t>& tracks, const std::vector<int64_t>& offsets) {
    const Tensor host = rows.cpu();
    const auto b = static_cast<hsize_t>(host.dim(0));
    MGR_CHECK(host.numel() == int64_t(b) * row_elements_ && labels.size() == b,
              "feature cache: rows of the wrong shape " << host.str());
    const hsize_t first = dims_[0];
    dims_[0] += b;
    errno = 0;
    guard([&] {
      MGR_CHECK(H5Dset_extent(features_, dims_.data()) >= 0, "cannot extend features");
      Handle fspace{H5Dget_space(features_), H5Sclose};
      select_rows(fspace.id, int(dims_.size()), dims_, first, b);
      std::vector<hsize_t> count = dims_;
      count[0] = b;
      Handle mspace{H5Screate_simple(int(count.size()), count.data(), nullptr), H5Sclose};
      MGR_CHECK(
          H5Dwrite(features_, H5T_NATIVE_FLOAT, mspace.id, fspace.id, H5P_DEFAULT, host.f32()) >= 0,
          "cannot write features");
    });
    sha_.update(host.raw(), host.nbytes());
    labels_.insert(labels_.end(), labels.begin(), labels.end());
    tracks_.insert(tracks_.end(), tracks.begin(), tracks.end());
    offsets_.insert(offsets_.end(), offsets.begin(), offsets.end());
    if (write_hook()) write_hook()("features", tmp_);
  }

  int64_t rows() const { return int64_t(dims_[0]); }

  void finish(nlohmann::json meta, const std::vector<int32_t>& decoded,
              const std::vector<std::string>& problems) {
    meta["rows"] = rows();
    meta["features_sha256"] = sha_.hex();
    errno = 0;
    guard([&] {
      const size_t n = labels_.size();
      write_1d(file_, "labels", H5T_STD_I32LE, H5T_NATIVE_INT32, labels_.data(), n);
      write_1d(file_, "track_ids", H5T_STD_I32LE, H5T_NATIVE_INT32, tracks_.data(), n);
      write_1d(file_, "clip_offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, offsets_.data(), n);
      write_1d(file_, "decoded", H5T_STD_I32LE, H5T_NATIVE_INT32, decoded.data(), decoded.size());
      h5::write_text(
          file_, "problems",
          nlohmann::json(problems).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      h5::write_text(file_, "meta",
                     meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      MGR_CHECK(H5Fflush(file_, H5F_SCOPE_GLOBAL) >= 0, "cannot flush");
    });
    MGR_CHECK(close() >= 0, "cannot write " << path_ << ": " << write_failure_reason(path_, errno));
    if (write_hook()) write_hook()("before_rename", tmp_);
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    MGR_CHECK(!ec, "cannot write " << path_ << ": " << ec.message());
    finished_ = true;
  }

 private:
  // An HDF5 failure is one line naming the file; a full disk says so.
  template <class F>
  void guard(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      MGR_FAIL("cannot write " << path_ << ": "
                               << (write_failure_reason(path_, errno) == "no space left on device"
                                       ? std::string("no space left on device")
                                       : std::string(e.what())));
    }
  }
  herr_t close() {
    herr_t r = 0;
    if (features_ >= 0) r = std::min(r, H5Dclose(features_)), features_ = -1;
    if (file_ >= 0) r = std::min(r, H5Fclose(file_)), file_ = -1;
    return r;
  }

  std::string path_, tmp_;
  hid_t file_ = -1, features_ = -1;
  std::vector<hsize_t> dims_;
  int64_t row_elements_ = 1;
  data::Sha256 sha_;
  std::vector<int32_t> labels_, tracks_;
  std::vector<int64_t> offsets_;
  bool finished_ = false;
};

// What one checked file holds besides its features.
struct FileContents {
  int64_t rows = 0;
  std::vector<int32_t> labels, tracks, decoded;
  std::vector<int64_t> offsets;
  std::vector<std::string> problems;
};

struct Expected {
  std::string key;
  ShardSpec shard;
  int candidates = 0;
  Shape clip_shape;
};

// The file's contents when it exists and passes every check (the features' checksum included);
// a missing file is a silent nullopt, an unusable one is reported in one line and removed.
std::optional<FileContents> read_checked(const std::string& path, const Expected& want,
                                         std::ostream& log) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  h5::silence_errors();
  try {
    Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    if (file.id < 0) throw Unusable{"not a readable HDF5 file (truncated or corrupt)"};
    nlohmann::json meta;
    try {
      meta = nlohmann::json::parse(h5::read_text(file.id, path, "meta"));
    } catch (const std::exception&) {
      throw Unusable{"no readable meta entry"};
    }
    if (meta.value("format", "") != kFormat)
      throw Unusable{"not a " + std::string(kFormat) + " file"};
    if (meta.value("key", "") != want.key)
      throw Unusable{"key mismatch (the file is for other inputs)"};
    if (meta.value("shard", nlohmann::json()) !=
            nlohmann::json{want.shard.index, want.shard.count} ||
        meta.value("candidates", -1) != want.candidates)
      throw Unusable{"shard or track count mismatch"};
    FileContents c;
    c.rows = meta.value("rows", int64_t(-1));
    if (H5Lexists(file.id, "features", H5P_DEFAULT) <= 0) throw Unusable{"no dataset features"};
    Handle ds{H5Dopen2(file.id, "features", H5P_DEFAULT), H5Dclose};
    if (ds.id < 0) throw Unusable{"cannot open features"};
    const std::vector<hsize_t> dims = dims_of(ds.id);
    Shape shape(dims.begin(), dims.end()), expected = want.clip_shape;
    expected.insert(expected.begin(), c.rows);
    if (shape != expected)
      throw Unusable{fmt::format("features have shape {}, expected {}", shape_str(shape),
                                 shape_str(expected))};
    // The checksum, in slabs of at most 64 MiB.
    int64_t row_elements = 1;
    for (int64_t d : want.clip_shape) row_elements *= d;
    const int64_t slab = std::max<int64_t>(1, (int64_t(64) << 20) / (4 * row_elements));
    std::vector<float> buf;
    data::Sha256 sha;
    for (int64_t r = 0; r < c.rows; r += slab) {
      const int64_t n = std::min(slab, c.rows - r);
      buf.resize(size_t(n * row_elements));
      Handle fspace{H5Dget_space(ds.id), H5Sclose};
      select_rows(fspace.id, int(dims.size()), dims, hsize_t(r), hsize_t(n));
      std::vector<hsize_t> count = dims;
      count[0] = hsize_t(n);
      Handle mspace{H5Screate_simple(int(count.size()), count.data(), nullptr), H5Sclose};
      if (H5Dread(ds.id, H5T_NATIVE_FLOAT, mspace.id, fspace.id, H5P_DEFAULT, buf.data()) < 0)
        throw Unusable{"cannot read features (corrupt chunk)"};
      sha.update(buf.data(), buf.size() * sizeof(float));
    }
    if (sha.hex() != meta.value("features_sha256", ""))
      throw Unusable{"features checksum mismatch"};
    const auto n = static_cast<size_t>(c.rows);
    c.labels = read_1d<int32_t>(file.id, "labels", H5T_NATIVE_INT32, n);
    c.tracks = read_1d<int32_t>(file.id, "track_ids", H5T_NATIVE_INT32, n);
    c.offsets = read_1d<int64_t>(file.id, "clip_offsets", H5T_NATIVE_INT64, n);
    if (H5Lexists(file.id, "decoded", H5P_DEFAULT) <= 0) throw Unusable{"no dataset decoded"};
    {
      Handle d{H5Dopen2(file.id, "decoded", H5P_DEFAULT), H5Dclose};
      const std::vector<hsize_t> dd = dims_of(d.id);
      if (dd.size() != 1) throw Unusable{"decoded is not a list"};
      c.decoded = read_1d<int32_t>(file.id, "decoded", H5T_NATIVE_INT32, dd[0]);
    }
    try {
      c.problems = nlohmann::json::parse(h5::read_text(file.id, path, "problems"))
                       .get<std::vector<std::string>>();
    } catch (const std::exception&) {
      throw Unusable{"no readable problems entry"};
    }
    const auto [begin, end] = shard_range(want.shard, want.candidates);
    for (int32_t t : c.decoded)
      if (t < begin || t >= end) throw Unusable{"a decoded track outside the shard's range"};
    for (size_t i = 0; i < n; ++i)
      if (!std::binary_search(c.decoded.begin(), c.decoded.end(), c.tracks[i]))
        throw Unusable{"a clip of a track that did not decode"};
    return c;
  } catch (const Unusable& u) {
    log << "cache " << path << ": " << u.reason << "; rebuilding\n";
  } catch (const std::exception& e) {
    log << "cache " << path << ": " << e.what() << "; rebuilding\n";
  }
  fs::remove(path, ec);
  return std::nullopt;
}

Expected expected_of(const config::ExperimentConfig& cfg, const TrackList& tracks,
                     const features::FeaturePipeline& pipeline, ShardSpec shard) {
  Expected e;
  e.key = track_list_cache_key(cfg, tracks, pipeline);
  e.shard = shard;
  e.candidates = static_cast<int>(tracks.candidates.size());
  e.clip_shape =
      pipeline.output_shape(data::seconds_to_samples(cfg.data.clip_seconds, cfg.data.sample_rate));
  return e;
}

// Decodes, cuts and featurises the shard's tracks a group at a time into its file.
void build_file(const config::ExperimentConfig& cfg, const TrackList& tracks,
                features::FeaturePipeline& pipeline, const Expected& want, const std::string& path,
                std::ostream& log, const CacheBuildOptions& opt) {
  const int64_t clip = data::seconds_to_samples(cfg.data.clip_seconds, cfg.data.sample_rate);
  const int64_t hop = data::seconds_to_samples(cfg.data.clip_hop_seconds, cfg.data.sample_rate);
  MGR_CHECK(clip > 0 && hop > 0, "data.clip_seconds and data.clip_hop_seconds must give samples");
  const auto [begin, end] = shard_range(want.shard, want.candidates);
  FileWriter writer(path, want.clip_shape, cfg.features.cache_compression);
  data::GroupDecodeOptions go;
  go.sample_rate = cfg.data.sample_rate;
  go.max_track_seconds = cfg.data.max_track_seconds;
  go.group_tracks = opt.group_tracks;
  go.threads = opt.threads;
  data::TrackGroupDecoder decoder(tracks.candidates, begin, end, go);
  const std::string what = want.shard.count > 1
                               ? fmt::format("shard {}/{} ", want.shard.index, want.shard.count)
                               : std::string();
  Progress progress;
  const auto t0 = Clock::now();
  std::vector<int32_t> decoded;
  std::vector<std::string> problems;
  const int64_t max_pad =
      data::seconds_to_samples(cfg.data.pad_short_seconds, cfg.data.sample_rate);
  int too_short = 0, padded = 0;
  std::string first_short, first_padded;
  while (std::optional<data::DecodedGroup> g = decoder.next()) {
    for (const std::string& p : g->problems) {
      log << "skipped " << p << "\n";
      problems.push_back(p);
    }
    data::Dataset gd;
    gd.sample_rate = cfg.data.sample_rate;
    gd.genres = tracks.genres;
    gd.clip_samples = clip;
    std::vector<int32_t> labels, cands;
    std::vector<int64_t> offsets;
    for (size_t k = 0; k < g->decoded.size(); ++k) {
      const int cand = g->decoded[k];
      const data::Track& t = tracks.candidates[size_t(cand)];
      decoded.push_back(cand);
      if (data::pad_short_track(g->audio[k], clip, max_pad) && padded++ == 0) first_padded = t.path;
      const std::vector<int64_t> offs =
          data::clip_offsets(int64_t(g->audio[k].size()), clip, hop, cfg.data.max_clips_per_track);
      if (offs.empty() && too_short++ == 0) first_short = t.path;
      data::Track local = t;
      local.track_id = static_cast<int>(k);
      gd.tracks.push_back(std::move(local));
      gd.audio.push_back(std::move(g->audio[k]));
      for (int64_t off : offs) {
        gd.clips.push_back(data::Clip{static_cast<int>(k), t.label, off});
        labels.push_back(t.label);
        cands.push_back(cand);
        offsets.push_back(off);
      }
    }
    if (!gd.clips.empty()) {
      std::vector<int> all(gd.clips.size());
      std::iota(all.begin(), all.end(), 0);
      writer.append(compute_features(gd, all, pipeline), labels, cands, offsets);
    }
    if (!opt.quiet) {
      const int done = g->end - begin, total = end - begin;
      const double secs = seconds_since(t0), rate = done / std::max(secs, 1e-9);
      progress.update(
          fmt::format("features: {}{}/{} tracks, {} clips, {:.1f} tracks/s, ETA {:.0f} s", what,
                      done, total, writer.rows(), rate, (total - done) / std::max(rate, 1e-9)));
    }
  }
  data::log_padded_tracks(log, padded, decoded.size(), cfg.data.clip_seconds, first_padded);
  if (too_short > 0)
    log << "segment_clips: " << too_short << " of " << decoded.size()
        << " tracks are shorter than one " << cfg.data.clip_seconds
        << " s clip and give no clips (first: " << first_short << ")\n";
  nlohmann::json meta = {{"format", kFormat},
                         {"key", want.key},
                         {"shard", {want.shard.index, want.shard.count}},
                         {"candidates", want.candidates},
                         {"range", {begin, end}},
                         {"clip_shape", want.clip_shape},
                         {"clip_samples", clip},
                         {"genres", tracks.genres},
                         {"parameters", pipeline.parameters()},
                         {"created", utc_now()},
                         {"mgr_git_commit", git_commit()}};
  const int64_t rows = writer.rows();
  writer.finish(std::move(meta), decoded, problems);
  const std::string done =
      fmt::format("features: {}{} clips of {} {} from {} of {} tracks on {} in {:.1f} s, wrote {}",
                  what, rows, cfg.features.type, shape_str(want.clip_shape), decoded.size(),
                  end - begin, pipeline.device().str(), seconds_since(t0), path);
  if (opt.quiet)
    log << done << "\n";
  else
    progress.finish(done);
}

// The shard counts N for which a shard file of this key is in the cache folder, with how many.
std::map<int, int> shard_sets(const config::ExperimentConfig& cfg, const std::string& key) {
  std::map<int, int> out;
  std::error_code ec;
  const std::regex re(cfg.features.type + "-" + key.substr(0, 16) +
                      R"(\.shard-(\d+)-of-(\d+)\.h5)");
  for (const auto& e : fs::directory_iterator(cfg.features.cache_dir, ec)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, m, re)) ++out[std::stoi(m[2].str())];
  }
  return out;
}

}  // namespace

void set_cache_write_hook(std::function<void(const std::string&, const std::string&)> hook) {
  write_hook() = std::move(hook);
}

ShardSpec parse_shard(const std::string& text) {
  ShardSpec s;
  char slash = 0, extra = 0;
  std::istringstream in(text);
  const bool ok = static_cast<bool>(in >> s.index >> slash >> s.count) && slash == '/' &&
                  !(in >> extra) && s.count >= 1 && s.count <= 100000 && s.index >= 0 &&
                  s.index < s.count;
  MGR_CHECK(ok, "--shard: expected i/N with 0 <= i < N (e.g. 3/8), got '" << text << "'");
  return s;
}

std::string track_list_cache_key(const config::ExperimentConfig& cfg, const TrackList& tracks,
                                 const features::FeaturePipeline& pipeline) {
  data::Sha256 h;
  h.field(kFormat);
  h.field(std::to_string(features::kFeatureCodeVersion));
  h.field(pipeline.describe());
  h.field(std::to_string(cfg.data.sample_rate));
  // Shortest round-trip text: equal doubles give equal text and vice versa.
  h.field(fmt::format("{}", cfg.data.clip_seconds));
  h.field(fmt::format("{}", cfg.data.clip_hop_seconds));
  h.field(std::to_string(cfg.data.max_clips_per_track));
  h.field(fmt::format("{}", cfg.data.max_track_seconds));
  // Only when set: the caches made before the key existed keep their names.
  if (cfg.data.pad_short_seconds > 0)
    h.field(fmt::format("pad_short_seconds={}", cfg.data.pad_short_seconds));
  h.field(std::to_string(tracks.genres.size()));
  for (const std::string& g : tracks.genres) h.field(g);
  h.field(std::to_string(tracks.candidates.size()));
  for (const data::Track& t : tracks.candidates) {
    std::error_code ec;
    const uint64_t size = fs::file_size(t.path, ec);
    MGR_CHECK(!ec, "feature cache: cannot read the size of " << t.path << ": " << ec.message());
    h.field(t.genre);
    h.field(std::to_string(t.label));
    h.field(fs::path(t.path).filename().string());
    h.field(t.id);
    h.field(std::to_string(size));
  }
  h.field(tracks.corpus_manifest);
  return h.hex();
}

std::string cache_shard_path(const config::ExperimentConfig& cfg, const std::string& key,
                             ShardSpec shard) {
  const std::string stem = cfg.features.type + "-" + key.substr(0, 16);
  const std::string name = shard.count == 1 ? stem + ".h5"
                                            : fmt::format("{}.shard-{:04d}-of-{:04d}.h5", stem,
                                                          shard.index, shard.count);
  return (fs::path(cfg.features.cache_dir) / name).string();
}

int64_t CacheTable::bytes() const {
  int64_t e = 4;
  for (int64_t d : clip_shape) e *= d;
  return e * rows;
}

std::string build_cache_shard(const config::ExperimentConfig& cfg, const TrackList& tracks,
                              features::FeaturePipeline& pipeline, ShardSpec shard,
                              std::ostream& log, const CacheBuildOptions& opt) {
  MGR_CHECK(!tracks.candidates.empty(), "no tracks to build a feature cache of");
  const Expected want = expected_of(cfg, tracks, pipeline, shard);
  const std::string path = cache_shard_path(cfg, want.key, shard);
  if (read_checked(path, want, log)) {
    log << "features: cache " << path << " is already complete\n";
    return path;
  }
  build_file(cfg, tracks, pipeline, want, path, log, opt);
  return path;
}

CacheTable open_cache_table(const config::ExperimentConfig& cfg, const TrackList& tracks,
                            features::FeaturePipeline& pipeline, std::ostream& log,
                            const CacheBuildOptions& opt) {
  MGR_CHECK(!tracks.candidates.empty(), "no tracks in " << tracks.source);
  CacheTable t;
  Expected want = expected_of(cfg, tracks, pipeline, ShardSpec{});
  t.key = want.key;
  t.clip_shape = want.clip_shape;
  // A writer of this cache killed mid-write leaves its temporary; the next writer removes it, but
  // when another process finished the file first there is no next writer: every opening, hit or
  // build, removes the temporaries of this key's files whose writers are gone.
  {
    const fs::path whole = cache_shard_path(cfg, t.key, ShardSpec{});
    remove_stale_temporaries(whole.parent_path().empty() ? "." : whole.parent_path().string(),
                             whole.stem().string());
  }
  // The whole-list file when it is there, else the most complete set of shards, else one file.
  int count = 1;
  std::error_code ec;
  if (!fs::exists(cache_shard_path(cfg, t.key, ShardSpec{}), ec)) {
    int best = 0;
    for (const auto& [n, present] : shard_sets(cfg, t.key))
      if (present > best) best = present, count = n;
  }
  std::vector<int32_t> decoded;
  std::vector<FileContents> parts;
  for (int i = 0; i < count; ++i) {
    want.shard = ShardSpec{i, count};
    const std::string path = cache_shard_path(cfg, t.key, want.shard);
    std::optional<FileContents> c = read_checked(path, want, log);
    if (!c) {
      if (count > 1) log << "features: shard " << i << "/" << count << " is missing; building it\n";
      build_file(cfg, tracks, pipeline, want, path, log, opt);
      t.built = true;
      c = read_checked(path, want, log);
      MGR_CHECK(c, "feature cache " << path << " could not be read back after writing it");
    }
    t.files.push_back(path);
    t.first_row.push_back(t.rows);
    t.rows += c->rows;
    decoded.insert(decoded.end(), c->decoded.begin(), c->decoded.end());
    parts.push_back(std::move(*c));
  }
  // The tracks that decoded, renumbered in track order; clips point at them.
  data::Dataset& ds = t.ds;
  ds.sample_rate = cfg.data.sample_rate;
  ds.genres = tracks.genres;
  ds.clip_samples = data::seconds_to_samples(cfg.data.clip_seconds, cfg.data.sample_rate);
  std::vector<int> track_of(tracks.candidates.size(), -1);
  for (int32_t cand : decoded) {
    data::Track tr = tracks.candidates[size_t(cand)];
    tr.track_id = static_cast<int>(ds.tracks.size());
    track_of[size_t(cand)] = tr.track_id;
    ds.tracks.push_back(std::move(tr));
  }
  t.report.found = static_cast<int>(tracks.candidates.size());
  t.report.loaded = static_cast<int>(ds.tracks.size());
  t.report.skipped = t.report.found - t.report.loaded;
  for (FileContents& c : parts) {
    for (size_t i = 0; i < c.labels.size(); ++i)
      ds.clips.push_back(data::Clip{track_of[size_t(c.tracks[i])], c.labels[i], c.offsets[i]});
    if (!t.built)  // a build printed them already
      for (const std::string& p : c.problems) log << "skipped " << p << "\n";
    t.report.problems.insert(t.report.problems.end(), c.problems.begin(), c.problems.end());
  }
  log << "loaded " << t.report.loaded << " of " << t.report.found << " tracks from "
      << tracks.source;
  if (t.report.skipped > 0) log << " (" << t.report.skipped << " skipped)";
  log << "\n";
  MGR_CHECK(t.report.loaded > 0, "none of the " << t.report.found << " files of " << tracks.source
                                                << " could be decoded");
  MGR_CHECK(t.rows > 0, "no track of " << tracks.source << " is as long as one "
                                       << cfg.data.clip_seconds << " s clip");
  if (!t.built)
    log << fmt::format("features: cache hit {}{} ({} clips of {} {})\n", t.files.front(),
                       count > 1 ? fmt::format(" and {} more shards", count - 1) : "", t.rows,
                       cfg.features.type, shape_str(t.clip_shape));
  return t;
}

struct CacheTableReader::Impl {
  std::vector<hid_t> files, datasets;
  std::vector<int64_t> first_row;
  std::vector<std::string> paths;
  int64_t rows = 0, row_elements = 1;
  std::vector<hsize_t> dims;  // of one file with its rows replaced per read
  ~Impl() {
    for (hid_t d : datasets) H5Dclose(d);
    for (hid_t f : files) H5Fclose(f);
  }
  // Rows [first, first + count) of file f into out.
  void read(size_t f, int64_t first, int64_t count, float* out) const {
    std::vector<hsize_t> d = dims, n = dims;
    Handle fspace{H5Dget_space(datasets[f]), H5Sclose};
    std::vector<hsize_t> fd(dims.size());
    H5Sget_simple_extent_dims(fspace.id, fd.data(), nullptr);
    select_rows(fspace.id, int(dims.size()), fd, hsize_t(first), hsize_t(count));
    n[0] = hsize_t(count);
    Handle mspace{H5Screate_simple(int(n.size()), n.data(), nullptr), H5Sclose};
    MGR_CHECK(H5Dread(datasets[f], H5T_NATIVE_FLOAT, mspace.id, fspace.id, H5P_DEFAULT, out) >= 0,
              "cannot read rows " << first << ".." << first + count << " of " << paths[f]);
  }
};

CacheTableReader::CacheTableReader(const CacheTable& table) : impl_(std::make_unique<Impl>()) {
  h5::silence_errors();
  impl_->first_row = table.first_row;
  impl_->rows = table.rows;
  impl_->paths = table.files;
  for (int64_t d : table.clip_shape) impl_->row_elements *= d;
  impl_->dims.assign(1, 0);
  impl_->dims.insert(impl_->dims.end(), table.clip_shape.begin(), table.clip_shape.end());
  for (const std::string& p : table.files) {
    const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    MGR_CHECK(f >= 0, "cannot open the feature cache " << p);
    impl_->files.push_back(f);
    const hid_t d = H5Dopen2(f, "features", H5P_DEFAULT);
    MGR_CHECK(d >= 0, "cannot open features in " << p);
    impl_->datasets.push_back(d);
  }
}

CacheTableReader::~CacheTableReader() = default;

int64_t CacheTableReader::row_elements() const { return impl_->row_elements; }

void CacheTableReader::read_rows(const std::vector<int>& rows, float* out) const {
  const Impl& m = *impl_;
  for (size_t i = 0; i < rows.size();) {
    const int64_t r = rows[i];
    MGR_CHECK(r >= 0 && r < m.rows, "feature row " << r << " out of range [0, " << m.rows << ")");
    const size_t f = size_t(std::upper_bound(m.first_row.begin(), m.first_row.end(), r) -
                            m.first_row.begin() - 1);
    const int64_t file_end = f + 1 < m.first_row.size() ? m.first_row[f + 1] : m.rows;
    // A run of consecutive rows in one file is one read.
    size_t j = i + 1;
    while (j < rows.size() && rows[j] == rows[j - 1] + 1 && rows[j] < file_end) ++j;
    m.read(f, r - m.first_row[f], int64_t(j - i), out + i * size_t(m.row_elements));
    i = j;
  }
}

void CacheTableReader::read_range(int64_t first, int64_t count, float* out) const {
  const Impl& m = *impl_;
  MGR_CHECK(first >= 0 && count >= 0 && first + count <= m.rows, "feature rows out of range");
  for (size_t f = 0; f < m.files.size() && count > 0; ++f) {
    const int64_t b = m.first_row[f], e = f + 1 < m.first_row.size() ? m.first_row[f + 1] : m.rows;
    if (first >= e) continue;
    const int64_t n = std::min(count, e - first);
    m.read(f, first - b, n, out);
    out += n * m.row_elements;
    first += n;
    count -= n;
  }
}

Tensor load_table(const CacheTable& table, Device device) {
  Shape shape = table.clip_shape;
  shape.insert(shape.begin(), table.rows);
  Tensor host = Tensor::empty(shape, DType::F32, Device::cpu());
  CacheTableReader(table).read_range(0, table.rows, host.f32());
  return device.is_cpu() ? host : host.to(device);
}

namespace {

fs::path statistics_path(const CacheTable& table, const std::string& group) {
  std::string name = group;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return fs::path(table.files.front() + ".stats") / (name + ".json");
}

}  // namespace

std::optional<features::NormalisationStats> load_table_statistics(const CacheTable& table,
                                                                  const std::string& group,
                                                                  const std::string& tag) {
  std::ifstream in(statistics_path(table, group));
  if (!in) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("tag", "") != tag || j.value("group", "") != group)
    return std::nullopt;
  try {
    features::NormalisationStats s;
    s.mode = j.at("mode").get<std::string>();
    s.mean = j.at("mean").get<std::vector<float>>();
    s.stddev = j.at("std").get<std::vector<float>>();
    if (s.mean.size() != s.stddev.size()) return std::nullopt;
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void store_table_statistics(const CacheTable& table, const std::string& group,
                            const std::string& tag, const features::NormalisationStats& s) {
  const fs::path p = statistics_path(table, group);
  fs::create_directories(p.parent_path());
  // Floats through double text and back are exact.
  const nlohmann::json j = {
      {"group", group}, {"tag", tag}, {"mode", s.mode}, {"mean", s.mean}, {"std", s.stddev}};
  write_file_atomically(p.string(), j.dump() + "\n");
}

int64_t memory_budget_bytes(double gb, Device device) {
  if (gb > 0) return static_cast<int64_t>(gb * double(int64_t(1) << 30));
  int64_t device_half = std::numeric_limits<int64_t>::max();
#if MGR_WITH_CUDA
  if (device.is_cuda()) {
    cuda::DeviceGuard guard(device.index);
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) device_half = int64_t(total_b / 2);
  }
#else
  (void)device;
#endif
  int64_t total = 0;
  {
    std::ifstream in("/proc/meminfo");
    std::string name, unit;
    int64_t kb = 0;
    while (in >> name >> kb >> unit)
      if (name == "MemTotal:") {
        total = kb * 1024;
        break;
      }
  }
  for (const char* limit_file :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(limit_file);
    int64_t limit = 0;
    if (in >> limit && limit > 0 && (total == 0 || limit < total)) total = limit;
  }
  if (total <= 0) total = int64_t(8) << 30;  // unknown: assume a modest machine
  return std::min(total / 2, device_half);
}

}  // namespace mgr::train
