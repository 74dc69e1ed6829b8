// libFuzzer target: bytes -> YAML experiment text -> a validated config. Any input must give a
// config or an mgr::Error (a located message), never a crash, a hang, a sanitizer report or
// another exception type. Seed corpus: tests/fuzz/corpus/config (the experiment YAMLs).
#include <cstddef>
#include <cstdint>
#include <string>

#include "framework/config/yaml_config.h"
#include "framework/experiment/load.h"
#include "framework/graph/resolved_config.h"
#include "kernels/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const mgr::config::ExperimentConfig c = mgr::experiment::parse(text, "fuzz.yaml");
    // What a run writes first: the resolved config must read back.
    (void)mgr::experiment::parse(mgr::graph::to_yaml(c), "resolved.yaml");
  } catch (const mgr::Error&) {
  }
  return 0;
}
