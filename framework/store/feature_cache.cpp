#include "framework/store/feature_cache.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "framework/data/sha256.h"
#include "framework/store/atomic_write.h"
#include "framework/store/environment_info.h"

namespace mgr::data {

namespace fs = std::filesystem;

namespace {

// Closes an HDF5 handle on scope exit.
struct H5Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  H5Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() {
    if (id >= 0) close(id);
  }
};

// HDF5 prints an error stack for every failed call by default; we report our own one line.
struct SilenceHdf5 {
  H5E_auto2_t func = nullptr;
  void* data = nullptr;
  SilenceHdf5() {
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~SilenceHdf5() { H5Eset_auto2(H5E_DEFAULT, func, data); }
};

// A reason the cache file cannot be used (caught by load, which rebuilds).
struct Unusable {
  std::string reason;
};

void set_string_attr(hid_t obj, const std::string& name, const std::string& v) {
  H5Handle type{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(type.id, std::max<size_t>(v.size(), 1));
  H5Tset_strpad(type.id, H5T_STR_NULLPAD);
  H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  H5Handle a{H5Acreate2(obj, name.c_str(), type.id, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  MGR_CHECK(a.id >= 0, "feature cache: cannot create attribute " << name);
  std::string buf = v.empty() ? std::string(1, '\0') : v;
  MGR_CHECK(H5Awrite(a.id, type.id, buf.data()) >= 0,
            "feature cache: cannot write attribute " << name);
}

std::optional<std::string> get_string_attr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0) return std::nullopt;
  H5Handle a{H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose};
  H5Handle type{H5Aget_type(a.id), H5Tclose};
  if (a.id < 0 || type.id < 0 || H5Tget_class(type.id) != H5T_STRING ||
      H5Tis_variable_str(type.id) > 0)
    return std::nullopt;
  const size_t n = H5Tget_size(type.id);
  std::string s(n, '\0');
  H5Handle mem{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(mem.id, n);
  H5Tset_strpad(mem.id, H5T_STR_NULLPAD);
  if (H5Aread(a.id, mem.id, s.data()) < 0) return std::nullopt;
  s.resize(std::strlen(s.c_str()));
  return s;
}

void write_1d(hid_t file, const char* name, hid_t file_type, hid_t mem_type, const void* data,
              size_t n) {
  const hsize_t dims[1] = {n};
  H5Handle space{H5Screate_simple(1, dims, nullptr), H5Sclose};
  H5Handle ds{H5Dcreate2(file, name, file_type, space.id, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose};
  MGR_CHECK(ds.id >= 0, "feature cache: cannot create " << name);
  MGR_CHECK(n == 0 || H5Dwrite(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0,
            "feature cache: cannot write " << name);
}

std::vector<hsize_t> dataset_dims(hid_t ds) {
  H5Handle space{H5Dget_space(ds), H5Sclose};
  const int nd = H5Sget_simple_extent_ndims(space.id);
  if (nd < 0) throw Unusable{"unreadable dataspace"};
  std::vector<hsize_t> dims(static_cast<size_t>(nd));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return dims;
}

template <class T>
std::vector<T> read_1d(hid_t file, const char* name, hid_t mem_type, size_t n) {
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) throw Unusable{std::string("no dataset ") + name};
  H5Handle ds{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
  if (ds.id < 0) throw Unusable{std::string("cannot open ") + name};
  const std::vector<hsize_t> dims = dataset_dims(ds.id);
  if (dims.size() != 1 || dims[0] != n)
    throw Unusable{fmt::format("{} has the wrong shape (expected {} entries)", name, n)};
  std::vector<T> v(n);
  if (n > 0 && H5Dread(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw Unusable{std::string("cannot read ") + name};
  return v;
}

std::string checksum(const Tensor& host_features) {
  Sha256 h;
  h.update(host_features.raw(), host_features.nbytes());
  return h.hex();
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return buf;
}

// Removes <path>.tmp.<pid> files whose writing process no longer exists.
void remove_stale_temporaries(const std::string& path) {
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  train::remove_stale_temporaries(dir.string(), p.filename().string() + ".tmp.");
}

// An advisory lock on <cache>.lock held for the life of the object. store_normalisation rewrites
// the cache file in place; processes of one sweep share the file, and a reader that opened it
// half-written would take it for corrupt and remove it. Readers share the lock, that writer
// holds it alone. Without a writable folder there is no lock (and no writer either).
class CacheLock {
 public:
  CacheLock(const std::string& path, bool exclusive)
      : fd_(::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) return;
    while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0 && errno == EINTR) {
    }
  }
  ~CacheLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_;
};

std::function<void(const std::string&, const std::string&)>& write_hook() {
  static std::function<void(const std::string&, const std::string&)> h;
  return h;
}

}  // namespace

CacheKeyInputs cache_key_inputs(const Dataset& ds, const std::string& corpus_manifest,
                                double clip_seconds, double clip_hop_seconds,
                                const std::string& pipeline_description, int code_version) {
  CacheKeyInputs in;
  for (const Track& t : ds.tracks) {
    std::error_code ec;
    const uint64_t size = fs::file_size(t.path, ec);
    MGR_CHECK(!ec, "feature cache: cannot read the size of " << t.path << ": " << ec.message());
    in.files.emplace_back(t.genre + "/" + fs::path(t.path).filename().string(), size);
  }
  in.corpus_manifest = corpus_manifest;
  in.genres = ds.genres;
  in.sample_rate = ds.sample_rate;
  in.clip_seconds = clip_seconds;
  in.clip_hop_seconds = clip_hop_seconds;
  in.pipeline = pipeline_description;
  in.code_version = code_version;
  return in;
}

std::string cache_key(const CacheKeyInputs& in) {
  Sha256 h;
  h.field("mgr feature cache v1");
  h.field(std::to_string(in.code_version));
  h.field(in.pipeline);
  h.field(std::to_string(in.sample_rate));
  // Shortest round-trip text: equal doubles give equal text and vice versa.
  h.field(fmt::format("{}", in.clip_seconds));
  h.field(fmt::format("{}", in.clip_hop_seconds));
  h.field(std::to_string(in.genres.size()));
  for (const std::string& g : in.genres) h.field(g);
  h.field(std::to_string(in.files.size()));
  for (const auto& [name, size] : in.files) {
    h.field(name);
    h.field(std::to_string(size));
  }
  h.field(in.corpus_manifest);
  return h.hex();
}

std::string cache_file_path(const std::string& cache_dir, const std::string& type,
                            const std::string& key) {
  return (fs::path(cache_dir) / (type + "-" + key.substr(0, 16) + ".h5")).string();
}

CachedFeatures clip_metadata(const Dataset& ds) {
  CachedFeatures c;
  c.genres = ds.genres;
  for (const Clip& clip : ds.clips) {
    c.labels.push_back(clip.label);
    c.track_ids.push_back(clip.track_id);
    c.clip_offsets.push_back(clip.offset);
  }
  return c;
}

FeatureCache::FeatureCache(std::string path, std::string key, nlohmann::json parameters)
    : path_(std::move(path)), key_(std::move(key)), parameters_(std::move(parameters)) {}

void FeatureCache::set_write_hook(
    std::function<void(const std::string&, const std::string&)> hook) {
  write_hook() = std::move(hook);
}

std::optional<CachedFeatures> FeatureCache::load(const Shape& clip_shape, std::ostream& log) const {
  remove_stale_temporaries(path_);
  std::error_code ec;
  if (!fs::exists(path_, ec)) return std::nullopt;
  const CacheLock lock(path_, false);
  SilenceHdf5 quiet;
  try {
    CachedFeatures c;
    {
      H5Handle file{H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
      if (file.id < 0) throw Unusable{"not a readable HDF5 file (truncated or corrupt)"};
      const auto key = get_string_attr(file.id, "key");
      if (!key) throw Unusable{"no key attribute"};
      if (*key != key_) throw Unusable{"key mismatch (the file is for other inputs)"};
      if (H5Lexists(file.id, "features", H5P_DEFAULT) <= 0) throw Unusable{"no dataset features"};
      H5Handle ds{H5Dopen2(file.id, "features", H5P_DEFAULT), H5Dclose};
      if (ds.id < 0) throw Unusable{"cannot open features"};
      const std::vector<hsize_t> dims = dataset_dims(ds.id);
      Shape shape(dims.begin(), dims.end());
      Shape want = clip_shape;
      want.insert(want.begin(), shape.empty() ? 0 : shape[0]);
      if (shape != want || shape[0] == 0)
        throw Unusable{fmt::format("features have shape {}, expected [N, {}]", shape_str(shape),
                                   shape_str(clip_shape))};
      c.features = Tensor::empty(shape, DType::F32, Device::cpu());
      if (H5Dread(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, c.features.raw()) < 0)
        throw Unusable{"cannot read features (corrupt chunk)"};
      const auto stored = get_string_attr(file.id, "features_sha256");
      if (!stored) throw Unusable{"no features checksum"};
      if (*stored != checksum(c.features)) throw Unusable{"features checksum mismatch"};
      const size_t n = static_cast<size_t>(shape[0]);
      c.labels = read_1d<int32_t>(file.id, "labels", H5T_NATIVE_INT32, n);
      c.track_ids = read_1d<int32_t>(file.id, "track_ids", H5T_NATIVE_INT32, n);
      c.clip_offsets = read_1d<int64_t>(file.id, "clip_offsets", H5T_NATIVE_INT64, n);
      if (H5Lexists(file.id, "genres", H5P_DEFAULT) <= 0) throw Unusable{"no dataset genres"};
      H5Handle g{H5Dopen2(file.id, "genres", H5P_DEFAULT), H5Dclose};
      H5Handle gt{H5Dget_type(g.id), H5Tclose};
      const std::vector<hsize_t> gd = dataset_dims(g.id);
      if (gt.id < 0 || H5Tget_class(gt.id) != H5T_STRING || gd.size() != 1)
        throw Unusable{"genres is not a list of strings"};
      const size_t len = H5Tget_size(gt.id);
      std::vector<char> buf(len * gd[0] + 1, '\0');
      H5Handle mem{H5Tcopy(H5T_C_S1), H5Tclose};
      H5Tset_size(mem.id, len);
      H5Tset_strpad(mem.id, H5T_STR_NULLPAD);
      if (gd[0] > 0 && H5Dread(g.id, mem.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
        throw Unusable{"cannot read genres"};
      for (size_t i = 0; i < gd[0]; ++i) {
        std::string s(buf.data() + i * len, len);
        c.genres.push_back(s.substr(0, std::strlen(s.c_str())));
      }
    }
    return c;
  } catch (const Unusable& u) {
    log << "cache " << path_ << ": " << u.reason << "; rebuilding\n";
  } catch (const std::exception& e) {
    log << "cache " << path_ << ": " << e.what() << "; rebuilding\n";
  }
  fs::remove(path_, ec);
  return std::nullopt;
}

void FeatureCache::store(const CachedFeatures& c, int compression) const {
  MGR_CHECK(c.features.defined() && c.features.ndim() >= 2 && c.features.dim(0) > 0,
            "feature cache: nothing to store");
  const size_t n = static_cast<size_t>(c.features.dim(0));
  MGR_CHECK(c.labels.size() == n && c.track_ids.size() == n && c.clip_offsets.size() == n,
            "feature cache: " << n << " feature rows but " << c.labels.size() << " labels");
  MGR_CHECK(compression >= 0 && compression <= 9, "feature cache: gzip level 0..9");
  const fs::path final_path(path_);
  if (!final_path.parent_path().empty()) fs::create_directories(final_path.parent_path());
  remove_stale_temporaries(path_);
  const std::string tmp = path_ + ".tmp." + std::to_string(::getpid());
  // The temporary file goes whatever happens; only a complete one is renamed into place.
  struct RemoveOnExit {
    std::string p;
    bool armed = true;
    ~RemoveOnExit() {
      std::error_code ec;
      if (armed) fs::remove(p, ec);
    }
  } cleanup{tmp};

  const Tensor host = c.features.cpu();
  SilenceHdf5 quiet;
  errno = 0;
  try {
    {
      H5Handle file{H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
      MGR_CHECK(file.id >= 0, "feature cache: cannot create " << tmp);
      const int nd = host.ndim();
      std::vector<hsize_t> dims(host.shape().begin(), host.shape().end());
      // Chunks of whole clips, at least ~256 KiB so that tiny clip vectors do not make millions
      // of chunks; a reader of one clip touches one chunk.
      const int64_t clip_bytes = int64_t(host.nbytes() / n);
      std::vector<hsize_t> chunk = dims;
      chunk[0] = static_cast<hsize_t>(std::clamp<int64_t>(
          (int64_t(1) << 18) / std::max<int64_t>(clip_bytes, 1), 1, int64_t(n)));
      H5Handle dcpl{H5Pcreate(H5P_DATASET_CREATE), H5Pclose};
      H5Pset_chunk(dcpl.id, nd, chunk.data());
      if (compression > 0) {
        H5Pset_shuffle(dcpl.id);  // byte shuffle first: float exponents compress much better
        H5Pset_deflate(dcpl.id, static_cast<unsigned>(compression));
      }
      H5Handle space{H5Screate_simple(nd, dims.data(), nullptr), H5Sclose};
      H5Handle ds{H5Dcreate2(file.id, "features", H5T_IEEE_F32LE, space.id, H5P_DEFAULT, dcpl.id,
                             H5P_DEFAULT),
                  H5Dclose};
      MGR_CHECK(ds.id >= 0, "feature cache: cannot create features in " << tmp);
      // In slabs of rows (bounded memory for the filter pipeline; a hook point for tests).
      const size_t slab =
          std::max<size_t>(1, (size_t(64) << 20) / std::max<int64_t>(clip_bytes, 1));
      for (size_t r0 = 0; r0 < n; r0 += slab) {
        std::vector<hsize_t> start(nd, 0), count = dims;
        start[0] = r0;
        count[0] = std::min(slab, n - r0);
        H5Handle fspace{H5Dget_space(ds.id), H5Sclose};
        H5Sselect_hyperslab(fspace.id, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr);
        H5Handle mspace{H5Screate_simple(nd, count.data(), nullptr), H5Sclose};
        const float* src = host.f32() + r0 * (host.numel() / int64_t(n));
        MGR_CHECK(H5Dwrite(ds.id, H5T_NATIVE_FLOAT, mspace.id, fspace.id, H5P_DEFAULT, src) >= 0,
                  "feature cache: cannot write features to " << tmp);
        if (write_hook()) write_hook()("features", tmp);
      }
      write_1d(file.id, "labels", H5T_STD_I32LE, H5T_NATIVE_INT32, c.labels.data(), n);
      write_1d(file.id, "track_ids", H5T_STD_I32LE, H5T_NATIVE_INT32, c.track_ids.data(), n);
      write_1d(file.id, "clip_offsets", H5T_STD_I64LE, H5T_NATIVE_INT64, c.clip_offsets.data(), n);
      size_t len = 1;
      for (const std::string& g : c.genres) len = std::max(len, g.size());
      std::vector<char> buf(len * c.genres.size(), '\0');
      for (size_t i = 0; i < c.genres.size(); ++i)
        std::memcpy(buf.data() + i * len, c.genres[i].data(), c.genres[i].size());
      H5Handle gtype{H5Tcopy(H5T_C_S1), H5Tclose};
      H5Tset_size(gtype.id, len);
      H5Tset_strpad(gtype.id, H5T_STR_NULLPAD);
      write_1d(file.id, "genres", gtype.id, gtype.id, buf.data(), c.genres.size());

      set_string_attr(file.id, "key", key_);
      set_string_attr(file.id, "parameters", parameters_.dump());
      for (const auto& [k, v] : parameters_.items())
        set_string_attr(file.id, "param." + k, v.is_string() ? v.get<std::string>() : v.dump());
      set_string_attr(file.id, "created", utc_now());
      set_string_attr(file.id, "mgr_git_commit", git_commit());
      set_string_attr(file.id, "features_sha256", checksum(host));
      MGR_CHECK(H5Fflush(file.id, H5F_SCOPE_GLOBAL) >= 0, "feature cache: cannot flush " << tmp);
    }
    if (write_hook()) write_hook()("before_rename", tmp);
    fs::rename(tmp, path_);
  } catch (const Error& e) {
    // A full disk is one plain line (the temporary goes with `cleanup`); anything else as is.
    const std::string reason = train::write_failure_reason(path_, errno);
    if (reason == "no space left on device") MGR_FAIL("cannot write " << path_ << ": " << reason);
    throw;
  } catch (const fs::filesystem_error& e) {
    MGR_FAIL("cannot write " << path_ << ": "
                             << train::write_failure_reason(path_, e.code().value()));
  }
  cleanup.armed = false;
}

std::optional<features::NormalisationStats> FeatureCache::load_normalisation(
    const std::string& group, const std::string& tag) const {
  const CacheLock lock(path_, false);
  SilenceHdf5 quiet;
  H5Handle file{H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) return std::nullopt;
  const std::string g = "normalisation/" + group;
  if (H5Lexists(file.id, "normalisation", H5P_DEFAULT) <= 0 ||
      H5Lexists(file.id, g.c_str(), H5P_DEFAULT) <= 0)
    return std::nullopt;
  H5Handle grp{H5Gopen2(file.id, g.c_str(), H5P_DEFAULT), H5Gclose};
  if (grp.id < 0 || get_string_attr(grp.id, "tag") != tag) return std::nullopt;
  const auto mode = get_string_attr(grp.id, "mode");
  if (!mode) return std::nullopt;
  features::NormalisationStats s;
  s.mode = *mode;
  try {
    for (auto [name, out] : {std::pair{"mean", &s.mean}, std::pair{"std", &s.stddev}}) {
      if (H5Lexists(grp.id, name, H5P_DEFAULT) <= 0) return std::nullopt;
      H5Handle ds{H5Dopen2(grp.id, name, H5P_DEFAULT), H5Dclose};
      const std::vector<hsize_t> dims = dataset_dims(ds.id);
      if (dims.size() != 1) return std::nullopt;
      *out = read_1d<float>(grp.id, name, H5T_NATIVE_FLOAT, dims[0]);
    }
  } catch (const Unusable&) {
    return std::nullopt;
  }
  if (s.mean.size() != s.stddev.size()) return std::nullopt;
  return s;
}

void FeatureCache::store_normalisation(const std::string& group, const std::string& tag,
                                       const features::NormalisationStats& s) const {
  const CacheLock lock(path_, true);
  SilenceHdf5 quiet;
  H5Handle file{H5Fopen(path_.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose};
  MGR_CHECK(file.id >= 0, "cannot open " << path_ << " for writing");
  const std::string g = "normalisation/" + group;
  if (H5Lexists(file.id, "normalisation", H5P_DEFAULT) > 0 &&
      H5Lexists(file.id, g.c_str(), H5P_DEFAULT) > 0)
    H5Ldelete(file.id, g.c_str(), H5P_DEFAULT);
  H5Handle lcpl{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(lcpl.id, 1);
  H5Handle grp{H5Gcreate2(file.id, g.c_str(), lcpl.id, H5P_DEFAULT, H5P_DEFAULT), H5Gclose};
  MGR_CHECK(grp.id >= 0, "cannot create " << g << " in " << path_);
  set_string_attr(grp.id, "mode", s.mode);
  set_string_attr(grp.id, "tag", tag);
  write_1d(grp.id, "mean", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, s.mean.data(), s.mean.size());
  write_1d(grp.id, "std", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, s.stddev.data(), s.stddev.size());
}

}  // namespace mgr::data
