// The field table is complete (one entry per struct member), docs/config.md embeds exactly what
// the table generates, and to_yaml round-trips.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <tuple>
#include <typeinfo>
#include <utility>

#include "framework/config/field_table.h"
#include "framework/config/yaml_config.h"
#include "framework/data/dataset.h"
#include "framework/experiment/load.h"
#include "framework/features/pipeline.h"
#include "framework/features/stft.h"
#include "framework/graph/layer_registry.h"
#include "framework/graph/resolved_config.h"
#include "framework/tasks/task_kind.h"
#include "kernels/shared/stft_frame.h"
#include "tests/test_util.h"

namespace mgr::config {
namespace {

using graph::configs_equal;
using graph::differing_keys;
using graph::to_yaml;

using ::testing::HasSubstr;

// The number of members of an aggregate: the most initializers T{...} accepts. A member added
// to a config struct without a table entry makes TableCoversEveryStructMember fail.
struct AnyMember {
  template <class T>
  operator T() const;  // never defined: only used in unevaluated contexts
};
template <class T, class... A>
constexpr size_t member_count() {
  if constexpr (requires { T{std::declval<A>()..., AnyMember{}}; }) {
    return member_count<T, A..., AnyMember>();
  } else {
    return sizeof...(A);
  }
}

// Every member of a stage's key struct is declared as a key (framework/keys/).
template <class... S>
size_t stage_members(std::tuple<S...>*) {
  size_t n = 0;
  (
      [&] {
        EXPECT_EQ(S::keys().size(), member_count<S>()) << typeid(S).name();
        n += member_count<S>();
      }(),
      ...);
  return n;
}

TEST(ConfigTable, TableCoversEveryStructMember) {
  // FeatureConfig: its stage keys (one base, StageKeys, of the stages' structs) and its own.
  const size_t feature_members = member_count<FeatureConfig>() - 1 +
                                 stage_members(static_cast<features::StageKeyStructs*>(nullptr));
  const std::vector<std::pair<std::string, size_t>> sections = {
      {"", member_count<ExperimentConfig>()},
      {"data", member_count<DataConfig>()},
      {"data.synthetic", member_count<SyntheticConfig>()},
      {"data.fma", member_count<FmaConfig>()},
      {"features", feature_members},
      {"model", member_count<ModelConfig>()},
      {"model.knn", member_count<KnnConfig>()},
      {"model.gan", member_count<GanConfig>()},
      {"train", member_count<TrainConfig>()},
      {"evaluation", member_count<EvaluationConfig>()},
      {"protocol", member_count<ProtocolConfig>()},
  };
  EXPECT_EQ(sections.size(), experiment_sections().size());
  for (const auto& [path, members] : sections) {
    EXPECT_TRUE(path.empty() || is_section(path)) << path;
    EXPECT_EQ(section_children(path).size(), members) << "section '" << path << "'";
  }
}

TEST(ConfigTable, KeysAreUniqueAndDocumented) {
  std::set<std::string> keys;
  for (const Field& f : experiment_fields()) {
    EXPECT_TRUE(keys.insert(f.key).second) << f.key;
    EXPECT_FALSE(f.doc.empty()) << f.key;
    EXPECT_FALSE(f.allowed.empty()) << f.key;
    EXPECT_TRUE(f.section().empty() || is_section(f.section())) << f.key;
    EXPECT_EQ(find_field(f.key), &f);
  }
  for (const Section& s : experiment_sections()) EXPECT_FALSE(s.doc.empty()) << s.path;
  for (const CrossCheck& x : cross_checks()) {
    for (const std::string& k : x.keys) EXPECT_NE(find_field(k), nullptr) << k;
  }
  EXPECT_EQ(find_field("train"), nullptr);
  EXPECT_EQ(find_field("train.nope"), nullptr);
}

// Every field set to a valid value other than its default.
ExperimentConfig everything_changed() {
  ExperimentConfig c;
  c.name = "run: #1 \"quoted\" \xc3\xa9t\xc3\xa9";  // YAML-special characters and UTF-8
  c.paper = "true";                                 // must stay a string
  c.paper_test_accuracy = 0.1;                      // not exact in binary
  c.seed = std::numeric_limits<uint64_t>::max();
  c.device = "cuda:1";
  c.data.source = "gtzan";
  c.data.root = "/x y/gtzan: a";
  c.data.genres = {"hip hop", "null", "1"};
  c.data.max_tracks_per_genre = 5;
  c.data.max_track_seconds = 600.5;
  c.data.sample_rate = 44100;
  c.data.clip_seconds = 1.1;
  c.data.clip_hop_seconds = 0.7;
  c.data.pad_short_seconds = 0.25;
  c.data.split_seed = 17;
  c.data.split = "random_clips";
  c.data.split_fractions = {0.6, 0.3, 0.1};
  c.data.synthetic.tracks_per_genre = 2;
  c.data.synthetic.track_seconds = 12.25;
  c.data.synthetic.seed = 0;
  c.features.type = "mfcc";
  c.features.n_fft = 1000;
  c.features.hop_length = 250;
  c.features.win_length = 800;
  c.features.window = "hamming";
  c.features.center = false;
  c.features.pad_mode = "reflect";
  c.features.n_mels = 40;
  c.features.fmin = 30.5;
  c.features.fmax = 11000;
  c.features.mel_scale = "htk";
  c.features.mel_norm = "none";
  c.features.power = 1;
  c.features.amin = 1e-5;
  c.features.top_db = -1;
  c.features.ref = "one";
  c.features.stft_output = "log_power";
  c.features.n_mfcc = 13;
  c.features.lifter = 22;
  c.features.deltas = 2;
  c.features.delta_width = 5;
  c.features.n_chroma = 24;
  c.features.tuning = "auto";
  c.features.mfcc_ref = "one";
  c.features.beat_chroma_beats = 10;
  c.features.beat_tracker = "grid";
  c.features.roll_percent = 0.95;
  c.features.tempogram_win = 200;
  c.features.beat_histogram_bins = 100;
  c.features.low_energy_frames = 100;
  c.features.pitch_fmin = 50;
  c.features.pitch_fmax = 800;
  c.features.pitch_compression = 2;
  c.features.pitch_enhance = false;
  c.features.pitch_histogram_output = "full";
  c.features.vectors = {"rhythm", "pitch_histogram"};
  c.features.normalize = "per_band";
  c.features.upload = "int16";
  c.features.mode = "on_the_fly";
  c.features.batch_clips = 32;
  c.features.cache = "off";
  c.features.cache_dir = "/tmp/feature cache: a";
  c.features.cache_compression = 1;
  c.features.storage = "memory";
  c.features.memory_budget_gb = 2.5;
  c.data.max_clips_per_track = 7;
  c.data.manifest = "lists/corpus.tsv";
  c.data.fma.metadata = "fma_metadata/tracks.csv";
  c.data.fma.subset = "medium";
  c.data.exclude = "gtzan-faults.txt";
  c.features.crop_frames = 20;
  c.model.layers.at(0).set("channels", "12", "test");
  c.model.layers.at(0).set("kernel", "[5, 3]", "test");
  c.model.layers.at(9).set("bidirectional", "true", "test");
  c.model.type = "knn";  // the layers stay (unused); a tree would need model.tree
  c.model.tree_routing = "soft";
  c.model.tree_baseline = false;
  c.model.knn.k = 3;
  c.model.knn.metric = "cosine";
  c.model.knn.vote = "distance";
  c.model.knn.standardise = false;
  c.model.knn.groups = {c.features.type};
  c.model.knn.weights = {2.5};
  c.model.gan.latent = 64;
  c.model.gan.conditional = true;
  c.model.gan.init = "layer";
  c.model.gan.init_std = 0.05;
  c.model.gan.generator_loss = "minimax";
  c.model.gan.real_label = 0.9;
  c.model.gan.sample_every = 2;
  c.model.gan.grid_columns = 4;
  c.model.gan.classifier_run = "runs/judge";
  c.model.gan.eval_samples = 10;
  c.model.gan.quality_every = 3;
  c.train.optimizer = "sgd";
  c.train.momentum = 0.5;
  c.train.nesterov = true;
  c.train.lr_schedule = "step";
  c.train.lr_step_every = 3;
  c.train.lr_step_unit = "iteration";
  c.train.lr_gamma = 0.5;
  c.train.lr_min = 1e-6;
  c.train.clip_grad_norm = 5;
  c.train.iterations = 100;
  c.train.accumulate = 2;
  c.train.early_stopping_patience = 4;
  c.evaluation.vote_thresholds = {5, 7};
  c.protocol.folds = 5;
  c.protocol.fold = 2;
  c.protocol.seeds = {4, 7};
  c.train.lr = 1.234e-4;
  c.train.beta1 = 0.5;
  c.train.beta2 = 0.99;
  c.train.eps = 1e-8;
  c.train.weight_decay = 1e-4;
  c.train.batch_size = 4;
  c.train.epochs = 1;
  c.train.log_every = 1;
  return c;
}

TEST(ConfigRoundTrip, Defaults) {
  const ExperimentConfig d;
  const std::string text = to_yaml(d);
  const ExperimentConfig back = experiment::parse(text, "resolved.yaml");
  EXPECT_TRUE(configs_equal(back, d)) << text;
  EXPECT_EQ(to_yaml(back), text);
}

TEST(ConfigRoundTrip, EveryFieldChanged) {
  const ExperimentConfig c = everything_changed();
  EXPECT_NO_THROW(experiment::resolve(c));
  // Only the single-choice fields can keep their default value.
  std::set<std::string> unchanged;
  for (const Field& f : experiment_fields()) {
    if (f.equal(c, ExperimentConfig{})) unchanged.insert(f.key);
  }
  EXPECT_EQ(unchanged, (std::set<std::string>{}));
  EXPECT_EQ(differing_keys(c, ExperimentConfig{}).back(), "model.layers");

  const std::string text = to_yaml(c);
  // Through a file, the way a run directory's config.yaml is read back.
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("mgr_config_roundtrip_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path);
    out << text;
  }
  const ExperimentConfig back = experiment::load(path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(differing_keys(back, c), std::vector<std::string>{}) << text;
  EXPECT_EQ(to_yaml(back), text);
}

TEST(ConfigRoundTrip, YamlIsCommentedAndComplete) {
  const std::string text = to_yaml(ExperimentConfig{});
  for (const Section& s : experiment_sections()) {
    if (s.path.empty()) continue;
    EXPECT_THAT(text, HasSubstr("# " + s.path + ": " + s.doc)) << s.path;
  }
  // Every field on its own line, with its doc as a trailing comment.
  for (const Field& f : experiment_fields()) {
    const std::string indent(2 * std::count(f.key.begin(), f.key.end(), '.'), ' ');
    const std::string line_start = "\n" + indent + f.name() + ": " + f.yaml(ExperimentConfig{});
    const size_t at = text.find(line_start);
    ASSERT_NE(at, std::string::npos) << f.key << "\n" << text;
    const std::string line = text.substr(at + 1, text.find('\n', at + 1) - at - 1);
    EXPECT_THAT(line, HasSubstr("# " + f.doc)) << f.key;
  }
}

// docs/config.md embeds generated blocks between "<!-- BEGIN GENERATED: NAME -->" and
// "<!-- END GENERATED -->". To regenerate after changing a table:
// MGR_UPDATE_CONFIG_DOCS=1 build/bin/mgr_tests --gtest_filter=ConfigDocs.*
// Returns the embedded text; fails the test when it differs from `generated`.
std::string check_generated_block(const std::string& name, const std::string& generated) {
  const std::string begin = "<!-- BEGIN GENERATED: " + name + " -->\n";
  const std::string end = "<!-- END GENERATED -->";
  const std::string path = std::string(MGR_SOURCE_DIR) + "/docs/config.md";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  const size_t b = doc.find(begin);
  EXPECT_NE(b, std::string::npos) << "marker " << begin << " missing in " << path;
  if (b == std::string::npos) return "";
  const size_t e = doc.find(end, b);
  EXPECT_NE(e, std::string::npos) << "end marker missing in " << path;
  if (e == std::string::npos) return "";
  const std::string embedded = doc.substr(b + begin.size(), e - b - begin.size());
  if (embedded != generated && std::getenv("MGR_UPDATE_CONFIG_DOCS")) {
    doc.replace(b + begin.size(), e - b - begin.size(), generated);
    std::ofstream(path) << doc;
    return generated;
  }
  EXPECT_EQ(embedded, generated)
      << path << " is out of date; regenerate it with "
      << "MGR_UPDATE_CONFIG_DOCS=1 mgr_tests --gtest_filter=ConfigDocs.*";
  return embedded;
}

TEST(ConfigDocs, ReferenceMatchesTheTable) {
  const std::string embedded = check_generated_block(
      "fields_markdown()", "\n" + fields_markdown(graph::layers_markdown(), tasks::kind_rules()));
  // Belt and braces: every key path appears in the prose-free table.
  for (const Field& f : experiment_fields()) {
    EXPECT_THAT(embedded, HasSubstr("`" + f.key + "`")) << f.key;
  }
}

// The keys that change each type's numbers: the stages' own lists (the feature cache key's).
TEST(ConfigDocs, FeatureKeysPerTypeMatchTheStages) {
  const std::string embedded = check_generated_block(
      "feature_parameters_markdown()", "\n" + features::feature_parameters_markdown());
  EXPECT_THAT(embedded, HasSubstr("| `mfcc` | `amin`, `center`, `delta_width`, `deltas`, "));
}

}  // namespace
}  // namespace mgr::config

namespace mgr::config {
namespace {

// Validation judges the clip that runs: the same rounding of seconds to samples and the same
// frame count as the data and the STFT stage (data::seconds_to_samples, kernels::stft_num_frames).
// The keys alone (config::parse_experiment): the default network does not fit these clips.
TEST(ClipLength, ValidationCountsTheSamplesTheRunCuts) {
  // 2047.6 samples: the run cuts llround = 2048, so n_fft 2048 fits (a floor took 2047 and
  // refused it).
  const double seconds = 2047.6 / 22050;
  const std::vector<std::string> set = {"data.clip_seconds=" + fmt::format("{:.17g}", seconds),
                                        "data.clip_hop_seconds=" + fmt::format("{:.17g}", seconds),
                                        "features.n_fft=2048", "features.center=false",
                                        "features.hop_length=512"};
  EXPECT_EQ(data::seconds_to_samples(seconds, 22050), 2048);
  EXPECT_NO_THROW(parse_experiment("", "clip.yaml", set));
  std::vector<std::string> longer = set;
  longer[2] = "features.n_fft=2049";
  EXPECT_THAT(test::error_of([&] { parse_experiment("", "clip.yaml", longer); }),
              HasSubstr("the samples in one clip = 2048"));
}

TEST(ClipLength, ValidationCountsTheFramesTheStftMakes) {
  // 16384 samples, hop 512, odd n_fft 2047 centred: the STFT makes 1 + (16384 + 2046 - 2047) / 512
  // = 32 frames (1 + n / hop would say 33), so a delta filter of 33 frames cannot run.
  EXPECT_EQ(kernels::stft_num_frames(16384, 2047, 512, true), 32);
  EXPECT_EQ(kernels::stft_num_frames(16384, 2048, 512, true), 33);
  EXPECT_EQ(kernels::stft_num_frames(2047, 2048, 512, false), 0);
  features::StftParams p;
  p.n_fft = 2047;
  p.hop_length = 512;
  p.center = true;
  EXPECT_EQ(p.num_frames(16384), 32);
  const std::vector<std::string> set = {
      "data.sample_rate=16384",  "data.clip_seconds=1", "data.clip_hop_seconds=1",
      "data.source=synthetic",   "features.type=mfcc",  "features.n_fft=2047",
      "features.hop_length=512", "features.deltas=1",   "features.delta_width=31"};
  EXPECT_NO_THROW(parse_experiment("", "frames.yaml", set));
  std::vector<std::string> wide = set;
  wide.back() = "features.delta_width=33";
  EXPECT_THAT(test::error_of([&] { parse_experiment("", "frames.yaml", wide); }),
              HasSubstr("the 32 frames in one clip"));
}

}  // namespace
}  // namespace mgr::config
