// Tensors and scalars in HDF5 files, for the checkpoint and the training state: float tensors as
// f32 datasets (any shape, a scalar as [1]), counters as u64 datasets, text (JSON) as u8
// datasets (attributes are limited to 64 KiB; a shuffled order of many clips is more).
// Errors name the file and the entry.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <string>

#include "framework/tensor/tensor.h"

namespace mgr::train::h5 {

// Closes an HDF5 handle on scope exit.
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (id >= 0) close(id);
  }
};

// HDF5's automatic printing of its error stack off for the process (idempotent): a failure is
// one mgr::Error line, never a 40-line library trace.
void silence_errors();

// Writes an HDF5 file as write_file_atomically writes text: `fill` writes the entries into
// "<path>.tmp.<pid>", which is flushed, closed and renamed over `path`. On any failure (a full
// disk among them) the temporary is removed, an existing `path` is left as it was, and the
// error is one line "cannot write <path>: <reason>".
void write_file_atomically(const std::string& path, const std::function<void(hid_t file)>& fill);

// Intermediate groups of `name` ("a/b/c") are created.
void write_tensor(hid_t file, const std::string& name, const Tensor& t);
// Copies the dataset `name` into `t` (any device), which must hold as many values; `path` names
// the file in errors.
void read_tensor(hid_t file, const std::string& path, const std::string& name, Tensor& t);

void write_u64(hid_t file, const std::string& name, uint64_t v);
uint64_t read_u64(hid_t file, const std::string& path, const std::string& name);

void set_double_attr(hid_t obj, const char* name, double v);
double get_double_attr(hid_t obj, const char* name);  // 0 when absent
void write_text(hid_t file, const std::string& name, const std::string& text);
std::string read_text(hid_t file, const std::string& path, const std::string& name);

}  // namespace mgr::train::h5
