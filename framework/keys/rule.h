// The vocabulary of declared keys' value rules: "in [1, 1024]", "one of {hann, hamming}", ">= 0",
// each with its text for docs and messages and its test. The config table (framework/config/
// field_table.cpp) and the feature stages' keys (framework/keys/) declare their keys
// with these; only the YAML reading stays in the config floor.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace mgr::keys {

// A number as a person writes it in a rule: 0, 0.5, 1e-06.
template <class T>
std::string plain(T v) {
  return fmt::format("{}", v);
}

template <class T>
struct Rule {
  Rule(std::string text_in, std::function<bool(const T&)> ok_in, bool comparison_in = false,
       bool standalone_in = false, std::vector<std::string> choices_in = {})
      : text(std::move(text_in)),
        ok(std::move(ok_in)),
        comparison(comparison_in),
        standalone(standalone_in),
        choices(std::move(choices_in)) {}

  std::string text;  // "> 0", "one of {hann, hamming}", "non-empty"
  std::function<bool(const T&)> ok;
  bool comparison;                   // reads after the type: "an integer >= 1"
  bool standalone;                   // replaces the type in messages: "one of {a, b}"
  std::vector<std::string> choices;  // for did-you-mean
  // When set, the complaint about a value that fails `ok`, instead of "expected ..., got ...":
  // for lists, where naming the offending entry helps more than repeating the rule.
  std::function<std::string(const T&)> why;
};

template <class T>
bool finite(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isfinite(v);
  return true;
}

template <class T>
Rule<T> at_least(T lo) {
  return {">= " + plain(lo), [lo](const T& v) { return finite(v) && v >= lo; }, true};
}
template <class T>
Rule<T> greater_than(T lo) {
  return {"> " + plain(lo), [lo](const T& v) { return finite(v) && v > lo; }, true};
}
template <class T>
Rule<T> in_closed(T lo, T hi) {
  return {"in [" + plain(lo) + ", " + plain(hi) + "]",
          [lo, hi](const T& v) { return v >= lo && v <= hi; }, true};
}
template <class T>
Rule<T> in_left_open(T lo, T hi) {
  return {"in (" + plain(lo) + ", " + plain(hi) + "]",
          [lo, hi](const T& v) { return finite(v) && v > lo && v <= hi; }, true};
}
template <class T>
Rule<T> in_half_open(T lo, T hi) {
  return {"in [" + plain(lo) + ", " + plain(hi) + ")",
          [lo, hi](const T& v) { return v >= lo && v < hi; }, true};
}
inline Rule<double> is_finite() {
  return {"finite", [](const double& v) { return std::isfinite(v); }};
}
inline Rule<std::string> one_of(std::vector<std::string> choices) {
  std::string text = "one of {";
  for (size_t i = 0; i < choices.size(); ++i) text += (i ? ", " : "") + choices[i];
  text += "}";
  return {text,
          [choices](const std::string& v) {
            return std::find(choices.begin(), choices.end(), v) != choices.end();
          },
          false, true, choices};
}
inline Rule<double> one_of_numbers(std::vector<double> choices) {
  std::string text = "one of {";
  for (size_t i = 0; i < choices.size(); ++i) text += (i ? ", " : "") + plain(choices[i]);
  text += "}";
  return {text,
          [choices](const double& v) {
            return std::find(choices.begin(), choices.end(), v) != choices.end();
          },
          false, true};
}
inline Rule<std::string> non_empty() {
  return {"non-empty", [](const std::string& v) { return !v.empty(); }};
}
template <class E>
Rule<std::vector<E>> each(Rule<E> r) {
  return {"each " + r.text,
          [ok = r.ok](const std::vector<E>& v) { return std::all_of(v.begin(), v.end(), ok); }};
}
template <class E>
Rule<std::vector<E>> non_empty_list() {
  return {"non-empty", [](const std::vector<E>& v) { return !v.empty(); }};
}
template <class T>
Rule<T> rule(std::string text, std::function<bool(const T&)> ok) {
  return {std::move(text), std::move(ok)};
}

}  // namespace mgr::keys
