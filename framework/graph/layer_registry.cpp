#include "framework/graph/layer_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>

#include "framework/graph/layer_list.h"

#define MGR_DECLARE_LAYER_FILE(name) void register_##name##_layers();
namespace mgr::graph {
MGR_LAYER_FILES(MGR_DECLARE_LAYER_FILE)
}
#undef MGR_DECLARE_LAYER_FILE

namespace mgr::graph {

namespace {

std::map<std::string, LayerType>& registry_storage() {
  static std::map<std::string, LayerType> r;
  return r;
}

// Every compiled family registered once, on first use (no static-initialisation order games).
std::map<std::string, LayerType>& registry() {
  static std::once_flag once;
  std::call_once(once, [] {
#define MGR_CALL_LAYER_FILE(name) register_##name##_layers();
    MGR_LAYER_FILES(MGR_CALL_LAYER_FILE)
#undef MGR_CALL_LAYER_FILE
  });
  return registry_storage();
}

std::string num_text(double v) { return fmt::format("{}", v); }

std::string range_text(const KeyDecl& k) {
  std::string s;
  const bool has_lo = std::isfinite(k.lo), has_hi = std::isfinite(k.hi);
  if (has_lo && has_hi) {
    s = fmt::format("in {}{}, {}{}", k.lo_open ? "(" : "[", num_text(k.lo), num_text(k.hi),
                    k.hi_open ? ")" : "]");
  } else if (has_lo) {
    s = fmt::format("{} {}", k.lo_open ? ">" : ">=", num_text(k.lo));
  } else if (has_hi) {
    s = fmt::format("{} {}", k.hi_open ? "<" : "<=", num_text(k.hi));
  }
  if (k.odd) s += s.empty() ? "odd" : ", odd";
  return s;
}

bool in_range(const KeyDecl& k, double v) {
  if (!std::isfinite(v)) return false;
  if (k.lo_open ? !(v > k.lo) : !(v >= k.lo)) return false;
  if (k.hi_open ? !(v < k.hi) : !(v <= k.hi)) return false;
  return true;
}

// A plain (unquoted) scalar read as T, or nullopt.
template <class T>
std::optional<T> scalar_as(const YAML::Node& n) {
  if (!n.IsScalar() || n.Tag() == "!") return std::nullopt;
  try {
    return n.as<T>();
  } catch (const YAML::BadConversion&) {
    return std::nullopt;
  }
}

std::optional<int> as_int(const YAML::Node& n) {
  auto v = scalar_as<long long>(n);
  if (!v || *v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
    return std::nullopt;
  return static_cast<int>(*v);
}

std::string got(const YAML::Node& n) {
  if (n.IsScalar()) return "\"" + n.Scalar() + "\"";
  if (n.IsSequence()) return "a list of " + std::to_string(n.size());
  if (n.IsMap()) return "a mapping";
  return "nothing (null)";
}

}  // namespace

std::string KeyDecl::expected() const {
  const std::string r = range_text(*this);
  const std::string sp = r.empty() ? "" : " " + r;
  switch (kind) {
    case KeyKind::Int:
      return "an integer" + sp;
    case KeyKind::Float:
      return "a number" + sp;
    case KeyKind::Bool:
      return "a boolean (true or false)";
    case KeyKind::Choice: {
      std::string s = "one of {";
      for (size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
      return s + "}";
    }
    case KeyKind::IntPair:
      return "an integer or a list [height, width] of integers" + sp;
    case KeyKind::Padding:
      return "same, valid, an integer >= 0 or a list [height, width] of integers >= 0";
    case KeyKind::Units:
      return "an integer" + sp + ", num_classes or children";
  }
  return "";
}

std::string KeyDecl::check(const YAML::Node& n) const {
  const std::string bad = "expected " + expected() + ", got " + got(n);
  auto int_ok = [&](const YAML::Node& x) {
    auto v = as_int(x);
    return v && in_range(*this, *v) && (!odd || *v % 2 != 0);
  };
  switch (kind) {
    case KeyKind::Int:
      return int_ok(n) ? "" : bad;
    case KeyKind::Float: {
      auto v = scalar_as<double>(n);
      return v && in_range(*this, *v) ? "" : bad;
    }
    case KeyKind::Bool:
      return scalar_as<bool>(n) ? "" : bad;
    case KeyKind::Choice: {
      if (!n.IsScalar()) return bad;
      if (std::find(choices.begin(), choices.end(), n.Scalar()) != choices.end()) return "";
      return bad;
    }
    case KeyKind::IntPair:
      if (n.IsSequence()) return n.size() == 2 && int_ok(n[0]) && int_ok(n[1]) ? "" : bad;
      return int_ok(n) ? "" : bad;
    case KeyKind::Padding: {
      if (n.IsScalar() && (n.Scalar() == "same" || n.Scalar() == "valid")) return "";
      auto nonneg = [](const YAML::Node& x) {
        auto v = as_int(x);
        return v && *v >= 0;
      };
      if (n.IsSequence()) return n.size() == 2 && nonneg(n[0]) && nonneg(n[1]) ? "" : bad;
      return nonneg(n) ? "" : bad;
    }
    case KeyKind::Units:
      if (n.IsScalar() && (n.Scalar() == "num_classes" || n.Scalar() == "children")) return "";
      return int_ok(n) ? "" : bad;
  }
  return bad;
}

LayerArgs::LayerArgs(const config::LayerSpec& spec,
                     std::vector<std::pair<std::string, YAML::Node>> values, int num_classes,
                     int children)
    : spec_(&spec), values_(std::move(values)), num_classes_(num_classes), children_(children) {}

const YAML::Node& LayerArgs::node(const std::string& key) const {
  for (const auto& kv : values_)
    if (kv.first == key) return kv.second;
  MGR_FAIL("layer '" << spec_->name << "': no key '" << key << "' (a bug in its layer type)");
}

int LayerArgs::i(const std::string& key) const { return node(key).as<int>(); }
double LayerArgs::f(const std::string& key) const { return node(key).as<double>(); }
bool LayerArgs::b(const std::string& key) const { return node(key).as<bool>(); }
std::string LayerArgs::s(const std::string& key) const { return node(key).Scalar(); }

std::array<int, 2> LayerArgs::pair(const std::string& key) const {
  const YAML::Node& n = node(key);
  if (n.IsSequence()) return {n[0].as<int>(), n[1].as<int>()};
  return {n.as<int>(), n.as<int>()};
}

std::array<int, 2> LayerArgs::padding(const std::string& key) const {
  const YAML::Node& n = node(key);
  if (n.IsScalar() && n.Scalar() == "same") return {-1, -1};
  if (n.IsScalar() && n.Scalar() == "valid") return {0, 0};
  return pair(key);
}

int LayerArgs::units(const std::string& key) const {
  const YAML::Node& n = node(key);
  if (n.Scalar() == "num_classes") return num_classes_;
  if (n.Scalar() == "children") {
    if (children_ <= 0)
      throw LayerError(key,
                       "'children' is the class count of a tree node; this model is not a "
                       "node of a tree (use num_classes)");
    return children_;
  }
  return n.as<int>();
}

void register_layer_type(LayerType type) {
  std::string name = type.name;
  registry_storage()[name] = std::move(type);
}

const LayerType* find_layer_type(const std::string& name) {
  auto& r = registry();
  auto it = r.find(name);
  return it == r.end() ? nullptr : &it->second;
}

std::vector<std::string> layer_type_names() {
  std::vector<std::string> out;
  for (const auto& [n, t] : registry()) out.push_back(n);
  return out;
}

const std::vector<std::string>& common_layer_keys() {
  static const std::vector<std::string> keys = {"name", "type", "in"};
  return keys;
}

std::string shape_text(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::string layers_markdown() {
  std::string md;
  md += "Every layer has `name` (unique), `type` and optionally `in` (an earlier layer's name, ";
  md += "`input` for the feature tensor, a list for `concat`; default: the previous layer).\n\n";
  for (const auto& [name, t] : registry()) {
    md += "#### `" + name + "`\n\n" + t.doc + "\n\n";
    if (t.keys.empty()) {
      md += "No keys of its own.\n\n";
      continue;
    }
    md += "| key | default | allowed | meaning |\n|---|---|---|---|\n";
    for (const KeyDecl& k : t.keys) {
      std::string allowed = k.expected();
      std::string doc = k.doc;
      for (std::string* s : {&allowed, &doc}) {
        std::string esc;
        for (char ch : *s) {
          if (ch == '|') esc += '\\';
          esc += ch;
        }
        *s = esc;
      }
      md += "| `" + k.name + "` | " +
            (k.default_text.empty() ? std::string("required") : "`" + k.default_text + "`") +
            " | " + allowed + " | " + doc + " |\n";
    }
    md += "\n";
  }
  return md;
}

}  // namespace mgr::graph
