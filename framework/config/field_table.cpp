#include "framework/config/field_table.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <regex>
#include <set>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "framework/config/augment_types.h"
#include "framework/config/did_you_mean.h"
#include "framework/config/layers_yaml.h"
#include "framework/config/text_check.h"
#include "framework/config/tree_yaml.h"
#include "framework/data/dataset.h"
#include "framework/keys/feature_keys.h"
#include "framework/keys/rule.h"

namespace mgr::config {

std::string Field::section() const {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

std::string Field::name() const {
  const size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

std::string excerpt(const std::string& text) {
  constexpr size_t kShown = 100;
  if (text.size() <= kShown + 20) return text;
  size_t cut = kShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + fmt::format("... ({} bytes)", text.size());
}

std::string describe_node(const YAML::Node& n) {
  if (n.IsScalar()) return excerpt("\"" + n.Scalar() + "\"");
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "nothing (null)";
}

namespace {

using namespace mgr::keys;

// ---- value types ---------------------------------------------------------------------------

template <class T>
struct TypeInfo;
template <>
struct TypeInfo<int> {
  static std::string type() { return "int"; }
  static std::string phrase() { return "an integer"; }
  static std::string plural() { return "integers"; }
};
template <>
struct TypeInfo<uint64_t> {
  static std::string type() { return "uint64"; }
  static std::string phrase() { return "a non-negative integer"; }
  static std::string plural() { return "non-negative integers"; }
};
template <>
struct TypeInfo<double> {
  static std::string type() { return "float"; }
  static std::string phrase() { return "a number"; }
  static std::string plural() { return "numbers"; }
};
template <>
struct TypeInfo<bool> {
  static std::string type() { return "bool"; }
  static std::string phrase() { return "a boolean (true or false)"; }
  static std::string plural() { return "booleans"; }
};
template <>
struct TypeInfo<std::string> {
  static std::string type() { return "string"; }
  static std::string phrase() { return "a string"; }
  static std::string plural() { return "strings"; }
};
template <class E>
struct TypeInfo<std::vector<E>> {
  static std::string type() { return "list[" + TypeInfo<E>::type() + "]"; }
  static std::string phrase() { return "a list of " + TypeInfo<E>::plural(); }
};

template <class T>
struct IsVector : std::false_type {};
template <class E>
struct IsVector<std::vector<E>> : std::true_type {};

// One value as YAML flow text that reads back to exactly the same value.
std::string yaml_text(int v) { return std::to_string(v); }
std::string yaml_text(uint64_t v) { return std::to_string(v); }
std::string yaml_text(bool v) { return v ? "true" : "false"; }
std::string yaml_text(double v) {
  if (std::isnan(v)) return ".nan";
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  std::string s = fmt::format("{}", v);                       // shortest text that round-trips
  if (s.find_first_of(".e") == std::string::npos) s += ".0";  // 30.0, not 30: it is a float
  return s;
}
std::string yaml_text(const std::string& v) {
  // Always double-quoted so that "true", "1" or "a: b" stay strings when read back.
  YAML::Emitter e;
  e << YAML::DoubleQuoted << v;
  return e.c_str();
}
template <class E>
std::string yaml_text(const std::vector<E>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + yaml_text(E(v[i]));
  return s + "]";
}

YAML::Mark mark_of(const YAML::Node& n) {
  // yaml-cpp marks an empty value at the start of the next line; callers fall back to the key.
  return n.IsNull() ? YAML::Mark::null_mark() : n.Mark();
}

template <class T>
T read_scalar(const YAML::Node& n, const std::string& key, const std::string& expected) {
  auto wrong = [&]() {
    return ValueError(mark_of(n), key, "expected " + expected + ", got " + describe_node(n));
  };
  if (!n.IsScalar()) throw wrong();
  if constexpr (std::is_same_v<T, std::string>) {
    // Every string may end up in JSON (config, metrics), which takes UTF-8 only.
    if (auto problem = text_problem(n.Scalar())) {
      throw ValueError(mark_of(n), key, "expected " + expected + ", got " + *problem);
    }
    return n.Scalar();
  } else {
    // A quoted scalar ("5") is a string in YAML; a number field must not accept it silently.
    if (n.Tag() == "!") throw wrong();
    try {
      return n.as<T>();
    } catch (const YAML::BadConversion&) {
      throw wrong();
    }
  }
}

template <class T>
T read_value(const YAML::Node& n, const std::string& key, const std::string& expected) {
  if constexpr (IsVector<T>::value) {
    using E = typename T::value_type;
    if (!n.IsSequence()) {
      throw ValueError(mark_of(n), key, "expected " + expected + ", got " + describe_node(n));
    }
    T out;
    for (size_t i = 0; i < n.size(); ++i) {
      out.push_back(
          read_scalar<E>(n[i], key + "[" + std::to_string(i) + "]", TypeInfo<E>::phrase()));
    }
    return out;
  } else {
    return read_scalar<T>(n, key, expected);
  }
}

// ---- rules (framework/keys/rule.h), and those that need the config's text checks ----

// Names that become folder names (the run directory, a genre folder).
Rule<std::string> file_name() {
  return {
      "non-empty, at most 100 bytes, without '/', '\\' or control characters, not . or .., "
      "not starting with '-'",
      [](const std::string& v) { return !file_name_problem(v); }};
}
// Paths: any folder, but no control character (a NUL would cut the path short).
Rule<std::string> path_text() {
  return {"non-empty, without control characters",
          [](const std::string& v) { return !v.empty() && !path_problem(v); }};
}
// A path that may be left empty (an optional input).
Rule<std::string> optional_path() {
  return {"empty, or a path without control characters",
          [](const std::string& v) { return v.empty() || !path_problem(v); }};
}
// ---- the field builder ---------------------------------------------------------------------

// KEY(train.epochs) expands to the key text and an accessor of that very member, so the YAML key
// and the C++ member cannot drift apart.
#define KEY(path) \
#path, [](auto& c) -> auto& { return c.path; }

template <class T, class Get>
Field field_of(std::string key, Get get, std::string doc, const std::vector<Rule<T>>& rules) {
  Field f;
  f.key = key;
  f.type = TypeInfo<T>::type();
  f.doc = doc;

  std::vector<std::string> choices;
  std::string allowed, expected;
  bool standalone = false;
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule<T>& r = rules[i];
    allowed += (i ? "; " : "") + r.text;
    if (r.standalone) {
      standalone = true;
      expected = r.text;
      choices = r.choices;
    }
    if (!standalone) {
      const bool first = i == 0;
      expected += (r.comparison ? (first ? " " : " and ") : ", ") + r.text;
    }
  }
  f.allowed = allowed.empty() ? "any" : allowed;
  f.expected = standalone ? expected : TypeInfo<T>::phrase() + expected;

  f.read = [get, k = f.key, e = f.expected](ExperimentConfig& c, const YAML::Node& n) {
    get(c) = read_value<T>(n, k, e);
  };
  f.check = [get, rules, e = f.expected,
             choices](const ExperimentConfig& c) -> std::optional<std::string> {
    const T& v = get(c);
    for (const Rule<T>& r : rules) {
      if (r.ok(v)) continue;
      if (r.why) return r.why(v);
      std::string msg = "expected " + e + ", got " + excerpt(yaml_text(v));
      if constexpr (std::is_same_v<T, std::string>) {
        const std::string guess = closest_match(v, choices);
        if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
      }
      return msg;
    }
    return std::nullopt;
  };
  f.yaml = [get](const ExperimentConfig& c) { return yaml_text(get(c)); };
  f.equal = [get](const ExperimentConfig& a, const ExperimentConfig& b) {
    return get(a) == get(b);
  };
  return f;
}

template <class Get, class... R>
Field field(const char* key, Get get, const char* doc, R... rules) {
  using T = std::remove_cvref_t<decltype(get(std::declval<ExperimentConfig&>()))>;
  return field_of<T>(key, get, doc, std::vector<Rule<T>>{rules...});
}

// The keys a feature stage declares (framework/keys/), as fields of features.*.
template <class S>
void add_stage_keys(std::vector<Field>& out) {
  for (const keys::Key<S>& k : S::keys()) {
    std::visit(
        [&](const auto& m) {
          using T = std::remove_cvref_t<decltype(std::declval<S&>().*(m.member))>;
          const auto member = m.member;
          out.push_back(field_of<T>(
              "features." + k.name, [member](auto& c) -> auto& { return c.features.*member; },
              k.doc, m.rules));
        },
        k.bind);
  }
}

template <class... S>
void add_all_stage_keys(std::vector<Field>& out, std::tuple<S...>*) {
  (add_stage_keys<S>(out), ...);
}

std::string list_text(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// features.vectors: every entry a clip-level feature type. The complaint names the first bad
// entry and why it cannot be concatenated.
Rule<std::vector<std::string>> clip_level_entries() {
  const std::vector<std::string>& clip = clip_level_feature_types();
  Rule<std::vector<std::string>> r(
      "each one of {" + list_text(clip) + "}", [clip](const std::vector<std::string>& v) {
        return std::all_of(v.begin(), v.end(),
                           [&](const std::string& x) { return contains(clip, x); });
      });
  r.why = [clip](const std::vector<std::string>& v) {
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string at = "entry " + std::to_string(i) + " ('" + v[i] + "') ";
      if (contains(clip, v[i])) continue;
      if (contains(time_frequency_feature_types(), v[i]))
        return at + "is a time-frequency type ([C, D, T] per clip); only clip-level types " +
               "concatenate into one vector: " + list_text(clip);
      if (v[i] == "vectors") return at + "would nest the concatenation in itself";
      const std::string guess = closest_match(v[i], clip);
      return at + "is not a clip-level feature type (one of " + list_text(clip) + ")" +
             (guess.empty() ? "" : " (did you mean '" + guess + "'?)");
    }
    return std::string("every entry must be a clip-level feature type");
  };
  return r;
}

bool valid_device(const std::string& d) {
  static const std::regex re("auto|cpu|cuda|cuda:[0-9]+");
  return std::regex_match(d, re);
}

bool valid_split_fractions(const std::vector<double>& f) {
  if (f.size() != 3) return false;
  double sum = 0;
  for (double x : f) {
    if (!(std::isfinite(x) && x > 0)) return false;
    sum += x;
  }
  return std::abs(sum - 1.0) <= 1e-6;
}

bool unique(const std::vector<std::string>& v) {
  return std::set<std::string>(v.begin(), v.end()).size() == v.size();
}

std::vector<Field> build_fields() {
  using S = std::string;
  std::vector<Field> f = {
      // ---- top level
      field(KEY(name), "run name; the run directory is named after it", file_name()),
      field(KEY(paper), "free text: the paper and section this experiment reproduces"),
      field(KEY(paper_test_accuracy),
            "test accuracy the paper reported, as a fraction, for the results table",
            rule<double>("negative (none) or in [0, 1]",
                         [](const double& v) { return std::isfinite(v) && v <= 1; })),
      field(KEY(seed), "experiment seed: initialisation, shuffling, dropout"),
      field(KEY(device), "where to run; auto picks cuda:0 when a GPU is present, else cpu",
            Rule<S>{"one of {auto, cpu, cuda, cuda:N} (N a GPU index)",
                    valid_device,
                    false,
                    true,
                    {"auto", "cpu", "cuda"}}),
      // ---- data
      field(KEY(data.source),
            "audio corpus: synthetic (generated, GTZAN layout), gtzan (a folder in GTZAN "
            "layout), manifest (a CSV/TSV listing path and label, data.manifest), fma (the Free "
            "Music Archive's tracks.csv, data.fma)",
            one_of({"synthetic", "gtzan", "manifest", "fma"})),
      field(KEY(data.root),
            "gtzan and synthetic: the folder root/genre/genre.NNNNN.wav; fma: the audio folder "
            "(fma_small, holding NNN/NNNNNN.mp3); unused by manifest",
            path_text()),
      field(KEY(data.manifest),
            "source manifest: CSV or TSV with a header row: path, label (or genre), optional "
            "split (train/validation/test), group (artist, album: kept on one side of a track "
            "split), id; relative paths are taken against the manifest's folder",
            optional_path()),
      field(KEY(data.exclude),
            "a file of track ids to leave out before decoding, one per line ('#' starts a "
            "comment): GTZAN's are file names without extension (blues.00012), a manifest's "
            "its id column, FMA's the six-digit track id; empty: none",
            optional_path()),
      field(KEY(data.genres), "genres to use, in label order; empty: the ten GTZAN genres",
            each(file_name()), rule<std::vector<S>>("no duplicates", unique)),
      field(KEY(data.max_tracks_per_genre), "use at most this many tracks per genre; 0: all",
            at_least(0)),
      field(KEY(data.max_track_seconds),
            "longer audio files are skipped with the reason; bounds the memory one track takes "
            "(decoded mono at data.sample_rate) whatever its header claims (s)",
            in_closed(1.0, 86400.0)),
      field(KEY(data.sample_rate), "audio is resampled to this rate (Hz)", in_closed(1000, 192000)),
      // At most an hour: a clip's samples (clip_seconds * sample_rate) are counted in int.
      field(KEY(data.clip_seconds), "length of one clip, the unit the model sees (s)",
            in_left_open(0.0, 3600.0)),
      field(KEY(data.clip_hop_seconds),
            "hop between clip starts (s); equal to clip_seconds: no overlap",
            in_left_open(0.0, 3600.0)),
      field(KEY(data.pad_short_seconds),
            "a track shorter than one clip by at most this much is padded with silence at its "
            "end to one clip (one clip instead of none: GTZAN has excerpts of 29.9x s that 30 s "
            "clips would drop); 0: such tracks give no clip (s)",
            in_closed(0.0, 3600.0)),
      field(KEY(data.split),
            "track_stratified: a track's clips share a split, genres balanced (groups kept on "
            "one side when the data has them); random_clips: clips split at random (leaks "
            "tracks across splits); official: the corpus's own split (a manifest's split "
            "column, FMA's set/split); gtzan_fault_filtered: GTZAN's fault-filtered lists "
            "(Kereliuk, Sturm & Larsen 2015; tracks in no list are left out)",
            one_of({"track_stratified", "random_clips", "official", "gtzan_fault_filtered"})),
      field(KEY(data.split_seed),
            "seed of the split and of the folds; 0: the experiment seed, so each seed of "
            "protocol.seeds also draws other folds; set, every seed trains and tests on the same "
            "folds (repeats that differ only in initialisation, shuffling and augmentation)"),
      field(KEY(data.split_fractions), "train, validation, test fractions",
            rule<std::vector<double>>("3 entries, each > 0, summing to 1 (within 1e-6)",
                                      valid_split_fractions)),
      field(KEY(data.max_clips_per_track),
            "keep only the first N clips of each track (paper 003: 15 pieces); 0: all",
            at_least(0)),
      // ---- data.fma
      field(KEY(data.fma.metadata),
            "source fma: fma_metadata/tracks.csv (genre track/genre_top, part set/split, "
            "subset set/subset, group artist/id)",
            optional_path()),
      field(KEY(data.fma.subset), "source fma: small, medium (includes small) or large (all)",
            one_of({"small", "medium", "large"})),
      // ---- data.synthetic
      field(KEY(data.synthetic.tracks_per_genre), "tracks generated per genre (GTZAN has 100)",
            at_least(1)),
      field(KEY(data.synthetic.track_seconds), "length of each generated track (s)",
            in_left_open(0.0, 3600.0)),
      field(KEY(data.synthetic.seed), "corpus seed, independent of the experiment seed"),
      // ---- features
      field(KEY(features.type),
            "feature: log_mel, mel, stft, stft_compressed, mfcc, chroma (time-frequency), "
            "beat_chroma, spectral, rhythm, pitch_histogram, mfcc_stats (clip-level vectors) or "
            "vectors (the clip-level types of features.vectors concatenated)",
            one_of(all_feature_types())),
      field(KEY(features.vectors),
            "vectors: the clip-level types concatenated, in this order, into one clip vector "
            "(each reads its own features.* keys; a shared STFT is computed once)",
            non_empty_list<S>(), clip_level_entries(),
            rule<std::vector<S>>("no duplicates", unique)),
      field(KEY(features.crop_frames),
            "time-frequency types: keep the first N frames of each clip (paper 002: 1280); 0: "
            "all",
            at_least(0)),
      field(KEY(features.normalize),
            "standardisation with training-split statistics: none, global (one mean and std) or "
            "per_band (one per feature row)",
            one_of({"none", "global", "per_band"})),
      field(KEY(features.upload),
            "audio sent to the device as float32, or int16 (half the bytes; exact for 16-bit "
            "sources at their native rate, otherwise quantised to 16 bits)",
            one_of({"float32", "int16"})),
      field(KEY(features.mode),
            "precomputed: every clip's features computed once (and cached), batches gathered "
            "from the table; on_the_fly: each training and evaluation batch computed when "
            "needed by the same device pipeline (no table, no cache; the path augmentation "
            "takes), standardised with statistics streamed over the training clips",
            one_of({"precomputed", "on_the_fly"})),
      field(KEY(features.batch_clips), "clips per batch when computing features on the device",
            in_closed(1, 65536)),
      field(KEY(features.cache),
            "auto: read the HDF5 feature cache when its key matches, else compute and write it; "
            "off: always compute",
            one_of({"auto", "off"})),
      field(KEY(features.cache_dir), "folder of the feature cache files", path_text()),
      field(KEY(features.cache_compression), "gzip level of the cached features; 0: none",
            in_closed(0, 9)),
      field(KEY(features.storage),
            "where a run keeps the cached feature table (precomputed mode, cache auto): memory; "
            "disk (training and evaluation batches read from the cache file by a prefetching "
            "reader, memory flat in the corpus size); auto: memory when the table fits "
            "features.memory_budget_gb. The cache itself is always built a group of tracks at a "
            "time, so decoding never holds the corpus",
            one_of({"auto", "memory", "disk"})),
      field(KEY(features.memory_budget_gb),
            "features.storage auto: the largest table kept in memory (GiB); 0: half of the "
            "machine's memory (or of the cgroup's limit when lower) and, on a GPU, at most half "
            "of the device's memory (the table in memory sits on the device whole)",
            in_closed(0.0, 1048576.0)),
      // ---- model (model.layers and model.tree are lists, read by layers_yaml / tree_yaml)
      field(KEY(model.type),
            "network: one classifier from model.layers; tree: a tree of classifiers "
            "(model.tree), each node a network from model.layers ending in units: children; "
            "knn: k nearest neighbours on the features (model.knn), no network; gan: a "
            "generator and a discriminator (model.generator, model.discriminator, model.gan); "
            "the kinds are registered in framework/tasks/task_list.cpp, and the rule that names "
            "them is the registry's",
            non_empty()),
      field(KEY(model.tree_routing),
            "tree: the headline prediction: hard (each node's argmax, top-down; paper 000) or "
            "soft (argmax of the product of probabilities along each genre's path); both are "
            "reported",
            one_of({"hard", "soft"})),
      field(KEY(model.tree_baseline),
            "tree: also train model.layers as one flat classifier (children = the genres) on "
            "the same split, reported beside the tree"),
      field(KEY(model.knn.k), "neighbours that vote", in_closed(1, 4096)),
      field(KEY(model.knn.metric), "distance between standardised feature vectors",
            one_of({"euclidean", "cosine"})),
      field(KEY(model.knn.vote),
            "majority: one vote per neighbour; distance: 1 / distance (scikit-learn's "
            "weights='distance')",
            one_of({"majority", "distance"})),
      field(KEY(model.knn.standardise),
            "scale every feature column by the training split's mean and std before distances"),
      field(KEY(model.knn.groups),
            "feature groups (parts of features.vectors, or the feature type) given a distance "
            "weight in model.knn.weights; groups not listed weigh 1",
            each(non_empty()), rule<std::vector<S>>("no duplicates", unique)),
      field(KEY(model.knn.weights),
            "the distance weight of each group in model.knn.groups (squared distances are "
            "summed times the weight; paper 000's weighted distance over feature groups)",
            each(at_least(0.0))),
      field(KEY(model.gan.latent),
            "gan: values of the latent vector z ~ N(0, I), the generator's `input` [latent]",
            in_closed(1, 65536)),
      field(KEY(model.gan.conditional),
            "gan: feed the genre to both networks as a one-hot vector, the layer input named "
            "`condition` [genres] (a conditional GAN; generate asks for a genre)"),
      field(KEY(model.gan.init),
            "gan: normal: DCGAN's initialisation (conv, transposed conv and dense weights "
            "N(0, init_std), batch-norm scales N(1, init_std), biases 0); layer: each layer "
            "type's own",
            one_of({"normal", "layer"})),
      field(KEY(model.gan.init_std), "gan: standard deviation of the normal initialisation",
            greater_than(0.0)),
      field(KEY(model.gan.generator_loss),
            "gan: non_saturating: G minimises -log D(G(z)) (Goodfellow et al. 2014, the DCGAN "
            "reading); minimax: G maximises log(1 - D(G(z)))",
            one_of({"non_saturating", "minimax"})),
      field(KEY(model.gan.real_label),
            "gan: target of real clips in the discriminator's loss; below 1 is one-sided label "
            "smoothing",
            rule<double>("in (0, 1]", [](const double& v) { return v > 0 && v <= 1; })),
      field(KEY(model.gan.sample_every),
            "gan: epochs between grids of generated beside real spectrograms "
            "(samples/epoch_NNN.png); the last epoch always writes one",
            at_least(1)),
      field(KEY(model.gan.grid_columns), "gan: spectrograms per row of a sample grid",
            in_closed(1, 64)),
      field(KEY(model.gan.classifier_run),
            "gan: run directory of a genre classifier trained on the same features (the same "
            "features.* and clip shape); its penultimate layer gives the Frechet distance and "
            "its decisions the genre accuracy of generated clips; empty: no quality metrics",
            optional_path()),
      field(KEY(model.gan.eval_samples),
            "gan: generated clips measured by the classifier (per genre when conditional); 0: "
            "as many as the test split holds",
            at_least(0)),
      field(KEY(model.gan.quality_every),
            "gan: epochs between measurements of the generator by model.gan.classifier_run "
            "while it trains (quality/epoch_NNN.json, metrics.json quality.by_epoch: the "
            "Frechet curve); the last epoch is always measured; 0: only the finished generator",
            at_least(0)),
      // ---- train
      field(KEY(train.optimizer),
            "optimiser: adam (torch.optim.Adam) or sgd (torch.optim.SGD with momentum)",
            one_of({"adam", "sgd"})),
      field(KEY(train.lr), "learning rate (the start value of a schedule)", greater_than(0.0)),
      field(KEY(train.beta1), "Adam first-moment decay", in_half_open(0.0, 1.0)),
      field(KEY(train.beta2), "Adam second-moment decay", in_half_open(0.0, 1.0)),
      field(KEY(train.eps), "Adam epsilon (Keras' default 1e-7)", greater_than(0.0)),
      field(KEY(train.momentum), "SGD momentum (0: plain SGD)", in_half_open(0.0, 1.0)),
      field(KEY(train.nesterov), "SGD: Nesterov momentum"),
      field(KEY(train.weight_decay), "L2 weight decay added to the gradient", at_least(0.0)),
      field(KEY(train.lr_schedule),
            "learning rate over training: constant, linear (decays to 0 at the last step; "
            "paper 000), step (times lr_gamma every lr_step_every; paper 003) or cosine (to "
            "lr_min)",
            one_of({"constant", "linear", "step", "cosine"})),
      field(KEY(train.lr_step_every), "step schedule: decay every N epochs or iterations",
            at_least(0)),
      field(KEY(train.lr_step_unit), "unit of lr_step_every", one_of({"epoch", "iteration"})),
      field(KEY(train.lr_gamma), "step schedule: factor applied at each decay",
            rule<double>("in (0, 1]", [](const double& v) { return v > 0 && v <= 1; })),
      field(KEY(train.lr_min), "cosine schedule: the final learning rate", at_least(0.0)),
      field(KEY(train.clip_grad_norm),
            "clip the global L2 norm of all gradients to this before each step; 0: off",
            at_least(0.0)),
      field(KEY(train.batch_size), "clips per batch", at_least(1)),
      field(KEY(train.accumulate),
            "split each batch into this many micro-batches, run one after the other, whose "
            "gradients are summed before the one optimiser step (and the one gradient clipping): "
            "the memory of a batch of batch_size / accumulate clips. Each micro-batch's mean loss "
            "is weighted by its share of the batch's clips, so the step is the full batch's up "
            "to rounding for layers without batch statistics; batch norm normalises (and updates "
            "its running statistics) per micro-batch. When batch_size is not a multiple, the "
            "micro-batches differ by at most one clip; a last, shorter batch of n clips is split "
            "into min(accumulate, n / 2). Validation and test run in batches of batch_size / "
            "accumulate (rounded up)",
            at_least(1)),
      field(KEY(train.epochs), "passes over the training split (when iterations is 0)",
            at_least(1)),
      field(KEY(train.iterations),
            "> 0: train for this many optimiser steps (validation after each pass over the "
            "training split and at the end) instead of epochs",
            at_least(0)),
      field(KEY(train.early_stopping_patience),
            "stop when the validation accuracy has not improved for this many epochs (the best "
            "checkpoint is kept); 0: off",
            at_least(0)),
      field(KEY(train.log_every), "steps between progress lines", at_least(1)),
      // ---- evaluation
      field(KEY(evaluation.vote_thresholds),
            "track decisions by clip votes with threshold T (paper 003, Table 2), reported "
            "under both readings; empty: only the plain majority and mean-probability votes",
            each(at_least(1))),
      // ---- protocol
      field(KEY(protocol.folds),
            "k-fold cross-validation over the unit of data.split (tracks stratified by genre, or "
            "clips): fold i tests, fold i+1 validates, the rest trains; 0: one split by "
            "data.split_fractions",
            rule<int>("0 or in [3, 100]",
                      [](const int& v) { return v == 0 || (v >= 3 && v <= 100); })),
      field(KEY(protocol.fold),
            "-1: run every fold; 0..folds-1: only that fold (one run of the protocol, as a sweep "
            "or a job array runs it)",
            at_least(-1)),
      field(KEY(protocol.seeds),
            "repeat the experiment once per seed (each replaces `seed`, and so draws its own split "
            "unless data.split_seed is set); empty: `seed` only",
            rule<std::vector<uint64_t>>("no duplicates",
                                        [](const std::vector<uint64_t>& v) {
                                          return std::set<uint64_t>(v.begin(), v.end()).size() ==
                                                 v.size();
                                        })),
  };

  // The feature stages' own keys, after features.type, in the stages' order.
  std::vector<Field> stage;
  add_all_stage_keys(stage, static_cast<features::StageKeyStructs*>(nullptr));
  const auto type_at =
      std::find_if(f.begin(), f.end(), [](const Field& x) { return x.key == "features.type"; });
  f.insert(type_at + 1, stage.begin(), stage.end());

  // The emitter writes a section header once: a section's fields must be contiguous.
  std::set<std::string> closed;
  std::string current;
  for (const Field& x : f) {
    if (x.section() == current) continue;
    closed.insert(current);
    current = x.section();
    MGR_CHECK(!closed.count(current),
              "config field table: section '" << current << "' is not contiguous");
  }
  return f;
}

#undef KEY

// What the feature stages' rules read besides their keys.
features::FeatureKeyContext feature_context(const ExperimentConfig& c) {
  features::FeatureKeyContext x;
  x.type = c.features.type;
  x.vectors = c.features.vectors;
  x.sample_rate = c.data.sample_rate;
  x.clip_seconds = c.data.clip_seconds;
  x.clip_samples = data::seconds_to_samples(c.data.clip_seconds, c.data.sample_rate);
  return x;
}

std::vector<CrossCheck> build_cross_checks() {
  using R = std::optional<std::string>;
  std::vector<CrossCheck> checks = {
      {{"protocol.fold", "protocol.folds"},
       "fold < folds (-1: every fold)",
       [](const ExperimentConfig& c) -> R {
         if (c.protocol.fold < 0 || c.protocol.fold < c.protocol.folds) return std::nullopt;
         if (c.protocol.folds == 0)
           return fmt::format("names fold {} but protocol.folds is 0 (no cross-validation)",
                              c.protocol.fold);
         return fmt::format("must be < protocol.folds = {}, got {}", c.protocol.folds,
                            c.protocol.fold);
       }},
      {{"model.knn.weights", "model.knn.groups"},
       "one weight per group",
       [](const ExperimentConfig& c) -> R {
         if (c.model.knn.weights.size() == c.model.knn.groups.size()) return std::nullopt;
         return fmt::format("must give one weight per group of model.knn.groups ({}), got {}",
                            c.model.knn.groups.size(), c.model.knn.weights.size());
       }},
      {{"features.storage", "features.cache", "features.mode"},
       "storage disk needs the cache (cache auto, mode precomputed)",
       [](const ExperimentConfig& c) -> R {
         if (c.features.storage != "disk" ||
             (c.features.cache == "auto" && c.features.mode == "precomputed"))
           return std::nullopt;
         return fmt::format(
             "disk reads batches from the feature cache, but features.cache is {} and "
             "features.mode is {} (disk needs cache auto and mode precomputed)",
             c.features.cache, c.features.mode);
       }},
      {{"data.clip_seconds", "data.synthetic.track_seconds", "data.source"},
       "clip_seconds <= synthetic.track_seconds when source is synthetic",
       [](const ExperimentConfig& c) -> R {
         if (c.data.source != "synthetic" || c.data.clip_seconds <= c.data.synthetic.track_seconds)
           return std::nullopt;
         return fmt::format(
             "must be <= data.synthetic.track_seconds = {} (data.source is "
             "synthetic), got {}",
             c.data.synthetic.track_seconds, c.data.clip_seconds);
       }},
      {{"data.synthetic.track_seconds", "data.max_track_seconds", "data.source"},
       "synthetic.track_seconds <= max_track_seconds when source is synthetic",
       [](const ExperimentConfig& c) -> R {
         if (c.data.source != "synthetic" ||
             c.data.synthetic.track_seconds <= c.data.max_track_seconds)
           return std::nullopt;
         return fmt::format(
             "must be <= data.max_track_seconds = {} (longer tracks are skipped), got {}",
             c.data.max_track_seconds, c.data.synthetic.track_seconds);
       }},
      {{"data.genres", "data.source"},
       "the synthetic corpus has the ten GTZAN genres",
       [](const ExperimentConfig& c) -> R {
         if (c.data.source != "synthetic") return std::nullopt;
         const std::vector<std::string>& known = data::gtzan_genres();
         for (const std::string& g : c.data.genres) {
           if (std::find(known.begin(), known.end(), g) != known.end()) continue;
           const std::string near = closest_match(g, known);
           return fmt::format(
               "'{}' is not a genre of the synthetic corpus ({}){}", g, fmt::join(known, ", "),
               near.empty() ? std::string() : fmt::format("; did you mean '{}'?", near));
         }
         return std::nullopt;
       }},
      {{"model.gan.quality_every", "model.gan.classifier_run"},
       "gan: quality_every needs classifier_run",
       [](const ExperimentConfig& c) -> R {
         if (c.model.gan.quality_every == 0 || !c.model.gan.classifier_run.empty())
           return std::nullopt;
         return std::string(
             "needs model.gan.classifier_run (the classifier that measures the generator)");
       }},
      {{"data.manifest", "data.source"},
       "data.manifest is set when source is manifest",
       [](const ExperimentConfig& c) -> R {
         if (c.data.source != "manifest" || !c.data.manifest.empty()) return std::nullopt;
         return std::string("must name the manifest file (data.source is manifest)");
       }},
      {{"data.fma.metadata", "data.source"},
       "data.fma.metadata is set when source is fma",
       [](const ExperimentConfig& c) -> R {
         if (c.data.source != "fma" || !c.data.fma.metadata.empty()) return std::nullopt;
         return std::string(
             "must name fma_metadata/tracks.csv (data.source is fma; data.root is the audio "
             "folder)");
       }},
      {{"data.split", "data.source"},
       "official needs a source with its own split; gtzan_fault_filtered needs GTZAN",
       [](const ExperimentConfig& c) -> R {
         if (c.data.split == "official" && c.data.source != "manifest" && c.data.source != "fma")
           return fmt::format(
               "official takes the corpus's own split, which only a manifest (split column) or "
               "fma (set/split) has; data.source is {}",
               c.data.source);
         if (c.data.split == "gtzan_fault_filtered" && c.data.source != "gtzan" &&
             c.data.source != "manifest")
           return fmt::format(
               "gtzan_fault_filtered picks GTZAN tracks by id (blues.00012): use source gtzan "
               "(or a manifest of GTZAN files); data.source is {}",
               c.data.source);
         return std::nullopt;
       }},
      {{"protocol.folds", "data.split"},
       "no folds over a fixed split",
       [](const ExperimentConfig& c) -> R {
         if (c.protocol.folds == 0 ||
             (c.data.split != "official" && c.data.split != "gtzan_fault_filtered"))
           return std::nullopt;
         return fmt::format(
             "must be 0 with data.split {}: the corpus fixes the split, there is nothing to fold "
             "(use track_stratified for k-fold cross-validation)",
             c.data.split);
       }},
      {{"train.accumulate", "train.batch_size"},
       "batch_size >= 2 * accumulate (every micro-batch holds two clips or more)",
       [](const ExperimentConfig& c) -> R {
         if (c.train.batch_size >= 2 * static_cast<int64_t>(c.train.accumulate))
           return std::nullopt;
         return fmt::format(
             "must be at most train.batch_size / 2 = {} (every micro-batch holds two clips or "
             "more, for batch norm's variance), got {}",
             c.train.batch_size / 2, c.train.accumulate);
       }},
      {{"data.clip_seconds", "data.max_track_seconds"},
       "clip_seconds <= max_track_seconds",
       [](const ExperimentConfig& c) -> R {
         if (c.data.clip_seconds <= c.data.max_track_seconds) return std::nullopt;
         return fmt::format(
             "must be <= data.max_track_seconds = {} (no accepted track holds a longer clip), "
             "got {}",
             c.data.max_track_seconds, c.data.clip_seconds);
       }},
  };
  // Then the feature stages' own rules (framework/keys/).
  for (const features::FeatureRule& r : features::feature_rules())
    checks.push_back({r.keys, r.rule, [check = r.check](const ExperimentConfig& c) {
                        return check(c.features, feature_context(c));
                      }});
  return checks;
}

}  // namespace

const std::vector<std::string>& time_frequency_feature_types() {
  static const std::vector<std::string> t = {"log_mel",         "mel",  "stft",
                                             "stft_compressed", "mfcc", "chroma"};
  return t;
}

const std::vector<std::string>& clip_level_feature_types() {
  static const std::vector<std::string> t = {"beat_chroma", "spectral", "rhythm", "pitch_histogram",
                                             "mfcc_stats"};
  return t;
}

std::vector<std::string> all_feature_types() {
  std::vector<std::string> t = time_frequency_feature_types();
  for (const std::string& x : clip_level_feature_types()) t.push_back(x);
  t.push_back("vectors");
  return t;
}

const std::vector<Field>& experiment_fields() {
  static const std::vector<Field> fields = build_fields();
  return fields;
}

const std::vector<Section>& experiment_sections() {
  static const std::vector<Section> sections = {
      {"", "experiment identity, seed and device"},
      {"data", "the audio corpus, clip segmentation and the train/validation/test split"},
      {"data.synthetic", "the generated corpus, used when data.source is synthetic"},
      {"data.fma", "the Free Music Archive's metadata, used when data.source is fma"},
      {"features",
       "the feature front end, its normalisation and the feature cache (librosa >= 0.10 defaults "
       "unless set)"},
      {"model",
       "the network as data: model.layers, a list of named layers (see the layer reference); "
       "model.tree, a tree of classifiers; or a KNN"},
      {"model.knn", "k nearest neighbours (model.type knn; framework/knn/knn.h)"},
      {"model.gan",
       "a generative adversarial network (model.type gan; framework/tasks/gan/): model.generator "
       "and "
       "model.discriminator are layer lists"},
      {"train", "the optimiser, the learning-rate schedule and the training loop"},
      {"evaluation", "how clip predictions become track decisions"},
      {"protocol",
       "repeats over seeds and k-fold cross-validation; each run in its own folder, the figures "
       "aggregated (mean, standard deviation) in the experiment's metrics.json"},
  };
  return sections;
}

const std::vector<CrossCheck>& cross_checks() {
  static const std::vector<CrossCheck> checks = build_cross_checks();
  return checks;
}

const Field* find_field(std::string_view key) {
  for (const Field& f : experiment_fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

bool is_section(std::string_view path) {
  for (const Section& s : experiment_sections()) {
    if (!s.path.empty() && s.path == path) return true;
  }
  return false;
}

std::vector<std::string> section_children(std::string_view section) {
  std::vector<std::string> out;
  if (section == "model") {  // lists, parsed by layers_yaml and tree_yaml
    out.push_back("layers");
    out.push_back("tree");
    out.push_back("generator");
    out.push_back("discriminator");
  }
  for (const Field& f : experiment_fields()) {
    if (f.section() == section) out.push_back(f.name());
  }
  if (section == "train") out.push_back("augment");  // a list, parsed by augment_yaml
  for (const Section& s : experiment_sections()) {
    if (s.path.empty()) continue;
    const size_t dot = s.path.rfind('.');
    const std::string parent = dot == std::string::npos ? "" : s.path.substr(0, dot);
    if (parent == section)
      out.push_back(dot == std::string::npos ? s.path : s.path.substr(dot + 1));
  }
  return out;
}

std::vector<Issue> find_issues(const ExperimentConfig& c, const std::vector<CrossCheck>& more) {
  std::vector<Issue> issues;
  std::set<std::string> bad;
  for (const Field& f : experiment_fields()) {
    if (auto msg = f.check(c)) {
      issues.push_back({f.key, {}, *msg});
      bad.insert(f.key);
    }
  }
  // A cross-field rule over a field that is already out of range would only repeat the problem.
  auto judge = [&](const CrossCheck& x) {
    if (std::any_of(x.keys.begin(), x.keys.end(), [&](const auto& k) { return bad.count(k); }))
      return;
    if (auto msg = x.check(c)) {
      issues.push_back({x.keys[0], {x.keys.begin() + 1, x.keys.end()}, *msg});
    }
  };
  for (const CrossCheck& x : cross_checks()) judge(x);
  for (const CrossCheck& x : more) judge(x);
  return issues;
}

std::string fields_markdown(const std::string& layer_types_markdown,
                            const std::vector<CrossCheck>& more_rules) {
  auto cell = [](std::string s) {
    std::string out;
    for (char ch : s) {
      if (ch == '|') out += '\\';
      if (ch == '<') {
        out += "&lt;";  // would open an HTML tag
        continue;
      }
      out += ch;
    }
    return out;
  };
  const ExperimentConfig defaults;
  std::string md;
  for (const Section& s : experiment_sections()) {
    md += "### " + (s.path.empty() ? std::string("Top level") : "`" + s.path + "`") + "\n\n";
    std::string doc = cell(s.doc);
    doc[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(doc[0])));
    md += doc + ".\n\n";
    if (s.path == "model") {
      md +=
          "`model.layers` is a list of layers, each a mapping with `name`, `type` and that "
          "type's keys (the layer reference below); `--set model.layers.<name>.<key>=value` "
          "overrides one key of one layer. The default is paper 001's CRNN.\n\n"
          "`model.tree` (with `model.type: tree`) is a list of nodes, each a mapping with "
          "`name`, `children` (node names or genres, in label order), optional `train` "
          "(train.* keys for this node, e.g. `{epochs: 35}`) and optional `layers` (layer key "
          "overrides, `{lstm1: {units: 64}}`). Every node is a classifier built from "
          "`model.layers` whose output says `units: children`; it trains on the clips of the "
          "genres below it with the child as label. The leaves must be the dataset's genres, "
          "each exactly once. Every node and the flat baseline train with the experiment's "
          "`train.augment` (a node's `train` cannot replace the list). "
          "`--set model.tree.<node>.train.<key>=value` and "
          "`--set model.tree.<node>.layers.<layer>.<key>=value` override one node "
          "(experiments/hierarchical.yaml).\n\n"
          "`model.generator` and `model.discriminator` (with `model.type: gan`) are layer lists "
          "like `model.layers`. The generator's `input` is the latent vector [`model.gan.latent`] "
          "and its output must be the clip's feature shape; the discriminator's `input` is that "
          "shape and its output one logit [1]. With `model.gan.conditional: true` both may read "
          "`in: condition`, the genre as a one-hot vector [genres]. "
          "`--set model.generator.<layer>.<key>=value` overrides one key "
          "(experiments/dcgan_mel.yaml).\n\n";
    }
    if (s.path == "train") {
      md +=
          "`train.augment` is a list of transforms applied, in order, to the training batches "
          "only (never to validation, test or predictions), each a mapping with `type`, `p` (its "
          "probability) and that type's keys (the augmentation reference below), e.g. "
          "`- {type: time_mask, p: 1.0, max_width: 20, count: 2}`; the default `[]` is none. "
          "Audio transforms act before the features and need `features.mode: on_the_fly`: crop "
          "and speed choose where in its track each clip is read and at what rate (whatever "
          "their place in the list, speed draws first, then crop), the others act on the clips' "
          "samples in list order; feature transforms act on the standardised batch. Every "
          "draw is made on the host from one generator seeded from `seed`, new every epoch, its "
          "state kept in the training state (a resumed run draws what the uninterrupted one "
          "would); the CUDA kernels and their CPU twins apply the same draws. "
          "`--set train.augment.<index or type>.<key>=value` overrides one key, "
          "`--set train.augment=[...]` the whole list.\n\n";
    }
    md += "| key | type | default | allowed | meaning |\n";
    md += "|---|---|---|---|---|\n";
    for (const Field& f : experiment_fields()) {
      if (f.section() != s.path) continue;
      md += "| `" + f.key + "` | " + f.type + " | `" + cell(f.yaml(defaults)) + "` | " +
            cell(f.allowed) + " | " + cell(f.doc) + " |\n";
    }
    md += "\n";
  }
  md += "### Layer types (`model.layers`)\n\n" + layer_types_markdown;
  md += "### Augmentation types (`train.augment`)\n\n";
  md +=
      "Each entry: `type`, `p` and the type's keys; a key left out takes its default. Audio "
      "types need `features.mode: on_the_fly`; freq_mask and time_mask need time-frequency "
      "features.\n\n" +
      augment_types_markdown();
  md += "### Cross-field rules\n\n";
  md += "| reported at | also involves | rule |\n";
  md += "|---|---|---|\n";
  std::vector<CrossCheck> rules = cross_checks();
  rules.insert(rules.end(), more_rules.begin(), more_rules.end());
  for (const CrossCheck& x : rules) {
    std::string others;
    for (size_t i = 1; i < x.keys.size(); ++i)
      others += (i > 1 ? ", " : "") + ("`" + x.keys[i] + "`");
    md += "| `" + x.keys[0] + "` | " + others + " | " + cell(x.rule) + " |\n";
  }
  return md;
}

}  // namespace mgr::config
