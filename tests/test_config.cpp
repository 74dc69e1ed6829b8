// Strict YAML experiment config: valid files, every class of error with file:line:column and the
// key path, overrides, defaults.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framework/config/field_table.h"
#include "framework/config/yaml_config.h"

namespace mgr::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string fixture(const std::string& name) {
  return std::string(MGR_SOURCE_DIR) + "/tests/data/config/" + name;
}

// The message of the mgr::Error that `f` throws ("" and a test failure when it does not throw).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an mgr::Error";
  return "";
}

std::string parse_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  return error_of([&] { parse_experiment(yaml, "exp.yaml", overrides); });
}

TEST(Config, ValidFileParses) {
  const ExperimentConfig c = load_experiment(fixture("crnn_small.yaml"));
  EXPECT_EQ(c.name, "crnn_small");
  EXPECT_EQ(c.paper, "Choi et al. 2017, CRNN (section 3)");
  EXPECT_DOUBLE_EQ(c.paper_test_accuracy, 0.86);
  EXPECT_EQ(c.seed, 42u);
  EXPECT_EQ(c.device, "cpu");
  EXPECT_EQ(c.data.genres, (std::vector<std::string>{"blues", "classical", "rock"}));
  EXPECT_EQ(c.data.sample_rate, 16000);
  EXPECT_DOUBLE_EQ(c.data.clip_seconds, 2.5);
  EXPECT_EQ(c.data.split_fractions, (std::vector<double>{0.7, 0.15, 0.15}));
  EXPECT_EQ(c.data.synthetic.tracks_per_genre, 4);
  EXPECT_DOUBLE_EQ(c.data.synthetic.track_seconds, 10.0);  // an integer is a valid float
  EXPECT_EQ(c.features.n_fft, 1024);
  EXPECT_FALSE(c.features.center);
  EXPECT_EQ(c.features.pad_mode, "reflect");
  EXPECT_EQ(c.features.mel_scale, "htk");
  EXPECT_EQ(c.features.mel_norm, "none");
  EXPECT_DOUBLE_EQ(c.features.fmax, 8000.0);
  EXPECT_EQ(c.model.conv_channels, (std::vector<int>{16, 32, 64}));  // block sequence
  EXPECT_EQ(c.model.pool, (std::vector<int>{2, 2, 2}));              // flow sequence
  EXPECT_EQ(c.model.activation, "leaky_relu");
  EXPECT_EQ(c.model.rnn, "lstm");
  EXPECT_EQ(c.model.dense, 0);
  EXPECT_DOUBLE_EQ(c.train.lr, 3e-4);
  EXPECT_EQ(c.train.batch_size, 16);
  EXPECT_EQ(c.train.epochs, 2);
  // Keys the file leaves out keep the struct's defaults.
  const ExperimentConfig d;
  EXPECT_EQ(c.features.window, d.features.window);
  EXPECT_EQ(c.train.optimizer, d.train.optimizer);
  EXPECT_DOUBLE_EQ(c.train.beta2, d.train.beta2);
  EXPECT_EQ(c.data.synthetic.seed, d.data.synthetic.seed);
}

TEST(Config, DefaultsAreValidAndFillMissingSections) {
  EXPECT_NO_THROW(validate(ExperimentConfig{}));
  EXPECT_TRUE(configs_equal(parse_experiment("", "empty.yaml"), ExperimentConfig{}));
  EXPECT_TRUE(configs_equal(parse_experiment("# only a comment\n", "c.yaml"), ExperimentConfig{}));
  // An empty section is the same as a missing one.
  EXPECT_TRUE(configs_equal(parse_experiment("train:\nmodel:\n", "s.yaml"), ExperimentConfig{}));
  const ExperimentConfig c = parse_experiment("name: only_name\n", "n.yaml");
  EXPECT_EQ(differing_keys(c, ExperimentConfig{}), std::vector<std::string>{"name"});
}

TEST(Config, UnknownKeyNamesFileLineColumnAndSuggests) {
  const std::string path = fixture("misspelled_key.yaml");
  const std::string msg = error_of([&] { load_experiment(path); });
  EXPECT_THAT(msg, HasSubstr(path + ":4:3: unknown key 'model.conv_chanels' (did you mean "
                                    "'conv_channels'?)"));
}

TEST(Config, UnknownKeyInTheWrongSectionSuggestsTheFullPath) {
  EXPECT_THAT(parse_error("train:\n  n_fft: 512\n"),
              HasSubstr("exp.yaml:2:3: unknown key 'train.n_fft' (did you mean "
                        "'features.n_fft'?)"));
  EXPECT_THAT(parse_error("synthetic:\n  seed: 3\n"),
              HasSubstr("exp.yaml:1:1: unknown key 'synthetic' (did you mean "
                        "'data.synthetic'?)"));
  // Nothing close: no suggestion.
  const std::string msg = parse_error("model:\n  zzzzzzzzzz: 1\n");
  EXPECT_THAT(msg, HasSubstr("exp.yaml:2:3: unknown key 'model.zzzzzzzzzz'"));
  EXPECT_THAT(msg, Not(HasSubstr("did you mean")));
}

TEST(Config, WrongTypeNamesKeyAndExpectation) {
  const std::string path = fixture("bad_value.yaml");
  EXPECT_THAT(error_of([&] { load_experiment(path); }),
              HasSubstr(path + ":4:3: train.epochs: expected an integer >= 1, got \"ten\""));
  // A quoted number is a string in YAML, not an integer.
  EXPECT_THAT(parse_error("train:\n  batch_size: \"32\"\n"),
              HasSubstr("exp.yaml:2:3: train.batch_size: expected an integer >= 1, got \"32\""));
  EXPECT_THAT(parse_error("train:\n  epochs: 2.5\n"),
              HasSubstr("train.epochs: expected an integer >= 1, got \"2.5\""));
  EXPECT_THAT(parse_error("features:\n  center: maybe\n"),
              HasSubstr("exp.yaml:2:3: features.center: expected a boolean (true or false), got "
                        "\"maybe\""));
  EXPECT_THAT(parse_error("seed: -1\n"),
              HasSubstr("exp.yaml:1:1: seed: expected a non-negative integer, got \"-1\""));
  EXPECT_THAT(parse_error("model:\n  conv_channels: 32\n"),
              HasSubstr("exp.yaml:2:3: model.conv_channels: expected a list of integers, "
                        "non-empty, each >= 1, got \"32\""));
  EXPECT_THAT(parse_error("name:\n  first: a\n"),
              HasSubstr("exp.yaml:1:1: name: expected a string, non-empty, without '/', got a "
                        "mapping"));
  EXPECT_THAT(parse_error("train:\n  lr:\n"),
              HasSubstr("exp.yaml:2:3: train.lr: expected a number > 0, got nothing (null)"));
  // A bad list element is pointed at where it stands.
  EXPECT_THAT(parse_error("model:\n  conv_channels: [16, x, 64]\n"),
              HasSubstr("exp.yaml:2:23: model.conv_channels[1]: expected an integer, got \"x\""));
  // A section that is not a mapping.
  EXPECT_THAT(parse_error("train: 5\n"),
              HasSubstr("exp.yaml:1:1: train: expected a mapping of keys, got \"5\""));
  EXPECT_THAT(parse_error("- a\n- b\n"),
              HasSubstr("exp.yaml:1:1: the document: expected a mapping of keys, got a list"));
}

TEST(Config, OutOfRangeNamesKeyAndAllowedRange) {
  EXPECT_THAT(parse_error("train:\n  epochs: 0\n"),
              HasSubstr("exp.yaml:2:3: train.epochs: expected an integer >= 1, got 0"));
  EXPECT_THAT(parse_error("model:\n  dropout: 1\n"),
              HasSubstr("exp.yaml:2:3: model.dropout: expected a number in [0, 1), got 1.0"));
  EXPECT_THAT(parse_error("data:\n  sample_rate: 500\n"),
              HasSubstr("data.sample_rate: expected an integer in [1000, 192000], got 500"));
  EXPECT_THAT(parse_error("train:\n  lr: -1e-3\n"),
              HasSubstr("train.lr: expected a number > 0, got -0.001"));
  EXPECT_THAT(parse_error("train:\n  lr: .nan\n"), HasSubstr("train.lr: expected a number > 0"));
  EXPECT_THAT(parse_error("model:\n  conv_kernel: 4\n"),
              HasSubstr("model.conv_kernel: expected an integer >= 1, odd, got 4"));
  EXPECT_THAT(parse_error("model:\n  conv_channels: []\n  pool: []\n"),
              HasSubstr("model.conv_channels: expected a list of integers, non-empty, each >= 1, "
                        "got []"));
  EXPECT_THAT(parse_error("model:\n  pool: [2, 0]\n"),
              HasSubstr("model.pool: expected a list of integers, each >= 1, got [2, 0]"));
  EXPECT_THAT(parse_error("data:\n  split_fractions: [0.8, 0.1, 0.2]\n"),
              HasSubstr("exp.yaml:2:3: data.split_fractions: expected a list of numbers, 3 "
                        "entries, each > 0, summing to 1 (within 1e-6), got [0.8, 0.1, 0.2]"));
  EXPECT_THAT(parse_error("data:\n  split_fractions: [0.9, 0.1]\n"),
              HasSubstr("data.split_fractions: expected a list of numbers, 3 entries"));
  EXPECT_THAT(parse_error("data:\n  genres: [rock, rock]\n"),
              HasSubstr("data.genres: expected a list of strings, each non-empty, without '/', "
                        "no duplicates, got [\"rock\", \"rock\"]"));
  EXPECT_THAT(parse_error("data:\n  root: \"\"\n"),
              HasSubstr("exp.yaml:2:3: data.root: expected a string, non-empty, got \"\""));
  EXPECT_THAT(parse_error("paper_test_accuracy: 86.5\n"),
              HasSubstr("paper_test_accuracy: expected a number, negative (none) or in [0, 1], "
                        "got 86.5"));
  // Sums within 1e-6 of one are accepted (0.7 + 0.2 + 0.1 is not exactly 1 in binary).
  EXPECT_NO_THROW(parse_experiment("data:\n  split_fractions: [0.7, 0.2, 0.1]\n", "ok.yaml"));
}

TEST(Config, BadChoiceListsChoicesAndSuggests) {
  EXPECT_THAT(parse_error("features:\n  window: hannn\n"),
              HasSubstr("exp.yaml:2:3: features.window: expected one of {hann, hamming}, got "
                        "\"hannn\" (did you mean 'hann'?)"));
  EXPECT_THAT(parse_error("data:\n  source: gtzam\n"),
              HasSubstr("data.source: expected one of {synthetic, gtzan}, got \"gtzam\" (did you "
                        "mean 'gtzan'?)"));
  EXPECT_THAT(parse_error("features:\n  power: 3\n"),
              HasSubstr("features.power: expected one of {1, 2}, got 3.0"));
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "CPU", "cuda:0 "}) {
    EXPECT_THAT(parse_error(std::string("device: \"") + bad + "\"\n"),
                HasSubstr("device: expected one of {auto, cpu, cuda, cuda:N}"))
        << bad;
  }
  for (const char* good : {"auto", "cpu", "cuda", "cuda:0", "cuda:12"}) {
    EXPECT_EQ(parse_experiment(std::string("device: ") + good + "\n", "d.yaml").device, good);
  }
}

TEST(Config, CrossFieldRulesNameBothKeys) {
  EXPECT_THAT(parse_error("features:\n  n_fft: 512\n  n_mels: 300\n"),
              HasSubstr("exp.yaml:3:3: features.n_mels: must be <= features.n_fft / 2 + 1 = 257 "
                        "(features.n_fft = 512), got 300"));
  EXPECT_THAT(parse_error("data:\n  sample_rate: 16000\nfeatures:\n  fmax: 11025\n"),
              HasSubstr("exp.yaml:4:3: features.fmax: must be <= data.sample_rate / 2 = 8000 "
                        "(data.sample_rate = 16000), got 11025"));
  EXPECT_THAT(parse_error("features:\n  fmin: 5000\n  fmax: 4000\n"),
              HasSubstr("exp.yaml:2:3: features.fmin: must be < the effective features.fmax"));
  EXPECT_THAT(parse_error("features:\n  win_length: 4096\n"),
              HasSubstr("features.win_length: must be <= features.n_fft = 2048, got 4096"));
  EXPECT_THAT(parse_error("model:\n  conv_channels: [8, 16, 32]\n"),
              HasSubstr("exp.yaml:2:3: model.pool: must have one entry per conv block: "
                        "model.conv_channels has 3, model.pool has 2"));
  // The rule is reported where the user set the other key when the first is a default.
  EXPECT_THAT(parse_error("features:\n  n_fft: 128\n"),
              HasSubstr("exp.yaml:2:3: features.n_mels: must be <= features.n_fft / 2 + 1 = 65"));
  EXPECT_THAT(parse_error("data:\n  clip_seconds: 0.05\n"),
              HasSubstr("features.n_fft: must be <= the samples in one clip = 1102"));
  EXPECT_THAT(parse_error("data:\n  synthetic:\n    track_seconds: 2\n"),
              HasSubstr("data.clip_seconds: must be <= data.synthetic.track_seconds = 2"));
  EXPECT_NO_THROW(parse_experiment("data:\n  source: gtzan\n  synthetic:\n    track_seconds: 2\n",
                                   "gtzan.yaml"));
  EXPECT_THAT(parse_error("features:\n  n_mels: 4\nmodel:\n  pool: [4, 4]\n"),
              HasSubstr("model.pool: product of pool sizes = 16 exceeds features.n_mels = 4"));
  EXPECT_THAT(parse_error("features:\n  hop_length: 32768\n"),
              HasSubstr("model.pool: product of pool sizes = 4 exceeds the 3 frames"));
}

TEST(Config, AllProblemsAreReportedTogether) {
  const std::string msg =
      parse_error("trian:\n  epochs: 2\nmodel:\n  rnn: rnn\ntrain:\n  epochs: 0\n");
  EXPECT_THAT(msg, HasSubstr("exp.yaml:1:1: unknown key 'trian' (did you mean 'train'?)"));
  EXPECT_THAT(msg, HasSubstr("exp.yaml:4:3: model.rnn: expected one of {gru, lstm}"));
  EXPECT_THAT(msg, HasSubstr("exp.yaml:6:3: train.epochs: expected an integer >= 1, got 0"));
}

TEST(Config, DuplicateKeyIsAnError) {
  EXPECT_THAT(parse_error("train:\n  epochs: 2\n  epochs: 3\n"),
              HasSubstr("exp.yaml:3:3: duplicate key 'train.epochs'"));
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
  const std::string path = fixture("syntax_error.yaml");
  const std::string msg = error_of([&] { load_experiment(path); });
  EXPECT_THAT(msg, HasSubstr(path + ":"));
  EXPECT_THAT(msg, HasSubstr("YAML syntax error"));
  EXPECT_THAT(parse_error("train:\n  epochs: 2\n bad indent: [\n"), HasSubstr("exp.yaml:3:"));
  EXPECT_THAT(parse_error("a: 1\n---\nb: 2\n"), HasSubstr("expected one YAML document, found 2"));
}

TEST(Config, MissingFileIsAnError) {
  EXPECT_THAT(error_of([] { load_experiment("/nonexistent/exp.yaml"); }),
              HasSubstr("cannot open experiment config '/nonexistent/exp.yaml'"));
}

TEST(ConfigOverrides, ApplyInOrderAfterTheFile) {
  const ExperimentConfig c = load_experiment(
      fixture("crnn_small.yaml"),
      {"train.epochs=5", "train.epochs=7", "data.root=/x/gtzan", "model.conv_channels=[8, 8]",
       "model.pool=[1,2]", "features.center=true", "data.synthetic.seed=9",
       "data.genres=[jazz, pop]", "paper=\"\"", " train.lr = 0.01"});
  EXPECT_EQ(c.train.epochs, 7);
  EXPECT_EQ(c.data.root, "/x/gtzan");
  EXPECT_EQ(c.model.conv_channels, (std::vector<int>{8, 8}));
  EXPECT_EQ(c.model.pool, (std::vector<int>{1, 2}));
  EXPECT_TRUE(c.features.center);
  EXPECT_EQ(c.data.synthetic.seed, 9u);
  EXPECT_EQ(c.data.genres, (std::vector<std::string>{"jazz", "pop"}));
  EXPECT_EQ(c.paper, "");
  EXPECT_DOUBLE_EQ(c.train.lr, 0.01);
  EXPECT_EQ(c.model.rnn, "lstm");  // untouched keys keep the file's values
}

TEST(ConfigOverrides, ValidationSeesTheFinalValues) {
  // The file's three conv blocks need three pool sizes: both overrides together are valid,
  // and a file value out of range may be fixed by an override.
  const ExperimentConfig c = parse_experiment("model:\n  conv_channels: [8, 16, 32]\n", "f.yaml",
                                              {"model.pool=[2, 2, 2]"});
  EXPECT_EQ(c.model.pool.size(), 3u);
  EXPECT_EQ(parse_experiment("train:\n  epochs: 0\n", "f.yaml", {"train.epochs=1"}).train.epochs,
            1);
}

TEST(ConfigOverrides, UnknownKeyNamesTheOverride) {
  EXPECT_THAT(parse_error("", {"train.epoch=2"}),
              HasSubstr("--set train.epoch=2: unknown key 'train.epoch' (did you mean "
                        "'train.epochs'?)"));
  EXPECT_THAT(parse_error("", {"trian.epochs=2"}),
              HasSubstr("--set trian.epochs=2: unknown key 'trian.epochs' (did you mean "
                        "'train.epochs'?)"));
  EXPECT_THAT(parse_error("", {"train.n_mels=64"}), HasSubstr("(did you mean 'features.n_mels'?)"));
  EXPECT_THAT(parse_error("", {"train=5"}),
              HasSubstr("--set train=5: 'train' is a section; set one of its keys, e.g. "
                        "'train.optimizer'"));
  EXPECT_THAT(parse_error("", {"train.epochs"}),
              HasSubstr("--set train.epochs: expected key.path=value"));
}

TEST(ConfigOverrides, BadValueNamesTheOverride) {
  EXPECT_THAT(parse_error("", {"train.epochs=abc"}),
              HasSubstr("--set train.epochs=abc: expected an integer >= 1, got \"abc\""));
  EXPECT_THAT(parse_error("", {"train.epochs=0"}),
              HasSubstr("--set train.epochs=0: expected an integer >= 1, got 0"));
  EXPECT_THAT(parse_error("", {"model.conv_channels=[16, x]"}),
              HasSubstr("--set model.conv_channels=[16, x]: model.conv_channels[1]: expected an "
                        "integer, got \"x\""));
  EXPECT_THAT(parse_error("", {"features.window=hanning"}),
              HasSubstr("--set features.window=hanning: expected one of {hann, hamming}"));
  EXPECT_THAT(parse_error("", {"model.pool=[2, 2"}),
              HasSubstr("--set model.pool=[2, 2: the value is not valid YAML"));
  EXPECT_THAT(parse_error("", {"data.root="}),
              HasSubstr("--set data.root=: expected a string, non-empty, got nothing (null)"));
  // A cross-field complaint is reported at the override that set the key.
  EXPECT_THAT(parse_error("", {"features.n_fft=64"}),
              HasSubstr("--set features.n_fft=64: features.n_mels: must be <= features.n_fft / "
                        "2 + 1 = 33"));
}

TEST(ConfigOverrides, EveryFieldAcceptsItsOwnYamlAndRejectsAMapping) {
  const ExperimentConfig d;
  for (const Field& f : experiment_fields()) {
    const std::string same = f.key + "=" + f.yaml(d);
    EXPECT_TRUE(configs_equal(parse_experiment("", "x.yaml", {same}), d)) << same;
    const std::string bad = f.key + "={a: 1}";
    EXPECT_THAT(parse_error("", {bad}), HasSubstr("--set " + bad + ": expected ")) << bad;
  }
}

TEST(ConfigValidate, NamesKeyAndAllowedValues) {
  ExperimentConfig c;
  c.train.beta2 = 1.0;
  c.features.ref = "mean";
  const std::string msg = error_of([&] { validate(c); });
  EXPECT_THAT(msg, HasSubstr("train.beta2: expected a number in [0, 1), got 1.0"));
  EXPECT_THAT(msg, HasSubstr("features.ref: expected one of {max, one}, got \"mean\""));
  const std::vector<Issue> issues = find_issues(c);
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0].key, "features.ref");  // table order
  EXPECT_EQ(issues[1].key, "train.beta2");
}

}  // namespace
}  // namespace mgr::config
