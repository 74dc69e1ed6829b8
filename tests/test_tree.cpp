// The tree of classifiers (model.type tree; paper 000's hierarchical LSTM): the tree checked
// against the genres with located errors, routing by hand-built node outputs with known
// answers, the YAML form and its overrides, and a small tree run end to end on CPU.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "framework/config/field_table.h"
#include "framework/config/tree_yaml.h"
#include "framework/config/yaml_config.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/graph/resolved_config.h"
#include "framework/tasks/tree/class_tree.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using test::error_of;

using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::vector<std::string> kGenres = {"blues", "classical", "country", "disco",  "hiphop",
                                          "jazz",  "metal",     "pop",     "reggae", "rock"};

config::TreeNodeSpec node(const std::string& name, std::vector<std::string> children) {
  config::TreeNodeSpec s;
  s.name = name;
  s.children = std::move(children);
  s.where = "tree.yaml:" + name;
  return s;
}

// Paper 000's tree (docs/papers.md 000.5).
std::vector<config::TreeNodeSpec> paper_tree() {
  return {node("lstm1", {"lstm2a", "lstm2b"}),
          node("lstm2a", {"lstm3a", "lstm3b"}),
          node("lstm2b", {"lstm3c", "lstm3d"}),
          node("lstm3a", {"hiphop", "metal", "rock"}),
          node("lstm3b", {"pop", "reggae"}),
          node("lstm3c", {"disco", "country"}),
          node("lstm3d", {"jazz", "classical", "blues"})};
}

int genre(const std::string& name) {
  return static_cast<int>(std::find(kGenres.begin(), kGenres.end(), name) - kGenres.begin());
}

TEST(ClassTree, PaperTreeStructure) {
  const tree::ClassTree t(paper_tree(), kGenres);
  EXPECT_EQ(t.nodes()[static_cast<size_t>(t.root())].name, "lstm1");
  ASSERT_EQ(t.order().size(), 7u);
  EXPECT_EQ(t.nodes()[static_cast<size_t>(t.order()[0])].name, "lstm1");
  const tree::TreeNode& n1 = t.nodes()[static_cast<size_t>(t.find("lstm1"))];
  // Child 0 of the root holds the "strong" genres.
  std::vector<int> strong = {genre("hiphop"), genre("metal"), genre("pop"), genre("reggae"),
                             genre("rock")};
  std::sort(strong.begin(), strong.end());
  EXPECT_EQ(n1.child_genres[0], strong);
  EXPECT_EQ(n1.genres.size(), 10u);
  EXPECT_EQ(t.child_of(t.find("lstm1"), genre("jazz")), 1);
  EXPECT_EQ(t.child_of(t.find("lstm3a"), genre("rock")), 2);
  EXPECT_EQ(t.child_of(t.find("lstm3a"), genre("jazz")), -1);
  // jazz: lstm1 -> child 1 (lstm2b) -> child 1 (lstm3d) -> child 0 (jazz)
  const auto& p = t.path(genre("jazz"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], std::make_pair(t.find("lstm1"), 1));
  EXPECT_EQ(p[1], std::make_pair(t.find("lstm2b"), 1));
  EXPECT_EQ(p[2], std::make_pair(t.find("lstm3d"), 0));
  EXPECT_EQ(t.nodes()[static_cast<size_t>(t.find("lstm3d"))].depth, 2);
}

// Each node a fixed function of the clip: node_probs built from per-clip rules, so the routes
// are known by hand.
TEST(ClassTree, HardAndSoftRoutingFollowTheNodesOutputs) {
  const tree::ClassTree t(paper_tree(), kGenres);
  const int n = 3;
  std::vector<std::vector<float>> probs(t.nodes().size());
  auto set = [&](const std::string& name, std::vector<std::vector<float>> rows) {
    std::vector<float>& v = probs[static_cast<size_t>(t.find(name))];
    for (const auto& r : rows) v.insert(v.end(), r.begin(), r.end());
  };
  // clip 0: strong (0.9) -> {hh, metal, rock} (0.8) -> metal (0.7)
  // clip 1: mild (0.6) -> {jazz, classical, blues} (0.55) -> blues (0.5)
  // clip 2: hard routing goes strong (0.51) -> {pop, reggae} (0.9) -> reggae (0.6), but the
  //         mild side is near certain below: disco/country 0.99 -> country 0.99, so the path
  //         product favours country: 0.49 * 0.99 * 0.99 = 0.480 > 0.51 * 0.9 * 0.6 = 0.275.
  set("lstm1", {{0.9f, 0.1f}, {0.4f, 0.6f}, {0.51f, 0.49f}});
  set("lstm2a", {{0.8f, 0.2f}, {0.5f, 0.5f}, {0.1f, 0.9f}});
  set("lstm2b", {{0.5f, 0.5f}, {0.45f, 0.55f}, {0.99f, 0.01f}});
  set("lstm3a", {{0.2f, 0.7f, 0.1f}, {0.3f, 0.3f, 0.4f}, {0.3f, 0.3f, 0.4f}});
  set("lstm3b", {{0.5f, 0.5f}, {0.5f, 0.5f}, {0.4f, 0.6f}});
  set("lstm3c", {{0.5f, 0.5f}, {0.5f, 0.5f}, {0.01f, 0.99f}});
  set("lstm3d", {{0.4f, 0.3f, 0.3f}, {0.25f, 0.25f, 0.5f}, {0.3f, 0.3f, 0.4f}});

  const std::vector<int> hard = t.route_hard(probs, n);
  EXPECT_EQ(hard, (std::vector<int>{genre("metal"), genre("blues"), genre("reggae")}));

  const std::vector<float> soft = t.route_soft(probs, n);
  ASSERT_EQ(soft.size(), 30u);
  for (int i = 0; i < n; ++i) {
    double sum = 0;
    for (int g = 0; g < 10; ++g) sum += soft[static_cast<size_t>(i * 10 + g)];
    EXPECT_NEAR(sum, 1.0, 1e-6) << "path products of a clip sum to 1";
  }
  EXPECT_NEAR(soft[static_cast<size_t>(0 * 10 + genre("metal"))], 0.9 * 0.8 * 0.7, 1e-6);
  EXPECT_NEAR(soft[static_cast<size_t>(1 * 10 + genre("blues"))], 0.6 * 0.55 * 0.5, 1e-6);
  EXPECT_NEAR(soft[static_cast<size_t>(2 * 10 + genre("country"))], 0.49 * 0.99 * 0.99, 1e-6);
  EXPECT_NEAR(soft[static_cast<size_t>(2 * 10 + genre("reggae"))], 0.51 * 0.9 * 0.6, 1e-6);
  const auto argmax = [&](int i) {
    const float* r = soft.data() + i * 10;
    return static_cast<int>(std::max_element(r, r + 10) - r);
  };
  EXPECT_EQ(argmax(0), genre("metal"));
  EXPECT_EQ(argmax(2), genre("country")) << "soft routing recovers from a weak root decision";
}

TEST(ClassTree, ATwoLevelTreeOverAnyGenres) {
  // Any tree over the dataset's genres: here three genres, a root with a leaf and a node.
  const std::vector<std::string> g = {"a", "b", "c"};
  const tree::ClassTree t({node("top", {"c", "ab"}), node("ab", {"a", "b"})}, g);
  std::vector<std::vector<float>> probs(2);
  probs[static_cast<size_t>(t.find("top"))] = {0.3f, 0.7f, 0.8f, 0.2f};
  probs[static_cast<size_t>(t.find("ab"))] = {0.1f, 0.9f, 0.6f, 0.4f};
  EXPECT_EQ(t.route_hard(probs, 2), (std::vector<int>{1, 2}));  // b, then c at the root
  EXPECT_EQ(t.path(2).size(), 1u);
}

TEST(ClassTree, ATreeThatDoesNotCoverTheGenresIsALocatedError) {
  auto specs = paper_tree();
  specs[6].children = {"jazz", "classical"};  // blues missing
  EXPECT_THAT(error_of([&] { tree::ClassTree(specs, kGenres); }),
              HasSubstr("tree.yaml:lstm1: model.tree: the leaves must be the dataset's genres, "
                        "each exactly once; not in the tree: blues"));
}

TEST(ClassTree, EveryStructuralProblemIsReported) {
  auto twice = paper_tree();
  twice[5].children = {"disco", "country", "rock"};
  EXPECT_THAT(error_of([&] { tree::ClassTree(twice, kGenres); }),
              HasSubstr("node 'lstm3c': genre 'rock' is already a leaf of node 'lstm3a'"));

  auto unknown = paper_tree();
  unknown[6].children = {"jazz", "classical", "bluez"};
  const std::string e = error_of([&] { tree::ClassTree(unknown, kGenres); });
  EXPECT_THAT(e, HasSubstr("child 'bluez' is neither a node nor one of the dataset's genres"));
  EXPECT_THAT(e, HasSubstr("did you mean 'blues'?"));

  auto single = paper_tree();
  single.push_back(node("extra", {"lstm1"}));
  EXPECT_THAT(error_of([&] { tree::ClassTree(single, kGenres); }),
              HasSubstr("node 'extra': a node must split into at least 2 children, got 1"));

  auto two_roots = paper_tree();
  two_roots.push_back(node("loose", {"lstm3b", "lstm3c"}));
  const std::string r = error_of([&] { tree::ClassTree(two_roots, kGenres); });
  EXPECT_THAT(r, HasSubstr("node 'lstm3b' is already a child of node 'lstm2a'"));

  auto cycle = paper_tree();
  cycle[6].children = {"jazz", "classical", "blues", "lstm1"};
  EXPECT_THAT(error_of([&] { tree::ClassTree(cycle, kGenres); }),
              HasSubstr("the tree has a cycle and no root"));

  auto self = paper_tree();
  self[4].children = {"pop", "reggae", "lstm3b"};
  EXPECT_THAT(error_of([&] { tree::ClassTree(self, kGenres); }),
              HasSubstr("a node cannot be its own child"));

  auto named_genre = paper_tree();
  named_genre[0].name = "jazz";
  EXPECT_THAT(error_of([&] { tree::ClassTree(named_genre, kGenres); }),
              HasSubstr("a node cannot be named after a genre"));

  auto dup = paper_tree();
  dup[2].name = "lstm2a";
  EXPECT_THAT(error_of([&] { tree::ClassTree(dup, kGenres); }),
              HasSubstr("a second node named 'lstm2a'"));
}

const char* kTreeYaml = R"(name: t
paper: "tree test"
model:
  type: tree
  layers:
    - {name: seq, type: to_sequence}
    - {name: rnn, type: lstm, units: 16}
    - {name: out, type: dense, units: children}
  tree:
    - {name: root, children: [left, right], paper_accuracy: 0.8, train: {epochs: 3}}
    - {name: left, children: [blues, classical, country, disco, hiphop]}
    - name: right
      children: [jazz, metal, pop, reggae, rock]
      layers: {rnn: {units: 8}}
features: {type: mfcc, n_mfcc: 13}
)";

TEST(TreeConfig, ParsesOverridesAndRoundTrips) {
  const config::ExperimentConfig c = experiment::parse(
      kTreeYaml, "t.yaml", {"model.tree.left.train.lr=0.01", "model.tree.root.train.epochs=4"});
  ASSERT_EQ(c.model.tree.size(), 3u);
  EXPECT_EQ(c.model.tree[0].paper_accuracy, 0.8);
  std::vector<std::string> errors;
  const config::ExperimentConfig root = config::node_config(c, c.model.tree[0], errors);
  const config::ExperimentConfig left = config::node_config(c, c.model.tree[1], errors);
  const config::ExperimentConfig right = config::node_config(c, c.model.tree[2], errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(root.train.epochs, 4) << "the --set override replaces the file's value";
  EXPECT_EQ(left.train.lr, 0.01);
  EXPECT_EQ(left.train.epochs, c.train.epochs);
  EXPECT_EQ(*right.model.layers[1].find("units"), "8");
  EXPECT_EQ(*left.model.layers[1].find("units"), "16");
  const config::ExperimentConfig again = experiment::parse(graph::to_yaml(c), "resolved");
  EXPECT_TRUE(graph::configs_equal(c, again)) << graph::to_yaml(c);
  EXPECT_TRUE(config::trees_equal(c.model.tree, again.model.tree));
}

TEST(TreeConfig, ProblemsAreLocatedInTheFile) {
  auto err = [](const std::string& yaml, std::vector<std::string> overrides = {}) {
    return error_of([&] { experiment::parse(yaml, "t.yaml", overrides); });
  };
  std::string y = kTreeYaml;
  // A genre missing: named at the tree's first node, file:line:column.
  std::string missing = y;
  missing.replace(missing.find(", rock]"), 7, "]");
  EXPECT_THAT(err(missing), HasSubstr("t.yaml:10:7: model.tree: the leaves must be the dataset's "
                                      "genres, each exactly once; not in the tree: rock"));
  EXPECT_THAT(err(y, {"model.tree.left.train.epoch=3"}),
              HasSubstr("--set model.tree.left.train.epoch=3: model.tree node 'left': unknown "
                        "train key 'epoch' (did you mean 'epochs'?)"));
  EXPECT_THAT(err(y, {"model.tree.rigth.train.epochs=3"}),
              HasSubstr("model.tree has no node named 'rigth' (did you mean 'right'?)"));
  EXPECT_THAT(err(y, {"model.tree.right.layers.rnn.units=0"}),
              HasSubstr("--set model.tree.right.layers.rnn.units=0: layer 'rnn' (lstm): units"));
  std::string bad_key = y;
  bad_key.replace(bad_key.find("paper_accuracy: 0.8"), 19, "paper_accurcy: 0.8");
  EXPECT_THAT(err(bad_key), HasSubstr("t.yaml:10:45: model.tree[0]: unknown key 'paper_accurcy' "
                                      "(did you mean 'paper_accuracy'?)"));
  EXPECT_THAT(err(y, {"model.type=network"}),
              HasSubstr("model.tree is set but model.type is 'network'"));
  // A template whose output is not the node's children.
  EXPECT_THAT(err(y, {"model.layers.out.units=num_classes"}),
              HasSubstr("in tree node 'root' the last layer must give [children] = [2] logits"));
}

// A small tree trained end to end: two genres per leaf node, a few iterations. Checks the run
// directory and that the reported final accuracies are the routing of the nodes' outputs.
TEST(TreeRun, TrainsEveryNodeAndWritesTheRunDirectory) {
  const fs::path tmp = fs::temp_directory_path() / "mgr_tree_run_test";
  fs::remove_all(tmp);
  const std::string yaml = std::string(R"(name: tree_small
paper: "test"
device: cpu
seed: 2
data:
  root: )") + (tmp / "corpus").string() +
                           R"(
  genres: [blues, classical, metal, pop]
  sample_rate: 11025
  clip_seconds: 1.0
  split_fractions: [0.5, 0.25, 0.25]
  synthetic: {tracks_per_genre: 4, track_seconds: 4.0}
features: {type: mfcc, n_fft: 512, hop_length: 256, n_mels: 40, n_mfcc: 13, normalize: per_band,
           cache: "off"}
model:
  type: tree
  layers:
    - {name: seq, type: to_sequence}
    - {name: rnn, type: gru, units: 12}
    - {name: out, type: dense, units: children}
  tree:
    - {name: root, children: [calm, loud], paper_accuracy: 0.9}
    - {name: calm, children: [blues, classical], train: {iterations: 4}}
    - {name: loud, children: [metal, pop]}
train: {batch_size: 8, iterations: 6, lr: 0.01}
evaluation: {vote_thresholds: [2]}
)";
  const config::ExperimentConfig cfg = experiment::parse(yaml, "small.yaml");
  train::RunOptions opt;
  opt.quiet = true;
  opt.out_dir = (tmp / "run").string();
  const train::RunResult r = train::run_experiment(experiment::resolve(cfg), opt);
  const nlohmann::json& m = r.metrics;
  ASSERT_TRUE(m.contains("tree"));
  ASSERT_EQ(m["tree"]["nodes"].size(), 3u);
  EXPECT_EQ(m["tree"]["nodes"][0]["name"], "root");
  EXPECT_EQ(m["tree"]["nodes"][0]["paper_accuracy"], 0.9);
  EXPECT_EQ(m["tree"]["nodes"][1]["iterations_run"], 4) << "the node's own train override";
  EXPECT_EQ(m["tree"]["nodes"][2]["iterations_run"], 6);
  // Each node was tested on its own genres' clips only: half the test clips below the root.
  const int test_clips = m["data"]["test_clips"].get<int>();
  EXPECT_EQ(m["tree"]["nodes"][0]["test"]["clips"], test_clips);
  EXPECT_EQ(m["tree"]["nodes"][1]["test"]["clips"].get<int>() +
                m["tree"]["nodes"][2]["test"]["clips"].get<int>(),
            test_clips);
  EXPECT_EQ(m["test"], m["tree"]["hard"]) << "hard routing is the default headline";
  EXPECT_EQ(m["tree"]["hard"]["clip"]["n"], test_clips);
  EXPECT_EQ(m["tree"]["soft"]["clip"]["n"], test_clips);
  ASSERT_TRUE(m.contains("flat_baseline"));
  EXPECT_EQ(m["flat_baseline"]["iterations_run"], 6);
  // The cascaded count of the root is every test clip; its children's add up to the root's
  // correct decisions.
  const auto& root = m["tree"]["nodes"][0];
  const int right_at_root =
      static_cast<int>(std::lround(root["cascaded"]["clip_accuracy"].get<double>() * test_clips));
  EXPECT_EQ(root["cascaded"]["clips"], test_clips);
  EXPECT_EQ(m["tree"]["nodes"][1]["cascaded"]["clips"].get<int>() +
                m["tree"]["nodes"][2]["cascaded"]["clips"].get<int>(),
            right_at_root);
  const fs::path run(r.run_dir);
  for (const char* f :
       {"metrics.json", "config.yaml", "tree.svg", "tree_nodes.md", "table_row.md",
        "confusion_clip.svg", "nodes/root/best_model.h5", "nodes/calm/history.csv",
        "nodes/loud/model_summary.txt", "nodes/loud/learning_curves.svg", "flat/best_model.h5"})
    EXPECT_TRUE(fs::exists(run / f)) << f;
  std::ifstream svg(run / "tree.svg");
  const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr(">calm</text>"));
  EXPECT_THAT(text, HasSubstr(">classical</text>"));
  EXPECT_THAT(text, HasSubstr("(90.0%)")) << "the paper's node accuracy beside the measured";
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace mgr
