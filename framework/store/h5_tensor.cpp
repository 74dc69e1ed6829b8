#include "framework/store/h5_tensor.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "framework/store/atomic_write.h"
#include "kernels/error.h"

namespace mgr::train::h5 {

namespace {

// Creates dataset `name` of `type` and shape `dims`, with its intermediate groups.
hid_t create_dataset(hid_t file, const std::string& name, hid_t type,
                     const std::vector<hsize_t>& dims) {
  Handle space{H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
  Handle lcpl{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(lcpl.id, 1);
  const hid_t ds =
      H5Dcreate2(file, name.c_str(), type, space.id, lcpl.id, H5P_DEFAULT, H5P_DEFAULT);
  MGR_CHECK(ds >= 0, "HDF5: cannot create dataset '" << name << "'");
  return ds;
}

// Opens dataset `name` and returns its number of values.
hid_t open_dataset(hid_t file, const std::string& path, const std::string& name, int64_t& n) {
  MGR_CHECK(H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0,
            path << ": no entry '" << name << "' (was it saved from another model?)");
  const hid_t ds = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  MGR_CHECK(ds >= 0, path << ": cannot open '" << name << "'");
  Handle space{H5Dget_space(ds), H5Sclose};
  const int nd = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<size_t>(nd > 0 ? nd : 0));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  n = 1;
  for (hsize_t d : dims) n *= static_cast<int64_t>(d);
  return ds;
}

}  // namespace

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

void write_file_atomically(const std::string& path, const std::function<void(hid_t file)>& fill) {
  silence_errors();
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::string problem;
  int err = 0;
  errno = 0;
  const hid_t file = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) {
    err = errno;
    problem = "cannot create it";
  } else {
    try {
      fill(file);
      if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) problem = "HDF5 could not flush it";
    } catch (const Error& e) {
      problem = e.what();
    }
    if (!problem.empty()) err = errno;
    // Closing writes what HDF5 still holds: it can fail on a full disk too.
    if (H5Fclose(file) < 0 && problem.empty()) {
      err = errno;
      problem = "HDF5 could not close it";
    }
  }
  std::error_code ec;
  if (problem.empty()) {
    std::filesystem::rename(tmp, path, ec);
    if (!ec) return;
    err = ec.value();
    problem = "cannot rename " + tmp;
  }
  const std::string reason = write_failure_reason(path, err);  // while the disk is still full
  std::filesystem::remove(tmp, ec);
  MGR_FAIL("cannot write " << path << ": "
                           << (reason == "no space left on device"
                                   ? reason
                                   : problem + " (" + reason + ")"));
}

void write_tensor(hid_t file, const std::string& name, const Tensor& t) {
  Tensor h = t.cpu();
  std::vector<hsize_t> dims(h.shape().begin(), h.shape().end());
  if (dims.empty()) dims.push_back(1);
  Handle ds{create_dataset(file, name, H5T_IEEE_F32LE, dims), H5Dclose};
  MGR_CHECK(H5Dwrite(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, h.f32()) >= 0,
            "HDF5: cannot write dataset '" << name << "'");
}

void read_tensor(hid_t file, const std::string& path, const std::string& name, Tensor& t) {
  int64_t n = 0;
  Handle ds{open_dataset(file, path, name, n), H5Dclose};
  MGR_CHECK(n == t.numel(),
            path << ": '" << name << "' holds " << n << " values, the model expects " << t.str());
  Tensor h = Tensor::empty(t.shape(), DType::F32, Device::cpu());
  MGR_CHECK(H5Dread(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, h.f32()) >= 0,
            path << ": cannot read '" << name << "'");
  t.copy_from(h);
}

void write_u64(hid_t file, const std::string& name, uint64_t v) {
  Handle ds{create_dataset(file, name, H5T_STD_U64LE, {1}), H5Dclose};
  MGR_CHECK(H5Dwrite(ds.id, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0,
            "HDF5: cannot write dataset '" << name << "'");
}

uint64_t read_u64(hid_t file, const std::string& path, const std::string& name) {
  int64_t n = 0;
  Handle ds{open_dataset(file, path, name, n), H5Dclose};
  MGR_CHECK(n == 1, path << ": '" << name << "' holds " << n << " values, expected 1");
  uint64_t v = 0;
  MGR_CHECK(H5Dread(ds.id, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0,
            path << ": cannot read '" << name << "'");
  return v;
}

void set_double_attr(hid_t obj, const char* name, double v) {
  Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  Handle a{H5Acreate2(obj, name, H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  MGR_CHECK(a.id >= 0 && H5Awrite(a.id, H5T_NATIVE_DOUBLE, &v) >= 0,
            "HDF5: cannot write attribute '" << name << "'");
}

double get_double_attr(hid_t obj, const char* name) {
  double v = 0;
  if (H5Aexists(obj, name) <= 0) return v;
  Handle a{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
  H5Aread(a.id, H5T_NATIVE_DOUBLE, &v);
  return v;
}

void write_text(hid_t file, const std::string& name, const std::string& text) {
  Handle ds{create_dataset(file, name, H5T_STD_U8LE, {static_cast<hsize_t>(text.size())}),
            H5Dclose};
  MGR_CHECK(H5Dwrite(ds.id, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) >= 0,
            "HDF5: cannot write dataset '" << name << "'");
}

std::string read_text(hid_t file, const std::string& path, const std::string& name) {
  int64_t n = 0;
  Handle ds{open_dataset(file, path, name, n), H5Dclose};
  std::string text(static_cast<size_t>(n), '\0');
  MGR_CHECK(H5Dread(ds.id, H5T_NATIVE_UCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()) >= 0,
            path << ": cannot read '" << name << "'");
  return text;
}

}  // namespace mgr::train::h5
