#include "framework/store/h5_tensor.h"

#include <vector>

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
