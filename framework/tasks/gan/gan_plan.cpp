#include "framework/tasks/gan/gan_plan.h"

#include <fmt/format.h>

#include "framework/graph/model_check.h"

namespace mgr::graph {

namespace {

Shape gan_condition(const config::ExperimentConfig& c) {
  return c.model.gan.conditional ? Shape{model_num_classes(c)} : Shape{};
}

// The last layer of `plan` must give `want`; else a located error that says what it is for.
void need_output(const GraphPlan& plan, const Shape& want, const std::string& what) {
  if (plan.output() == want) return;
  const config::LayerSpec& last = plan.specs.back();
  throw Error(fmt::format(
      "{}: layer '{}' ({}): the last layer is {} and must give {} per clip, "
      "got {}",
      last.where, last.name, last.type, what, shape_text(want), shape_text(plan.output())));
}

}  // namespace

std::shared_ptr<const GraphPlan> plan_generator(const config::ExperimentConfig& c) {
  if (c.model.generator.empty())
    throw Error(
        "model.generator: model.type gan needs a generator layer list (its input is z "
        "[model.gan.latent], its output the clip's feature shape)");
  auto plan = plan_graph(c.model.generator, {c.model.gan.latent}, model_num_classes(c), 0,
                         gan_condition(c), "model.generator");
  need_output(*plan, model_input_shape(c),
              "the generated clip (the features' shape, e.g. a conv_transpose2d to 1 channel "
              "and a tanh)");
  return plan;
}

std::shared_ptr<const GraphPlan> plan_discriminator(const config::ExperimentConfig& c) {
  if (c.model.discriminator.empty())
    throw Error(
        "model.discriminator: model.type gan needs a discriminator layer list (its input "
        "is the clip's features, its output one logit [1])");
  auto plan = plan_graph(c.model.discriminator, model_input_shape(c), model_num_classes(c), 0,
                         gan_condition(c), "model.discriminator");
  need_output(*plan, {1}, "the real/fake logit (no sigmoid: the loss takes logits)");
  return plan;
}

}  // namespace mgr::graph
