#include "framework/train/checkpoint.h"

#include <hdf5.h>

#include <cstdio>
#include <filesystem>
#include <vector>

namespace mgr::train {

namespace {

// Closes an HDF5 handle on scope exit.
struct H5Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  ~H5Handle() {
    if (id >= 0) close(id);
  }
};

void write_tensor(hid_t file, const std::string& name, const Tensor& t) {
  Tensor h = t.cpu();
  std::vector<hsize_t> dims(h.shape().begin(), h.shape().end());
  if (dims.empty()) dims.push_back(1);
  H5Handle space{H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
  H5Handle lcpl{H5Pcreate(H5P_LINK_CREATE), H5Pclose};
  H5Pset_create_intermediate_group(lcpl.id, 1);
  H5Handle ds{
      H5Dcreate2(file, name.c_str(), H5T_IEEE_F32LE, space.id, lcpl.id, H5P_DEFAULT, H5P_DEFAULT),
      H5Dclose};
  MGR_CHECK(ds.id >= 0, "checkpoint: cannot create dataset '" << name << "'");
  MGR_CHECK(H5Dwrite(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, h.f32()) >= 0,
            "checkpoint: cannot write dataset '" << name << "'");
}

void read_tensor(hid_t file, const std::string& path, const std::string& name, Tensor& t) {
  MGR_CHECK(
      H5Lexists(file, name.c_str(), H5P_DEFAULT) > 0,
      path << ": checkpoint has no entry '" << name << "' (was it saved from another model?)");
  H5Handle ds{H5Dopen2(file, name.c_str(), H5P_DEFAULT), H5Dclose};
  H5Handle space{H5Dget_space(ds.id), H5Sclose};
  const int nd = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<size_t>(nd > 0 ? nd : 0));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  int64_t n = 1;
  for (hsize_t d : dims) n *= static_cast<int64_t>(d);
  MGR_CHECK(n == t.numel(),
            path << ": '" << name << "' holds " << n << " values, the model expects " << t.str());
  Tensor h = Tensor::empty(t.shape(), DType::F32, Device::cpu());
  MGR_CHECK(H5Dread(ds.id, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, h.f32()) >= 0,
            path << ": cannot read '" << name << "'");
  t.copy_from(h);
}

void set_attr(hid_t file, const char* name, double v) {
  H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
  H5Handle a{H5Acreate2(file, name, H5T_IEEE_F64LE, space.id, H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
  H5Awrite(a.id, H5T_NATIVE_DOUBLE, &v);
}

double get_attr(hid_t file, const char* name) {
  double v = 0;
  if (H5Aexists(file, name) <= 0) return v;
  H5Handle a{H5Aopen(file, name, H5P_DEFAULT), H5Aclose};
  H5Aread(a.id, H5T_NATIVE_DOUBLE, &v);
  return v;
}

}  // namespace

void save_checkpoint(const std::string& path, nn::Module& model, const CheckpointInfo& info) {
  const std::string tmp = path + ".tmp";
  {
    H5Handle file{H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose};
    MGR_CHECK(file.id >= 0, "cannot create checkpoint file " << tmp);
    for (auto& [name, p] : model.named_parameters())
      write_tensor(file.id, "parameters/" + name, p->value());
    for (auto& [name, b] : model.named_buffers()) write_tensor(file.id, "buffers/" + name, *b);
    set_attr(file.id, "epoch", info.epoch);
    set_attr(file.id, "validation_accuracy", info.validation_accuracy);
  }
  std::filesystem::rename(tmp, path);
}

CheckpointInfo load_checkpoint(const std::string& path, nn::Module& model) {
  MGR_CHECK(std::filesystem::exists(path), "checkpoint " << path << " does not exist");
  H5Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  MGR_CHECK(file.id >= 0, "cannot open checkpoint " << path << " (not an HDF5 file, or truncated)");
  for (auto& [name, p] : model.named_parameters())
    read_tensor(file.id, path, "parameters/" + name, p->value_mut());
  for (auto& [name, b] : model.named_buffers()) read_tensor(file.id, path, "buffers/" + name, *b);
  CheckpointInfo info;
  info.epoch = static_cast<int>(get_attr(file.id, "epoch"));
  info.validation_accuracy = get_attr(file.id, "validation_accuracy");
  return info;
}

}  // namespace mgr::train
