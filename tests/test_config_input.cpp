// Hostile experiment input (issue 12): invalid UTF-8 anywhere in the file or an override, a
// directory or device given as the file, names that would leave the run folder or break JSON,
// and data.max_track_seconds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "framework/config/text_check.h"
#include "framework/config/yaml_config.h"
#include "framework/experiment/load.h"
#include "kernels/error.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr::config {
namespace {

using test::error_of;

using ::testing::HasSubstr;
constexpr size_t npos = std::string::npos;

std::string parse_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  return error_of([&] { experiment::parse(yaml, "exp.yaml", overrides); });
}

TEST(TextCheck, Utf8Validator) {
  EXPECT_EQ(invalid_utf8_at(""), npos);
  EXPECT_EQ(invalid_utf8_at("plain ascii"), npos);
  EXPECT_EQ(invalid_utf8_at("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\xB5"), npos);
  EXPECT_EQ(invalid_utf8_at("caf\xE9"), 3u);           // Latin-1, not UTF-8
  EXPECT_EQ(invalid_utf8_at("a\x80"), 1u);             // lone continuation byte
  EXPECT_EQ(invalid_utf8_at("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(invalid_utf8_at("x\xE0\x80\xAF"), 1u);     // overlong, 3 bytes
  EXPECT_EQ(invalid_utf8_at("\xED\xA0\x80"), 0u);      // UTF-16 surrogate
  EXPECT_EQ(invalid_utf8_at("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(invalid_utf8_at("ok\xE2\x82"), 2u);        // cut short at the end
  EXPECT_EQ(invalid_utf8_at("\xFF"), 0u);
  EXPECT_EQ(invalid_utf8_at("\xF4\x8F\xBF\xBF"), npos);  // U+10FFFF itself
  EXPECT_EQ(printable("a\xFF\x01z"), "a\\xFF\\x01z");
  EXPECT_FALSE(file_name_problem("crnn_gru-\xC3\xA9t\xC3\xA9"));
  EXPECT_TRUE(file_name_problem("a/b"));
  EXPECT_TRUE(file_name_problem(".."));
  EXPECT_TRUE(file_name_problem("tab\there"));
  EXPECT_TRUE(file_name_problem(std::string("nul\0x", 5)));
  EXPECT_FALSE(path_problem("/data/gtzan files/genres"));
  EXPECT_TRUE(path_problem("/data/\n/x"));
}

TEST(ConfigInput, InvalidUtf8IsRejectedWithLineAndColumn) {
  // In a value: the run would otherwise train and then fail writing metrics.json.
  EXPECT_THAT(parse_error("name: run\npaper: \"caf\xE9 au lait\"\n"),
              HasSubstr("exp.yaml:2:12: invalid UTF-8 (byte 0xE9); experiment files must be "
                        "UTF-8 text"));
  // Anywhere in the text, even a comment, and on the first byte.
  EXPECT_THAT(parse_error("# r\xC3\xA9sum\xC3\xA9 ok\n# bad \xFF\nname: run\n"),
              HasSubstr("exp.yaml:2:7: invalid UTF-8 (byte 0xFF)"));
  EXPECT_THAT(parse_error("\xFEname: run\n"), HasSubstr("exp.yaml:1:1: invalid UTF-8"));
  // Control characters are not YAML text either (a binary file, a NUL); tab and CRLF are fine.
  EXPECT_THAT(parse_error(std::string("name: run\n\0\0\0", 13)),
              HasSubstr("exp.yaml:2:1: control character (byte 0x00)"));
  EXPECT_THAT(parse_error("name: r\x1Bun\n"), HasSubstr("exp.yaml:1:8: control character"));
  EXPECT_EQ(experiment::parse("name: run\r\npaper:\t\"x\"\r\n", "ok.yaml").cfg.name, "run");
  // Valid non-ASCII text is fine.
  const ExperimentConfig c = experiment::parse(
      "name: \xC3\xA9t\xC3\xA9\npaper: \"\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\xB5\"\n", "ok.yaml");
  EXPECT_EQ(c.name, "\xC3\xA9t\xC3\xA9");
  // A YAML escape names a code point, which yaml-cpp writes as UTF-8: still valid.
  const ExperimentConfig e = experiment::parse("paper: \"\\xff\"\n", "ok.yaml");
  EXPECT_EQ(invalid_utf8_at(e.paper), npos) << printable(e.paper);
}

TEST(ConfigInput, InvalidUtf8FileNamesPathAndLine) {
  test::TempDir dir("cfg_utf8");
  const std::string path = dir.file("bad.yaml");
  { std::ofstream(path, std::ios::binary) << "name: run\ndata:\n  root: /data/g\xE9nres\n"; }
  EXPECT_THAT(error_of([&] { experiment::load(path); }),
              HasSubstr(path + ":3:16: invalid UTF-8 (byte 0xE9)"));
}

TEST(ConfigInput, OverrideWithInvalidUtf8IsRejected) {
  const std::string msg = parse_error("", {"name=run\xFF"});
  EXPECT_THAT(msg, HasSubstr("--set name=run\\xFF: invalid UTF-8 (byte 0xFF at offset 8)"));
  EXPECT_EQ(invalid_utf8_at(msg), npos);  // the message itself is printable
}

TEST(ConfigInput, DirectoryOrDeviceIsNotAnExperimentFile) {
  test::TempDir dir("cfg_dir");
  EXPECT_THAT(error_of([&] { experiment::load(dir.path.string()); }),
              HasSubstr("experiment config '" + dir.path.string() +
                        "' is a directory, not an experiment file"));
  EXPECT_THAT(error_of([&] { experiment::load(dir.path.string() + "/"); }),
              HasSubstr("is a directory"));
  EXPECT_THAT(error_of([&] { experiment::load("/dev/null"); }),
              HasSubstr("experiment config '/dev/null' is not a regular file"));
  EXPECT_THAT(error_of([&] { experiment::load(dir.file("missing.yaml")); }),
              HasSubstr("cannot open experiment config"));
  EXPECT_THAT(error_of([&] { experiment::load("exp\xFF.yaml"); }),
              HasSubstr("experiment config path 'exp\\xFF.yaml': invalid UTF-8"));
}

TEST(ConfigInput, NamesThatBecomeFolderNamesAreChecked) {
  const std::string rule =
      "expected a string, non-empty, at most 100 bytes, without '/', '\\' or control characters";
  EXPECT_THAT(parse_error("name: a/b\n"), HasSubstr("exp.yaml:1:1: name: " + rule));
  EXPECT_THAT(parse_error("name: ..\n"), HasSubstr("name: " + rule));
  EXPECT_THAT(parse_error("name: \"tab\\there\"\n"), HasSubstr("name: " + rule));
  EXPECT_THAT(parse_error("name: \"nul\\0\"\n"), HasSubstr("name: " + rule));
  EXPECT_THAT(parse_error("", {"name=x/../../etc"}), HasSubstr("--set name=x/../../etc: " + rule));
  EXPECT_THAT(parse_error("data:\n  genres: [rock, \"new\\nline\"]\n"),
              HasSubstr("data.genres: expected a list of strings, each non-empty, at most 100 "
                        "bytes, without '/', '\\' or control characters"));
  // Paths may hold '/' but no control character (a NUL would cut the path short).
  EXPECT_THAT(parse_error("data:\n  root: \"/data/\\0/x\"\n"),
              HasSubstr("exp.yaml:2:3: data.root: expected a string, non-empty, without control "
                        "characters"));
  EXPECT_THAT(parse_error("features:\n  cache_dir: \"cache\\r\"\n"),
              HasSubstr("features.cache_dir: expected a string, non-empty, without control "
                        "characters"));
  EXPECT_NO_THROW(experiment::parse("data:\n  root: \"/data/my music/gtzan\"\n", "ok.yaml"));
}

// Names become file and folder names: a 2,000,000-character experiment name, an over-long layer
// name, a backslash or a leading '-' are refused at load, and the error does not echo them whole.
TEST(ConfigInput, NamesHaveASaneLengthAndCharacterSet) {
  const std::string huge(2000000, 'a');
  const std::string e = parse_error("name: " + huge + "\n");
  EXPECT_THAT(e, HasSubstr("exp.yaml:1:1: name: expected a string, non-empty, at most 100 bytes"));
  EXPECT_LT(e.size(), 2000u) << e.substr(0, 300);
  EXPECT_NO_THROW(experiment::parse("name: " + std::string(100, 'x') + "\n", "ok.yaml"));
  EXPECT_THAT(parse_error("name: \"a\\\\b\"\n"), HasSubstr("name: expected a string"));
  EXPECT_THAT(parse_error("name: -rf\n"), HasSubstr("name: expected a string"));
  EXPECT_EQ(file_name_problem(std::string(101, 'x')).value_or(""),
            "101 bytes (at most 100), starting 'xxxxxxxxxxxxxxxxxxxx...'");
  EXPECT_THAT(file_name_problem("-x").value_or(""), HasSubstr("starts with '-'"));
  const std::string layer =
      "model:\n  layers:\n    - {name: " + std::string(150, 'L') + ", type: relu}\n";
  EXPECT_THAT(parse_error(layer), HasSubstr("model.layers[0].name: expected a short name"));
}

// data.genres is checked at load against what the synthetic corpus can make, with a
// did-you-mean, before anything is synthesised.
TEST(ConfigInput, SyntheticGenresAreCheckedAtLoad) {
  EXPECT_THAT(parse_error("data:\n  genres: [blues, polka]\n"),
              HasSubstr("exp.yaml:2:3: data.genres: 'polka' is not a genre of the synthetic "
                        "corpus (blues, classical"));
  EXPECT_THAT(parse_error("data:\n  genres: [blues, jaz]\n"), HasSubstr("did you mean 'jazz'?"));
  EXPECT_NO_THROW(experiment::parse(
      "data:\n  source: gtzan\n  root: /x\n  genres: [blues, polka]\n", "ok.yaml"));
}

// Error lines name what failed, not the source file that raised them (a build path is noise
// for a user and leaks where the binary was built); MGR_DEBUG_ERRORS=1 adds it back.
TEST(ConfigInput, ErrorLinesCarryNoSourcePathUnlessDebugging) {
  const char* before = std::getenv("MGR_DEBUG_ERRORS");
  const std::string saved = before ? before : "";
  unsetenv("MGR_DEBUG_ERRORS");
  const std::vector<std::string> hostile = {
      parse_error("name: a/b\n"),
      parse_error("data:\n  split: sideways\n"),
      parse_error("model:\n  layers:\n    - {name: a, type: nope}\n"),
      error_of([] { experiment::load("/nonexistent/exp.yaml"); }),
      error_of([] { MGR_FAIL("direct"); }),
  };
  for (const std::string& e : hostile) {
    EXPECT_FALSE(e.empty());
    for (const char* leak : {".cpp:", ".h:", ".cu:", MGR_SOURCE_DIR})
      EXPECT_EQ(e.find(leak), npos) << leak << " in: " << e;
  }
  setenv("MGR_DEBUG_ERRORS", "1", 1);
  EXPECT_THAT(error_of([] { MGR_FAIL("direct"); }), HasSubstr("test_config_input.cpp:"));
  if (before)
    setenv("MGR_DEBUG_ERRORS", saved.c_str(), 1);
  else
    unsetenv("MGR_DEBUG_ERRORS");
}

TEST(ConfigInput, TreeNodeNamesStayInsideTheRunFolder) {
  const std::string yaml =
      "model:\n  type: tree\n  tree:\n    - {name: \"../escape\", children: [blues, jazz]}\n";
  EXPECT_THAT(parse_error(yaml),
              HasSubstr("exp.yaml:4:8: model.tree[0].name: expected a folder name (no '/' or "
                        "control characters, not . or ..), got contains '/'"));
}

TEST(ConfigInput, MaxTrackSeconds) {
  EXPECT_DOUBLE_EQ(ExperimentConfig{}.data.max_track_seconds, 1200.0);
  EXPECT_DOUBLE_EQ(
      experiment::parse("data:\n  max_track_seconds: 45\n", "ok.yaml").cfg.data.max_track_seconds,
      45);
  EXPECT_THAT(parse_error("data:\n  max_track_seconds: 0\n"),
              HasSubstr("exp.yaml:2:3: data.max_track_seconds: expected a number in [1, 86400], "
                        "got 0.0"));
  EXPECT_THAT(parse_error("data:\n  max_track_seconds: .inf\n"),
              HasSubstr("data.max_track_seconds: expected a number in [1, 86400]"));
  // Every generated track must fit, or the synthetic corpus would be skipped whole.
  EXPECT_THAT(parse_error("data:\n  max_track_seconds: 20\n  synthetic:\n    track_seconds: 30\n"),
              HasSubstr("data.synthetic.track_seconds: must be <= data.max_track_seconds = 20 "
                        "(longer tracks are skipped), got 30"));
  EXPECT_THAT(parse_error("data:\n  source: gtzan\n  max_track_seconds: 2\n  clip_seconds: 3\n"),
              HasSubstr("data.clip_seconds: must be <= data.max_track_seconds = 2"));
  EXPECT_NO_THROW(experiment::parse(
      "data:\n  source: gtzan\n  max_track_seconds: 2\n  clip_seconds: 1\n  synthetic:\n"
      "    track_seconds: 30\n",
      "ok.yaml"));  // the synthetic length does not matter for gtzan
}

}  // namespace
}  // namespace mgr::config
