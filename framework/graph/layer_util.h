// Small helpers shared by the register_<family>.cpp files: shape checks that throw LayerError
// with the wording users see, and the KeyDecl shorthands the families declare their keys with.
#pragma once

#include <fmt/format.h>

#include <string>

#include "framework/graph/layer_registry.h"

namespace mgr::graph::util {

// Throws unless `s` has `rank` dimensions; `what` names the layout ("[channels, height,
// width]") and `hint` says which layer makes one.
inline void need_rank(const Shape& s, size_t rank, const std::string& what,
                      const std::string& hint) {
  if (s.size() == rank) return;
  throw LayerError("", fmt::format("needs a {} input per clip, got {}{}", what, shape_text(s),
                                   hint.empty() ? "" : " (" + hint + ")"));
}

inline void need_map(const Shape& s) {
  need_rank(s, 3, "[channels, height, width]",
            s.size() == 1   ? "a vector; a map comes from the feature tensor or a conv2d/pool layer"
            : s.size() == 2 ? "a sequence [time, features]"
                            : "");
}

inline KeyDecl int_key(std::string name, std::string def, std::string doc, double lo = 1,
                       double hi = std::numeric_limits<double>::infinity()) {
  KeyDecl k;
  k.name = std::move(name);
  k.kind = KeyKind::Int;
  k.default_text = std::move(def);
  k.doc = std::move(doc);
  k.lo = lo;
  k.hi = hi;
  return k;
}

inline KeyDecl float_key(std::string name, std::string def, std::string doc, double lo,
                         double hi = std::numeric_limits<double>::infinity(), bool lo_open = false,
                         bool hi_open = false) {
  KeyDecl k;
  k.name = std::move(name);
  k.kind = KeyKind::Float;
  k.default_text = std::move(def);
  k.doc = std::move(doc);
  k.lo = lo;
  k.hi = hi;
  k.lo_open = lo_open;
  k.hi_open = hi_open;
  return k;
}

inline KeyDecl pair_key(std::string name, std::string def, std::string doc, double lo = 1) {
  KeyDecl k = int_key(std::move(name), std::move(def), std::move(doc), lo);
  k.kind = KeyKind::IntPair;
  return k;
}

inline KeyDecl bool_key(std::string name, std::string def, std::string doc) {
  KeyDecl k;
  k.name = std::move(name);
  k.kind = KeyKind::Bool;
  k.default_text = std::move(def);
  k.doc = std::move(doc);
  return k;
}

inline KeyDecl choice_key(std::string name, std::string def, std::string doc,
                          std::vector<std::string> choices) {
  KeyDecl k;
  k.name = std::move(name);
  k.kind = KeyKind::Choice;
  k.default_text = std::move(def);
  k.doc = std::move(doc);
  k.choices = std::move(choices);
  return k;
}

inline KeyDecl units_key(std::string name, std::string doc) {
  KeyDecl k = int_key(std::move(name), "", std::move(doc), 1, 1 << 20);
  k.kind = KeyKind::Units;
  return k;
}

// A layer without state whose forward is one function of its single input.
inline BuiltLayer stateless(std::function<Var(const Var&)> f) {
  return {nullptr, [f](const std::vector<Var>& in) { return f(in[0]); }};
}

}  // namespace mgr::graph::util
