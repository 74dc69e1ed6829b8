#include "framework/config/yaml_config.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "framework/config/augment_yaml.h"
#include "framework/config/did_you_mean.h"
#include "framework/config/field_table.h"
#include "framework/config/layers_yaml.h"
#include "framework/config/text_check.h"
#include "framework/config/tree_yaml.h"
#include "kernels/error.h"

namespace mgr::config {
namespace {

std::string join_key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

// The layer lists of the config by key: model.layers, model.generator, model.discriminator.
std::vector<LayerSpec>* layer_list(ExperimentConfig& c, const std::string& key) {
  if (key == "model.layers") return &c.model.layers;
  if (key == "model.generator") return &c.model.generator;
  if (key == "model.discriminator") return &c.model.discriminator;
  return nullptr;
}
const char* const kLayerLists[] = {"model.layers", "model.generator", "model.discriminator"};

// The full key path most likely meant by `key`, or "" when nothing is close.
std::string suggest_key(const std::string& key) {
  const size_t dot = key.rfind('.');
  const std::string prefix = dot == std::string::npos ? "" : key.substr(0, dot);
  const std::string name = dot == std::string::npos ? key : key.substr(dot + 1);
  // 1. a sibling in the same section ("train.epoch" -> "train.epochs")
  if (prefix.empty() || is_section(prefix)) {
    const std::string m = closest_match(name, section_children(prefix));
    if (!m.empty()) return join_key(prefix, m);
  }
  // 2. a key in another section with the same or a close name ("train.n_fft" -> "features.n_fft")
  std::vector<std::string> keys, names;
  for (const Field& f : experiment_fields()) {
    keys.push_back(f.key);
    names.push_back(f.name());
  }
  for (const char* list : kLayerLists) {
    keys.push_back(list);
    names.push_back(std::string(list).substr(6));
  }
  keys.push_back("train.augment");
  names.push_back("augment");
  for (const Section& s : experiment_sections()) {
    if (s.path.empty()) continue;
    keys.push_back(s.path);
    names.push_back(
        s.path.substr(s.path.rfind('.') == std::string::npos ? 0 : s.path.rfind('.') + 1));
  }
  const std::string by_name = closest_match(name, names);
  if (!by_name.empty()) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == by_name) return keys[i];
    }
  }
  // 3. the whole path ("trian.epochs" -> "train.epochs")
  return closest_match(key, keys);
}

std::string did_you_mean(const std::string& suggestion) {
  return suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)";
}

// Where a field's current value came from: a place in the file or a --set override.
struct Origin {
  std::string where;         // "file.yaml:12:3" or "--set train.epochs=0"
  std::string override_key;  // the override's key when `where` is an override
};

// Where each YAML document of `text` starts. Not YAML::LoadAll: yaml-cpp 0.7 (Debian 12) loops
// forever, piling up null documents, on a document that starts with a token its parser cannot
// consume (a stray ',': "a\n...\n,", found by fuzz_experiment_config; yaml-cpp issue 1040, fixed
// upstream after 0.8). Here a document that starts where the previous one did is a syntax error.
std::vector<YAML::Mark> document_starts(const std::string& text) {
  struct Starts : YAML::EventHandler {
    std::vector<YAML::Mark> marks;
    void OnDocumentStart(const YAML::Mark& m) override { marks.push_back(m); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } handler;
  std::istringstream in(text);
  YAML::Parser parser(in);
  while (parser.HandleNextDocument(handler)) {
    const size_t n = handler.marks.size();
    if (n >= 2 && handler.marks[n - 1].pos <= handler.marks[n - 2].pos) {
      const YAML::Mark m = handler.marks[n - 1];
      const size_t pos = static_cast<size_t>(std::max(m.pos, 0));
      throw YAML::ParserException(m, pos < text.size()
                                         ? "unexpected '" + printable(text.substr(pos, 1)) + "'"
                                         : std::string("unexpected end of input"));
    }
  }
  return handler.marks;
}

class Reader {
 public:
  Reader(std::string source, const std::vector<CrossCheck>& rules)
      : source_(std::move(source)), rules_(rules) {}

  void document(const std::string& text) {
    YAML::Node root;
    std::vector<YAML::Mark> starts;
    try {
      root = YAML::Load(text);
      starts = document_starts(text);
    } catch (const YAML::Exception& e) {
      throw Error(at(e.mark) + ": YAML syntax error: " + e.msg);
    }
    if (starts.size() > 1) {
      errors_.push_back(at(starts[1]) + ": expected one YAML document, found " +
                        std::to_string(starts.size()));
    }
    if (!starts.empty()) section(root, "", root.Mark());
  }

  void apply_override(const std::string& text) {
    if (auto problem = text_problem(text)) {
      errors_.push_back("--set " + printable(text) + ": " + *problem);
      return;
    }
    const std::string where = "--set " + text;
    const size_t eq = text.find('=');
    if (eq == std::string::npos) {
      errors_.push_back(where + ": expected key.path=value");
      return;
    }
    std::string key = text.substr(0, eq);
    key.erase(0, key.find_first_not_of(" \t"));
    key.erase(key.find_last_not_of(" \t") + 1);
    for (const char* list : kLayerLists) {
      const std::string prefix = std::string(list) + ".";
      if (key.rfind(prefix, 0) == 0) {
        apply_layer_override(*layer_list(config_, list), key.substr(prefix.size()),
                             text.substr(eq + 1), where, errors_, list);
        return;
      }
    }
    if (key.rfind("train.augment.", 0) == 0) {
      apply_augment_override(config_.train.augment, key.substr(14), text.substr(eq + 1), where,
                             errors_);
      return;
    }
    if (key.rfind("model.tree.", 0) == 0) {
      apply_tree_override(config_.model.tree, key.substr(11), text.substr(eq + 1), where, errors_);
      return;
    }
    if (key == "model.tree" || key == "train.augment" || layer_list(config_, key)) {
      // A whole list replaced: every entry located at the override.
      YAML::Node value;
      try {
        value = YAML::Load(text.substr(eq + 1));
      } catch (const YAML::Exception& e) {
        errors_.push_back(where + ": the value is not valid YAML: " + e.msg);
        return;
      }
      const auto at_override = [&](const YAML::Mark&) { return where; };
      if (key == "model.tree")
        config_.model.tree = parse_tree(value, YAML::Mark::null_mark(), at_override, errors_);
      else if (key == "train.augment")
        config_.train.augment = parse_augment(value, YAML::Mark::null_mark(), at_override, errors_);
      else
        *layer_list(config_, key) =
            parse_layers(value, YAML::Mark::null_mark(), at_override, errors_, key);
      return;
    }
    const Field* f = find_field(key);
    if (!f) {
      if (is_section(key)) {
        errors_.push_back(where + ": '" + key + "' is a section; set one of its keys, e.g. '" +
                          join_key(key, section_children(key).front()) + "'");
      } else {
        errors_.push_back(where + ": unknown key '" + key + "'" + did_you_mean(suggest_key(key)));
      }
      return;
    }
    YAML::Node value;
    try {
      value = YAML::Load(text.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      failed_.insert(key);
      errors_.push_back(where + ": the value is not valid YAML: " + e.msg);
      return;
    }
    try {
      f->read(config_, value);
      origins_[key] = {where, key};
    } catch (const ValueError& e) {
      failed_.insert(key);
      errors_.push_back(where + ": " + (e.key() == key ? "" : e.key() + ": ") + e.what());
    }
  }

  ExperimentConfig finish() {
    for (const Issue& issue : find_issues(config_, rules_)) {
      // A field that failed to read kept its default; judging the default would mislead.
      bool involves_failed = failed_.count(issue.key) > 0;
      for (const std::string& k : issue.other_keys) involves_failed |= failed_.count(k) > 0;
      if (involves_failed) continue;
      errors_.push_back(locate(issue));
    }
    for (const std::string& e : augment_issues(config_)) errors_.push_back(e);
    if (!errors_.empty()) throw Error(join_lines(errors_));
    return config_;
  }

 private:
  std::string at(const YAML::Mark& m) const {
    if (m.is_null() || m.line < 0) return source_;
    return fmt::format("{}:{}:{}", source_, m.line + 1, m.column + 1);
  }

  // The complaint prefixed with where the offending value was set: the issue's own key if it
  // was set, else the first other key involved that was, else just the source.
  std::string locate(const Issue& issue) const {
    auto it = origins_.find(issue.key);
    for (size_t i = 0; it == origins_.end() && i < issue.other_keys.size(); ++i) {
      it = origins_.find(issue.other_keys[i]);
    }
    if (it == origins_.end()) return source_ + ": " + issue.key + ": " + issue.message;
    const Origin& o = it->second;
    if (o.override_key == issue.key) return o.where + ": " + issue.message;
    return o.where + ": " + issue.key + ": " + issue.message;
  }

  void section(const YAML::Node& node, const std::string& prefix, const YAML::Mark& mark) {
    if (node.IsNull()) return;  // an empty section (or file) keeps every default
    const std::string what = prefix.empty() ? "the document" : prefix;
    if (!node.IsMap()) {
      errors_.push_back(at(mark) + ": " + what + ": expected a mapping of keys, got " +
                        describe_node(node));
      return;
    }
    std::set<std::string> seen;
    for (const auto& kv : node) {
      // Copies: yaml-cpp's iterator hands out a temporary pair.
      const YAML::Node k = kv.first;
      const YAML::Node v = kv.second;
      if (!k.IsScalar()) {
        errors_.push_back(at(k.Mark()) + ": " + what + ": expected a key name, got " +
                          describe_node(k));
        continue;
      }
      const std::string key = join_key(prefix, k.Scalar());
      if (!seen.insert(k.Scalar()).second) {
        errors_.push_back(at(k.Mark()) + ": duplicate key '" + key + "'");
        continue;
      }
      if (std::vector<LayerSpec>* list = layer_list(config_, key)) {
        *list = parse_layers(
            v, k.Mark(), [this](const YAML::Mark& m) { return at(m); }, errors_, key);
        continue;
      }
      if (key == "train.augment") {
        config_.train.augment = parse_augment(
            v, k.Mark(), [this](const YAML::Mark& m) { return at(m); }, errors_);
        continue;
      }
      if (key == "model.tree") {
        config_.model.tree = parse_tree(
            v, k.Mark(), [this](const YAML::Mark& m) { return at(m); }, errors_);
        continue;
      }
      if (const Field* f = find_field(key)) {
        try {
          f->read(config_, v);
          origins_[key] = {at(k.Mark()), ""};
        } catch (const ValueError& e) {
          failed_.insert(key);
          // The key's position for the whole value, the element's for one list entry.
          const YAML::Mark& m = e.key() == key || e.mark().is_null() ? k.Mark() : e.mark();
          errors_.push_back(at(m) + ": " + e.key() + ": " + e.what());
        }
      } else if (is_section(key)) {
        section(v, key, k.Mark());
      } else {
        std::string guess = suggest_key(key);
        // A sibling is named as written in the file; a key elsewhere by its full path.
        if (!prefix.empty() && guess.rfind(prefix + ".", 0) == 0)
          guess = guess.substr(prefix.size() + 1);
        errors_.push_back(at(k.Mark()) + ": unknown key '" + key + "'" + did_you_mean(guess));
      }
    }
  }

  std::string source_;
  const std::vector<CrossCheck>& rules_;
  ExperimentConfig config_;
  std::vector<std::string> errors_;
  std::map<std::string, Origin> origins_;
  std::set<std::string> failed_;
};

// Experiment files are a few kilobytes; this only stops a mistaken path at a huge file.
constexpr uintmax_t kMaxExperimentBytes = 16u << 20;

// "file:line:column: invalid UTF-8 ..." for the first bad byte of `text`; yaml-cpp would pass
// the byte into a string that fails only when the run writes its JSON at the end. Control
// characters other than tab and line breaks are not YAML either (a binary file, a NUL).
void check_text(const std::string& text, const std::string& source) {
  const size_t bad_utf8 = invalid_utf8_at(text);
  size_t at = bad_utf8;
  for (size_t i = 0; i < std::min(text.size(), bad_utf8); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7F) {
      at = i;
      break;
    }
  }
  if (at == std::string::npos) return;
  const size_t newline = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
  const size_t column = newline == std::string::npos ? at + 1 : at - newline;  // 1-based, bytes
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(at), '\n');
  const auto byte = static_cast<unsigned char>(text[at]);
  throw Error(fmt::format("{}:{}:{}: {} (byte 0x{:02X}); experiment files must be UTF-8 text",
                          source, line, column,
                          at == bad_utf8 ? "invalid UTF-8" : "control character", byte));
}

}  // namespace

ExperimentConfig parse_experiment(const std::string& yaml_text, const std::string& source_name,
                                  const std::vector<std::string>& overrides,
                                  const std::vector<CrossCheck>& rules) {
  check_text(yaml_text, source_name);
  Reader reader(source_name, rules);
  reader.document(yaml_text);
  for (const std::string& o : overrides) reader.apply_override(o);
  return reader.finish();
}

ExperimentConfig load_experiment(const std::string& path, const std::vector<std::string>& overrides,
                                 const std::vector<CrossCheck>& rules) {
  // The path is recorded in the run's environment.json, so it must be UTF-8 like the rest.
  if (auto problem = text_problem(path)) {
    throw Error("experiment config path '" + printable(path) + "': " + *problem);
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::is_directory(status)) {
    throw Error("experiment config '" + path +
                "' is a directory, not an experiment file (e.g. experiments/crnn_gru.yaml)");
  }
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    throw Error("experiment config '" + path + "' is not a regular file");
  }
  if (std::filesystem::exists(status)) {
    const uintmax_t bytes = std::filesystem::file_size(path, ec);
    if (!ec && bytes > kMaxExperimentBytes) {
      throw Error(fmt::format("experiment config '{}' is {} bytes; experiment files are at most {}",
                              path, bytes, kMaxExperimentBytes));
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open experiment config '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error("cannot read experiment config '" + path + "'");
  return parse_experiment(text.str(), path, overrides, rules);
}

void validate(const ExperimentConfig& c, const std::vector<CrossCheck>& rules) {
  std::vector<std::string> lines;
  for (const Issue& issue : find_issues(c, rules))
    lines.push_back(issue.key + ": " + issue.message);
  for (const std::string& e : augment_issues(c)) lines.push_back(e);
  if (!lines.empty()) throw Error(join_lines(lines));
}

}  // namespace mgr::config
