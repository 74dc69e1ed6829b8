#include "framework/config/layers_yaml.h"

#include <fmt/format.h>

#include "framework/config/did_you_mean.h"
#include "framework/config/field_table.h"
#include "framework/config/text_check.h"

namespace mgr::config {

std::string flow_text(const YAML::Node& n) {
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

namespace {

std::string got(const YAML::Node& n) {
  if (n.IsScalar()) return excerpt("\"" + n.Scalar() + "\"");
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing (null)";
}

}  // namespace

std::vector<LayerSpec> parse_layers(const YAML::Node& node, const YAML::Mark& key_mark,
                                    const std::function<std::string(const YAML::Mark&)>& at,
                                    std::vector<std::string>& errors, const std::string& list) {
  std::vector<LayerSpec> out;
  if (!node.IsSequence() || node.size() == 0) {
    errors.push_back(at(node.IsNull() ? key_mark : node.Mark()) + ": " + list +
                     ": expected a non-empty list of layers ({name: ..., type: "
                     "..., ...}), got " +
                     got(node));
    return out;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node l = node[i];
    const std::string where = at(l.Mark());
    const std::string what = fmt::format("{}[{}]", list, i);
    if (!l.IsMap()) {
      errors.push_back(where + ": " + what +
                       ": expected a mapping {name: ..., type: ..., ...}, got " + got(l));
      continue;
    }
    LayerSpec s;
    s.where = where;
    bool good = true;
    for (const auto& kv : l) {
      const YAML::Node k = kv.first;
      const YAML::Node v = kv.second;
      if (!k.IsScalar()) {
        errors.push_back(at(k.Mark()) + ": " + what + ": expected a key name, got " + got(k));
        good = false;
        continue;
      }
      const std::string key = k.Scalar();
      const std::string kwhere = at(k.Mark());
      if (key == "name" || key == "type") {
        if (!v.IsScalar() || v.Scalar().empty()) {
          errors.push_back(kwhere + ": " + what + "." + key +
                           ": expected a non-empty string, got " + got(v));
          good = false;
          continue;
        }
        // A layer's name names its parameters in checkpoints and, in a tree, folders.
        if (key == "name")
          if (auto problem = file_name_problem(v.Scalar())) {
            errors.push_back(kwhere + ": " + what + ".name: expected a short name (a file name: " +
                             "no '/', '\\' or control characters, at most " +
                             std::to_string(kMaxNameBytes) + " bytes), got " + *problem);
            good = false;
            continue;
          }
        (key == "name" ? s.name : s.type) = v.Scalar();
        s.key_where[key] = kwhere;
      } else if (key == "in") {
        s.in.clear();
        if (v.IsScalar()) {
          s.in.push_back(v.Scalar());
        } else if (v.IsSequence() && v.size() > 0) {
          s.in_is_list = true;
          for (const auto& e : v) {
            if (!e.IsScalar()) {
              errors.push_back(at(e.Mark()) + ": " + what + ".in: expected layer names, got " +
                               got(e));
              good = false;
              break;
            }
            s.in.push_back(e.Scalar());
          }
        } else {
          errors.push_back(kwhere + ": " + what +
                           ".in: expected a layer name or a list of layer names, got " + got(v));
          good = false;
        }
        s.key_where["in"] = kwhere;
      } else {
        if (s.find(key)) {
          errors.push_back(kwhere + ": " + what + ": duplicate key '" + key + "'");
          good = false;
          continue;
        }
        s.set(key, flow_text(v), kwhere);
      }
    }
    if (s.name.empty() || s.type.empty()) {
      errors.push_back(where + ": " + what + ": every layer needs a name and a type" +
                       (s.name.empty() ? "" : " (layer '" + s.name + "' has no type)"));
      good = false;
    }
    if (good) out.push_back(std::move(s));
  }
  return out;
}

void apply_layer_override(std::vector<LayerSpec>& layers, const std::string& rest,
                          const std::string& value_text, const std::string& where,
                          std::vector<std::string>& errors, const std::string& list) {
  const size_t dot = rest.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size()) {
    errors.push_back(where + ": expected " + list + ".<layer name>.<key>=value");
    return;
  }
  const std::string name = rest.substr(0, dot), key = rest.substr(dot + 1);
  std::vector<std::string> names;
  for (const LayerSpec& l : layers) names.push_back(l.name);
  auto it = std::find_if(layers.begin(), layers.end(),
                         [&](const LayerSpec& l) { return l.name == name; });
  if (it == layers.end()) {
    const std::string m = closest_match(name, names);
    errors.push_back(where + ": " + list + " has no layer named '" + name + "'" +
                     (m.empty() ? "" : " (did you mean '" + m + "'?)") + "; its layers are " +
                     fmt::format("{}", fmt::join(names, ", ")));
    return;
  }
  YAML::Node v;
  try {
    v = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    errors.push_back(where + ": the value is not valid YAML: " + e.msg);
    return;
  }
  if (key == "name") {
    errors.push_back(where + ": a layer's name cannot be overridden (other layers refer to it)");
  } else if (key == "type") {
    if (!v.IsScalar()) {
      errors.push_back(where + ": expected a layer type, got " + got(v));
      return;
    }
    it->type = v.Scalar();
    it->key_where["type"] = where;
  } else if (key == "in") {
    it->in.clear();
    it->in_is_list = v.IsSequence();
    if (v.IsScalar()) it->in.push_back(v.Scalar());
    for (const auto& e : v)
      if (e.IsScalar()) it->in.push_back(e.Scalar());
    it->key_where["in"] = where;
  } else {
    it->set(key, flow_text(v), where);
  }
}

}  // namespace mgr::config
