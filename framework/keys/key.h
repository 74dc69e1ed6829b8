// A declared key of a parameter struct: its name, what it means, its value rules and the member it
// binds to, in one line next to the member (design anchor: essentia's declareParameter, and the
// layer registry's keys). The config floor turns each Key into a field of the experiment table
// (YAML reading, checks, resolved YAML, docs); the code that owns the struct lists its keys for
// the feature cache key.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "framework/keys/rule.h"

namespace mgr::keys {

template <class S, class T>
struct Member {
  T S::*member;
  std::vector<Rule<T>> rules;
};

template <class S>
struct Key {
  std::string name;  // the YAML key within its section: "n_mfcc"
  std::string doc;   // one line: what it means, with units
  std::variant<Member<S, int>, Member<S, double>, Member<S, bool>, Member<S, std::string>,
               Member<S, std::vector<std::string>>>
      bind;
};

// key(&MfccKeys::n_mfcc, "n_mfcc", "MFCC coefficients kept", in_closed(1, 1024))
template <class S, class T, class... R>
Key<S> key(T S::*member, std::string name, std::string doc, R... rules) {
  return {std::move(name), std::move(doc), Member<S, T>{member, {rules...}}};
}

// The names of a struct's keys, in declaration order.
template <class S>
std::vector<std::string> key_names() {
  std::vector<std::string> out;
  for (const Key<S>& k : S::keys()) out.push_back(k.name);
  return out;
}

}  // namespace mgr::keys
