#include "framework/data/synthetic_styles.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "framework/data/dataset.h"
#include "kernels/error.h"

namespace mgr::data::synth {
namespace {

template <class E>
using Names = std::vector<std::pair<std::string, E>>;

const Names<Bass> kBassNames = {{"None", Bass::None},           {"Root8", Bass::Root8},
                                {"RootHalf", Bass::RootHalf},   {"Walking", Bass::Walking},
                                {"BoomChick", Bass::BoomChick}, {"Octave8", Bass::Octave8},
                                {"Sub808", Bass::Sub808},       {"Reggae", Bass::Reggae},
                                {"Chug16", Bass::Chug16},       {"Sustain", Bass::Sustain}};
const Names<Comp> kCompNames = {{"Pad", Comp::Pad},
                                {"PianoBlock", Comp::PianoBlock},
                                {"Strum", Comp::Strum},
                                {"Skank", Comp::Skank},
                                {"PowerChug", Comp::PowerChug},
                                {"Arpeggio", Comp::Arpeggio},
                                {"JazzComp", Comp::JazzComp},
                                {"Stabs", Comp::Stabs}};
const Names<Lead> kLeadNames = {
    {"None", Lead::None}, {"Melody", Lead::Melody}, {"Blues", Lead::Blues}, {"Jazz", Lead::Jazz}};
const Names<TimbreId> kTimbreNames = {{"Sine", TimbreId::Sine},
                                      {"SoftPad", TimbreId::SoftPad},
                                      {"Strings", TimbreId::Strings},
                                      {"Piano", TimbreId::Piano},
                                      {"EPiano", TimbreId::EPiano},
                                      {"Organ", TimbreId::Organ},
                                      {"SynthSaw", TimbreId::SynthSaw},
                                      {"Square", TimbreId::Square},
                                      {"Brass", TimbreId::Brass},
                                      {"Sax", TimbreId::Sax},
                                      {"Bell", TimbreId::Bell},
                                      {"SubBass", TimbreId::SubBass},
                                      {"FingerBass", TimbreId::FingerBass},
                                      {"SynthBass", TimbreId::SynthBass},
                                      {"CleanGuitar", TimbreId::CleanGuitar},
                                      {"PowerSaw", TimbreId::PowerSaw},
                                      {"Fiddle", TimbreId::Fiddle}};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Reads one styles file. Every error names the file, the line and column when the node has
// them, and the key path ("genres[3] (disco).comps[1]").
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  // The file's chord types and scales (name: [semitones]), read before the genres that name them.
  std::map<std::string, std::vector<int>> chords, scales;

  [[noreturn]] void fail(const YAML::Node& n, const std::string& key,
                         const std::string& what) const {
    std::ostringstream os;
    os << source_;
    if (n.IsDefined() && !n.IsNull() && n.Mark().line >= 0)  // a null's mark is the next token
      os << ":" << n.Mark().line + 1 << ":" << n.Mark().column + 1;
    os << ": " << key << ": " << what;
    throw Error(os.str());
  }

  static std::string shown(const YAML::Node& n) {
    if (n.IsScalar()) return "'" + n.Scalar() + "'";
    if (n.IsSequence()) return "a list";
    if (n.IsMap()) return "a mapping";
    return "nothing";
  }

  std::string text(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(n, key, "expected a name, got " + shown(n));
    return n.Scalar();
  }
  double number(const YAML::Node& n, const std::string& key) const {
    double v = 0;
    if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v))
      fail(n, key, "expected a number, got " + shown(n));
    return v;
  }
  double fraction(const YAML::Node& n, const std::string& key) const {
    const double v = number(n, key);
    if (v < 0 || v > 1) fail(n, key, "expected a value in [0, 1], got " + n.Scalar());
    return v;
  }
  int integer(const YAML::Node& n, const std::string& key) const {
    int v = 0;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, v))
      fail(n, key, "expected an integer, got " + shown(n));
    return v;
  }
  bool boolean(const YAML::Node& n, const std::string& key) const {
    bool v = false;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
      fail(n, key, "expected true or false, got " + shown(n));
    return v;
  }
  std::pair<double, double> range(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence() || n.size() != 2) fail(n, key, "expected [lo, hi], got " + shown(n));
    const double lo = number(n[0], key + "[0]"), hi = number(n[1], key + "[1]");
    if (lo > hi) fail(n, key, "lo > hi");
    return {lo, hi};
  }
  // A list of f(element, its key); empty only when `may_be_empty`.
  template <class F>
  auto list(const YAML::Node& n, const std::string& key, F f, bool may_be_empty = false) const {
    if (!n.IsSequence()) fail(n, key, "expected a list, got " + shown(n));
    std::vector<decltype(f(n, key))> out;
    for (size_t i = 0; i < n.size(); ++i)
      out.push_back(f(n[i], key + "[" + std::to_string(i) + "]"));
    if (out.empty() && !may_be_empty) fail(n, key, "must not be empty");
    return out;
  }
  template <class E>
  E named(const YAML::Node& n, const std::string& key, const Names<E>& table,
          const std::string& what) const {
    const std::string s = text(n, key);
    std::vector<std::string> known;
    for (const auto& [name, value] : table) {
      if (name == s) return value;
      known.push_back(name);
    }
    fail(n, key, "unknown " + what + " '" + s + "' (known: " + join(known) + ")");
  }
  template <class E>
  std::vector<E> names(const YAML::Node& n, const std::string& key, const Names<E>& table,
                       const std::string& what) const {
    return list(n, key, [&](const YAML::Node& e, const std::string& k) {
      return named(e, k, table, what);
    });
  }
  // Checks that `n` is a mapping whose keys are all in `known`, each once.
  void keys(const YAML::Node& n, const std::string& key,
            const std::vector<std::string>& known) const {
    if (!n.IsMap()) fail(n, key, "expected a mapping, got " + shown(n));
    std::set<std::string> seen;
    for (const auto& kv : n) {
      const std::string k = text(kv.first, key);
      if (std::find(known.begin(), known.end(), k) == known.end())
        fail(kv.first, key, "unknown key '" + k + "' (known: " + join(known) + ")");
      if (!seen.insert(k).second) fail(kv.first, key, "key '" + k + "' given twice");
    }
  }

  // A table of name: [semitones] (the chord types, the scales).
  void read_table(const YAML::Node& n, const std::string& key,
                  std::map<std::string, std::vector<int>>& out) const {
    if (!n.IsMap()) fail(n, key, "expected a mapping of name: [semitones], got " + shown(n));
    for (const auto& kv : n) {
      const std::string name = text(kv.first, key);
      out[name] = list(kv.second, key + "." + name,
                       [&](const YAML::Node& e, const std::string& k) { return integer(e, k); });
    }
  }
  // The entry `s` of a table; `n` and `key` say where it was named.
  std::vector<int> from(const std::map<std::string, std::vector<int>>& table, const std::string& s,
                        const YAML::Node& n, const std::string& key,
                        const std::string& what) const {
    const auto it = table.find(s);
    if (it != table.end()) return it->second;
    std::vector<std::string> known;
    for (const auto& kv : table) known.push_back(kv.first);
    fail(n, key, "unknown " + what + " '" + s + "' (known: " + join(known) + ")");
  }
  // "<root> <type>": the root in semitones above the key, a chord type from `chords`.
  Chord chord(const YAML::Node& n, const std::string& key) const {
    std::istringstream in(text(n, key));
    std::string root, type, rest;
    in >> root >> type >> rest;
    const bool ok = !type.empty() && rest.empty() && !root.empty() && root.size() <= 2 &&
                    root.find_first_not_of("0123456789") == std::string::npos &&
                    std::stoi(root) <= 11;
    if (!ok)
      fail(n, key, "expected \"<root 0-11> <chord type>\" (e.g. \"5 dom7\"), got " + shown(n));
    return {std::stoi(root), from(chords, type, n, key, "chord type")};
  }
  Progression progression(const YAML::Node& n, const std::string& key) const {
    keys(n, key, {"minor", "chords"});
    for (const char* k : {"minor", "chords"})
      if (!n[k]) fail(n, key, std::string("missing key '") + k + "'");
    Progression p;
    p.minor = boolean(n["minor"], key + ".minor");
    p.chords = list(n["chords"], key + ".chords",
                    [&](const YAML::Node& e, const std::string& k) { return chord(e, k); });
    return p;
  }
  DrumPattern pattern(const YAML::Node& n, const std::string& key) const {
    keys(n, key, {"kick", "snare", "hat", "open_hat", "ride", "clap"});
    DrumPattern p;
    auto voice = [&](const char* name, std::string& out) {
      if (!n[name]) return;
      out = text(n[name], key + "." + name);
      if (out.size() != 16 || out.find_first_not_of("xg.") != std::string::npos)
        fail(n[name], key + "." + name,
             "expected 16 steps of 'x' (hit), 'g' (ghost) or '.' (rest), got '" + out + "'");
    };
    voice("kick", p.kick);
    voice("snare", p.snare);
    voice("hat", p.hat);
    voice("open_hat", p.open_hat);
    voice("ride", p.ride);
    voice("clap", p.clap);
    return p;
  }

 private:
  std::string source_;
};

// The keys of a genre besides `name`, each with how it sets its field.
struct Field {
  std::string key;
  std::function<void(const Reader&, const YAML::Node&, const std::string&, Style&)> set;
};

Field range(const char* key, double Style::*lo, double Style::*hi) {
  return {key, [=](const Reader& r, const YAML::Node& n, const std::string& k, Style& s) {
            std::tie(s.*lo, s.*hi) = r.range(n, k);
          }};
}
Field number(const char* key, double Style::*f) {
  return {key, [=](const Reader& r, const YAML::Node& n, const std::string& k, Style& s) {
            s.*f = r.number(n, k);
          }};
}
Field fraction(const char* key, double Style::*f) {
  return {key, [=](const Reader& r, const YAML::Node& n, const std::string& k, Style& s) {
            s.*f = r.fraction(n, k);
          }};
}
template <class E>
Field names(const char* key, std::vector<E> Style::*f, const Names<E>& table, const char* what) {
  return {key, [=, &table](const Reader& r, const YAML::Node& n, const std::string& k, Style& s) {
            s.*f = r.names(n, k, table, what);
          }};
}
Field scale(const char* key, std::vector<int> Style::*f) {
  return {key, [=](const Reader& r, const YAML::Node& n, const std::string& k, Style& s) {
            s.*f = r.from(r.scales, r.text(n, k), n, k, "scale");
          }};
}

const std::vector<Field>& fields() {
  static const std::vector<Field> f = {
      range("bpm", &Style::bpm_lo, &Style::bpm_hi),
      range("swing8", &Style::swing8_lo, &Style::swing8_hi),
      range("swing16", &Style::swing16_lo, &Style::swing16_hi),
      fraction("drums_p", &Style::drums_p),
      number("drums_db", &Style::drums_db),
      {"patterns",
       [](const Reader& r, const YAML::Node& n, const std::string& k, Style& s) {
         s.patterns = r.list(
             n, k, [&](const YAML::Node& e, const std::string& ek) { return r.pattern(e, ek); },
             /*may_be_empty=*/true);
       }},
      fraction("crash_p", &Style::crash_p),
      fraction("fill_p", &Style::fill_p),
      fraction("boom", &Style::boom),
      {"progressions",
       [](const Reader& r, const YAML::Node& n, const std::string& k, Style& s) {
         s.progressions = r.list(n, k, [&](const YAML::Node& e, const std::string& ek) {
           return r.progression(e, ek);
         });
       }},
      scale("scale_major", &Style::scale_major),
      scale("scale_minor", &Style::scale_minor),
      fraction("slow_chords_p", &Style::slow_chords_p),
      number("bass_db", &Style::bass_db),
      names("basses", &Style::basses, kBassNames, "bass style"),
      names("bass_timbres", &Style::bass_timbres, kTimbreNames, "timbre"),
      names("comps", &Style::comps, kCompNames, "comping style"),
      names("comp_timbres", &Style::comp_timbres, kTimbreNames, "timbre"),
      {"comp_center",
       [](const Reader& r, const YAML::Node& n, const std::string& k, Style& s) {
         s.comp_center = r.integer(n, k);
         if (s.comp_center < 24 || s.comp_center > 96)
           r.fail(n, k, "expected a MIDI note in [24, 96], got " + n.Scalar());
       }},
      names("leads", &Style::leads, kLeadNames, "lead style"),
      names("lead_timbres", &Style::lead_timbres, kTimbreNames, "timbre"),
      fraction("lead_p", &Style::lead_p),
      range("lead_density", &Style::lead_density_lo, &Style::lead_density_hi),
      fraction("repeat_p", &Style::repeat_p),
      range("distortion", &Style::distortion_lo, &Style::distortion_hi),
      range("reverb", &Style::reverb_lo, &Style::reverb_hi),
      fraction("crackle_p", &Style::crackle_p),
      fraction("lofi_p", &Style::lofi_p),
      number("dynamics_depth", &Style::dynamics_depth),
      range("snr", &Style::snr_lo, &Style::snr_hi)};
  return f;
}

}  // namespace

std::vector<Style> parse_styles(std::string_view yaml, const std::string& source) {
  const YAML::Node root = [&] {
    try {
      return YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
      throw Error(source + ":" + std::to_string(e.mark.line + 1) + ":" +
                  std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
  }();
  Reader r(source);
  r.keys(root, "top level", {"chords", "scales", "defaults", "genres"});
  for (const char* k : {"chords", "scales", "defaults", "genres"})
    if (!root[k]) r.fail(root, "top level", std::string("missing key '") + k + "'");
  r.read_table(root["chords"], "chords", r.chords);
  r.read_table(root["scales"], "scales", r.scales);

  std::vector<std::string> field_keys;
  for (const auto& f : fields()) field_keys.push_back(f.key);
  const YAML::Node defaults = root["defaults"];
  r.keys(defaults, "defaults", field_keys);
  std::vector<std::string> genre_keys = field_keys;
  genre_keys.insert(genre_keys.begin(), "name");

  const auto& want = gtzan_genres();
  const YAML::Node genres = root["genres"];
  if (!genres.IsSequence() || genres.size() != want.size())
    r.fail(genres, "genres",
           "expected the " + std::to_string(want.size()) + " genres of gtzan_genres() in order (" +
               join(want) + "), got " +
               (genres.IsSequence() ? std::to_string(genres.size()) + " entries"
                                    : Reader::shown(genres)));
  std::vector<Style> out;
  for (size_t i = 0; i < want.size(); ++i) {
    const YAML::Node g = genres[i];
    const YAML::Node name = g.IsMap() ? g["name"] : YAML::Node();
    std::string where = "genres[" + std::to_string(i) + "]";
    if (name && name.IsScalar()) where += " (" + name.Scalar() + ")";
    r.keys(g, where, genre_keys);
    if (!name) r.fail(g, where, "missing key 'name'");
    if (r.text(name, where + ".name") != want[i])
      r.fail(name, where + ".name",
             "expected '" + want[i] + "' (the genres follow gtzan_genres(): " + join(want) + ")");
    Style s{};
    for (const auto& f : fields()) {
      if (g[f.key])
        f.set(r, g[f.key], where + "." + f.key, s);
      else if (defaults[f.key])
        f.set(r, defaults[f.key], "defaults." + f.key, s);
      else
        r.fail(g, where, "missing key '" + f.key + "' (set it here or under defaults)");
    }
    out.push_back(std::move(s));
  }
  return out;
}

const std::vector<Style>& styles() {
  static const std::vector<Style> s = parse_styles(styles_yaml(), "datasets/synthetic/styles.yaml");
  return s;
}

}  // namespace mgr::data::synth
