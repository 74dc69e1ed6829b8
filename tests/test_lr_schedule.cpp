#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "framework/optim/lr_schedule.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using optim::LrSchedule;

TEST(LrSchedule, HandValues) {
  const LrSchedule constant{"constant", 0.01};
  EXPECT_EQ(constant.lr(0, 100), 0.01);
  EXPECT_EQ(constant.lr(1000, 0), 0.01);  // total not needed

  // Paper 000: linear decay from 0.002 to 0 over training.
  const LrSchedule linear{"linear", 0.002};
  EXPECT_DOUBLE_EQ(linear.lr(0, 4), 0.002);
  EXPECT_DOUBLE_EQ(linear.lr(1, 4), 0.0015);
  EXPECT_DOUBLE_EQ(linear.lr(2, 4), 0.001);
  EXPECT_DOUBLE_EQ(linear.lr(3, 4), 0.0005);
  EXPECT_EQ(linear.lr(4, 4), 0.0);

  LrSchedule step{"step", 1.0};
  step.gamma = 0.5;
  step.step_iterations = 3;
  const double want_step[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(step.lr(i, 10), want_step[i]) << i;
  EXPECT_EQ(step.lr(30, 0), std::pow(0.5, 10));  // beyond any total: keeps decaying

  LrSchedule cosine{"cosine", 0.1};
  cosine.min_lr = 0.02;
  EXPECT_DOUBLE_EQ(cosine.lr(0, 8), 0.1);
  EXPECT_DOUBLE_EQ(cosine.lr(4, 8), 0.06);  // half way: the mean of base and min
  EXPECT_DOUBLE_EQ(cosine.lr(2, 8), 0.02 + 0.08 * (1 + std::sqrt(0.5)) / 2);
  EXPECT_DOUBLE_EQ(cosine.lr(8, 8), 0.02);
}

TEST(LrSchedule, MatchesTorchSchedulers) {
  // torch's LinearLR(1, 0, total), StepLR and CosineAnnealingLR(T_max = total), stepped once per
  // update (tests/data/torch/make_lr_schedule_reference.py). torch computes each value from the
  // previous one, so the closed forms agree up to rounding.
  std::ifstream f(std::string(MGR_SOURCE_DIR) + "/tests/data/torch/lr_schedule_reference.json");
  ASSERT_TRUE(f.good()) << "missing tests/data/torch/lr_schedule_reference.json";
  const nlohmann::json ref = nlohmann::json::parse(f);
  ASSERT_EQ(ref.at("cases").size(), 4u);
  for (const auto& c : ref.at("cases")) {
    LrSchedule s{c["kind"].get<std::string>(), c["base_lr"].get<double>()};
    if (c.contains("gamma")) s.gamma = c["gamma"].get<double>();
    if (c.contains("step_iterations")) s.step_iterations = c["step_iterations"].get<int64_t>();
    if (c.contains("min_lr")) s.min_lr = c["min_lr"].get<double>();
    const int64_t total = c["total_iterations"].get<int64_t>();
    const std::vector<double> want = c["lr"].get<std::vector<double>>();
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(s.lr(static_cast<int64_t>(i), total), want[i], 1e-12 * s.base_lr)
          << s.kind << " iteration " << i;
  }
}

TEST(LrSchedule, RejectsBadParameters) {
  auto message = [](const LrSchedule& s, int64_t it, int64_t total) -> std::string {
    try {
      s.lr(it, total);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message({"exponential", 0.1}, 0, 10).find("unknown kind 'exponential'"),
            std::string::npos);
  EXPECT_NE(message({"constant", -0.1}, 0, 10).find("base_lr"), std::string::npos);
  EXPECT_NE(message({"constant", NAN}, 0, 10).find("base_lr"), std::string::npos);
  EXPECT_NE(message({"constant", 0.1}, -1, 10).find("negative iteration"), std::string::npos);
  EXPECT_NE(message({"step", 0.1}, 0, 10).find("step_iterations"), std::string::npos);
  LrSchedule step{"step", 0.1};
  step.step_iterations = 5;
  step.gamma = 0;
  EXPECT_NE(message(step, 0, 10).find("gamma"), std::string::npos);
  EXPECT_NE(message({"linear", 0.1}, 0, 0).find("total_iterations"), std::string::npos);
  EXPECT_NE(message({"linear", 0.1}, 11, 10).find("beyond total_iterations"), std::string::npos);
  LrSchedule cosine{"cosine", 0.1};
  cosine.min_lr = 0.2;
  EXPECT_NE(message(cosine, 0, 10).find("min_lr"), std::string::npos);
  cosine.min_lr = -0.01;
  EXPECT_NE(message(cosine, 0, 10).find("min_lr"), std::string::npos);
  EXPECT_NO_THROW(LrSchedule({"cosine", 0.1}).validate());
  EXPECT_EQ(LrSchedule::kinds().size(), 4u);
}

}  // namespace
}  // namespace mgr
