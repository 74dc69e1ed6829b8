// The one table of experiment-config fields. Each field of ExperimentConfig is declared exactly
// once (field_table.cpp): its key path, the member it binds to, allowed values and a one-line
// doc. YAML parsing, validation, to_yaml, equality and the reference in docs/config.md are all
// driven from this table (design anchor: essentia's declareParameter).
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/config/experiment_config.h"
#include "kernels/error.h"

namespace mgr::config {

// A YAML value of the wrong type for a field. `key` may name a list element ("model.pool[1]").
class ValueError : public Error {
 public:
  ValueError(YAML::Mark mark, std::string key, const std::string& message)
      : Error(message), mark_(mark), key_(std::move(key)) {}
  const YAML::Mark& mark() const { return mark_; }
  const std::string& key() const { return key_; }

 private:
  YAML::Mark mark_;
  std::string key_;
};

// What the user wrote, for "got ..." in messages: "\"ten\"", "a list", "nothing (null)".
// `text` itself when short; otherwise its first 100 bytes (cut at a UTF-8 boundary) and
// "... (N bytes)": an error line quotes a value, it does not print 2 MB of it.
std::string excerpt(const std::string& text);
std::string describe_node(const YAML::Node& n);

struct Field {
  std::string key;       // full dotted path, identical to the C++ member path: "train.epochs"
  std::string type;      // short type for docs: int, uint64, float, bool, string, list[int], ...
  std::string allowed;   // allowed values in words; "any" when every value of the type is fine
  std::string expected;  // what messages say is expected: "an integer >= 1"
  std::string doc;       // one line: what the field means

  // Reads the YAML node into the field; throws ValueError when the node has the wrong type.
  std::function<void(ExperimentConfig&, const YAML::Node&)> read;
  // Range / choice check of the field on its own; returns the complaint (without the key).
  std::function<std::optional<std::string>(const ExperimentConfig&)> check;
  // The value as one line of YAML (flow style), which `read` parses back to the same value.
  std::function<std::string(const ExperimentConfig&)> yaml;
  std::function<bool(const ExperimentConfig&, const ExperimentConfig&)> equal;

  std::string section() const;  // "data.synthetic" for "data.synthetic.seed"; "" at top level
  std::string name() const;     // last component: "seed"
};

struct Section {
  std::string path;  // "" is the top level
  std::string doc;
};

// A rule that ties several fields together; `keys[0]` is the field the complaint is about.
struct CrossCheck {
  std::vector<std::string> keys;
  std::string rule;  // in words, for the docs
  std::function<std::optional<std::string>(const ExperimentConfig&)> check;
};

// One violated rule: the key it is reported against, the other keys involved, the complaint.
struct Issue {
  std::string key;
  std::vector<std::string> other_keys;
  std::string message;
};

// In declaration order; the fields of one section are contiguous, a section's own fields come
// before its subsections.
const std::vector<Field>& experiment_fields();
const std::vector<Section>& experiment_sections();
const std::vector<CrossCheck>& cross_checks();

// The values of features.type: time-frequency types ([C, D, T] per clip), clip-level types ([D]
// per clip, the entries features.vectors accepts) and all of them plus "vectors". A test keeps
// these lists equal to the registered feature stages.
const std::vector<std::string>& time_frequency_feature_types();
const std::vector<std::string>& clip_level_feature_types();
std::vector<std::string> all_feature_types();

const Field* find_field(std::string_view key);  // nullptr when no field has that key
bool is_section(std::string_view path);         // "data", "data.synthetic", ...
std::vector<std::string> section_children(std::string_view section);  // names of fields+subsections

// Every violated range, choice and cross-field rule (empty when the config is valid).
// `more`: cross-field rules declared by higher floors (a task kind's), after the table's own.
std::vector<Issue> find_issues(const ExperimentConfig& c, const std::vector<CrossCheck>& more = {});

// The key reference (Markdown tables of every field and every cross-field rule) that
// docs/config.md embeds; a test keeps the two identical. The layer types' reference
// (graph::layers_markdown, a floor above this one) is passed in and placed before the rules.
// `more_rules` (the task kinds' rules) are listed after the table's own.
std::string fields_markdown(const std::string& layer_types_markdown,
                            const std::vector<CrossCheck>& more_rules = {});

}  // namespace mgr::config
