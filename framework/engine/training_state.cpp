#include "framework/engine/training_state.h"

#include <hdf5.h>

#include <filesystem>

#include "framework/store/h5_tensor.h"

namespace mgr::train {

namespace {

constexpr const char* kFormat = "mgr training state 1";

}  // namespace

void save_training_state(const std::string& path, const StateParts& parts,
                         const nlohmann::json& loop) {
  h5::write_file_atomically(path, [&](hid_t file) {
    h5::write_text(file, "format", kFormat);
    for (const auto& [m, module] : parts.modules) {
      for (auto& [name, p] : module->named_parameters())
        h5::write_tensor(file, m + "/parameters/" + name, p->value());
      for (auto& [name, b] : module->named_buffers())
        h5::write_tensor(file, m + "/buffers/" + name, *b);
      for (auto& [name, c] : module->named_counters())
        h5::write_u64(file, m + "/counters/" + name, *c);
    }
    for (const auto& [o, opt] : parts.optimizers) {
      h5::write_text(file, o + "/name", opt->name());
      h5::write_u64(file, o + "/steps", static_cast<uint64_t>(opt->steps()));
      const std::vector<Tensor*> state = opt->state_tensors();
      for (size_t i = 0; i < state.size(); ++i)
        h5::write_tensor(file, o + "/state/" + std::to_string(i), *state[i]);
    }
    h5::write_text(file, "loop", loop.dump());
  });
}

nlohmann::json load_training_state(const std::string& path, const StateParts& parts) {
  MGR_CHECK(std::filesystem::is_regular_file(path), "training state " << path << " does not exist");
  h5::silence_errors();
  h5::Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  MGR_CHECK(file.id >= 0,
            "cannot open training state " << path << " (not an HDF5 file, or truncated)");
  const std::string format = h5::read_text(file.id, path, "format");
  MGR_CHECK(format == kFormat,
            path << ": training state format '" << format << "', expected '" << kFormat << "'");
  for (const auto& [m, module] : parts.modules) {
    for (auto& [name, p] : module->named_parameters())
      h5::read_tensor(file.id, path, m + "/parameters/" + name, p->value_mut());
    for (auto& [name, b] : module->named_buffers())
      h5::read_tensor(file.id, path, m + "/buffers/" + name, *b);
    for (auto& [name, c] : module->named_counters())
      *c = h5::read_u64(file.id, path, m + "/counters/" + name);
  }
  for (const auto& [o, opt] : parts.optimizers) {
    const std::string name = h5::read_text(file.id, path, o + "/name");
    MGR_CHECK(name == opt->name(), path << ": optimiser '" << o << "' was " << name
                                        << ", the run now uses " << opt->name());
    opt->set_steps(static_cast<int64_t>(h5::read_u64(file.id, path, o + "/steps")));
    const std::vector<Tensor*> state = opt->state_tensors();
    for (size_t i = 0; i < state.size(); ++i)
      h5::read_tensor(file.id, path, o + "/state/" + std::to_string(i), *state[i]);
  }
  const std::string loop = h5::read_text(file.id, path, "loop");
  nlohmann::json j = nlohmann::json::parse(loop, nullptr, /*allow_exceptions=*/false);
  MGR_CHECK(!j.is_discarded() && j.is_object(), path << ": the loop record is not a JSON object");
  return j;
}

}  // namespace mgr::train
