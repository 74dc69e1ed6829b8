#include "framework/engine/classifier_task.h"

#include <cmath>

#include "framework/autograd/var.h"
#include "framework/engine/checkpoint.h"
#include "framework/engine/metrics.h"
#include "framework/ops/loss.h"
#include "framework/optim/adam.h"
#include "framework/optim/clip_grad.h"
#include "framework/optim/sgd.h"

namespace mgr::train {

namespace {

Tensor gather_labels(const std::vector<int>& labels, const std::vector<int>& idx, Device device) {
  std::vector<int32_t> y;
  y.reserve(idx.size());
  for (int i : idx) y.push_back(labels[static_cast<size_t>(i)]);
  return Tensor::from_vector(y, {static_cast<int64_t>(y.size())}, device);
}

int64_t output_classes(const graph::GraphModel& m) { return m.plan().output().at(0); }

// w1 l1 + w2 l2 of two scalar losses (mixup's two cross-entropies): the value from the two on
// the host, the gradient w1 dy to l1 and w2 dy to l2.
Var weighted_sum(const Var& l1, double w1, const Var& l2, double w2) {
  const Device device = l1.value().device();
  const Shape shape = l1.value().shape();
  const double v = w1 * double(l1.value().item()) + w2 * double(l2.value().item());
  return make_var(
      Tensor::full(shape, static_cast<float>(v), device), {l1, l2},
      [l1, l2, w1, w2, shape, device](const Tensor& dy) {
        const double g = double(dy.item());
        accumulate_grad(l1, Tensor::full(shape, static_cast<float>(w1 * g), device));
        accumulate_grad(l2, Tensor::full(shape, static_cast<float>(w2 * g), device));
      },
      "mixup_loss");
}

}  // namespace

Predictions predict(graph::GraphModel& model, FeatureSource& source,
                    const std::vector<int>& examples, const std::vector<int>& labels,
                    const std::vector<int>& tracks, int batch_size) {
  Predictions r;
  r.num_classes = static_cast<int>(output_classes(model));
  model.eval();
  NoGradGuard no_grad;
  double loss_sum = 0;
  source.plan(examples);
  for (size_t start = 0; start < examples.size(); start += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(examples.size(), start + static_cast<size_t>(batch_size));
    const std::vector<int> idx(examples.begin() + static_cast<long>(start),
                               examples.begin() + static_cast<long>(end));
    Tensor x = source.batch(idx);
    Var logits = model.forward(Var(x));
    Tensor y = gather_labels(labels, idx, x.device());
    loss_sum += double(ops::softmax_cross_entropy(logits, y).value().item()) * idx.size();
    const std::vector<float> p = ops::softmax(logits.value()).to_vector();
    r.probs.insert(r.probs.end(), p.begin(), p.end());
    for (int i : idx) {
      r.truth.push_back(labels[static_cast<size_t>(i)]);
      r.tracks.push_back(tracks[static_cast<size_t>(i)]);
    }
  }
  r.pred = argmax_rows(r.probs, r.num_classes);
  r.loss = examples.empty() ? 0.0 : loss_sum / examples.size();
  return r;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const config::TrainConfig& t,
                                                 std::vector<Var*> params) {
  if (t.optimizer == "sgd") {
    optim::SgdOptions o;
    o.lr = static_cast<float>(t.lr);
    o.momentum = static_cast<float>(t.momentum);
    o.nesterov = t.nesterov;
    o.weight_decay = static_cast<float>(t.weight_decay);
    return std::make_unique<optim::SGD>(std::move(params), o);
  }
  MGR_CHECK(t.optimizer == "adam", "train.optimizer: unknown optimiser '" << t.optimizer << "'");
  optim::AdamOptions o;
  o.lr = static_cast<float>(t.lr);
  o.beta1 = static_cast<float>(t.beta1);
  o.beta2 = static_cast<float>(t.beta2);
  o.eps = static_cast<float>(t.eps);
  o.weight_decay = static_cast<float>(t.weight_decay);
  return std::make_unique<optim::Adam>(std::move(params), o);
}

ClassifierTask::ClassifierTask(graph::GraphModel& model, FeatureSource& source,
                               std::vector<int> labels, std::vector<int> tracks,
                               std::vector<int> validation, const config::TrainConfig& train,
                               std::string checkpoint_path, uint64_t seed, int sample_rate)
    : model_(model),
      source_(source),
      labels_(std::move(labels)),
      tracks_(std::move(tracks)),
      validation_(std::move(validation)),
      train_(train),
      optimizer_(make_optimizer(train, model.parameters())),
      checkpoint_(std::move(checkpoint_path)),
      num_classes_(static_cast<int>(output_classes(model))),
      augment_(train.augment, seed, sample_rate) {
  MGR_CHECK(!augment_.has_audio() || source.computes_from_audio(),
            "train.augment: audio transforms need features.mode on_the_fly (the features of "
            "this run are precomputed)");
}

void ClassifierTask::set_training(bool on) { model_.train(on); }

void ClassifierTask::will_train_on(const std::vector<int>& order) { source_.plan(order); }

void ClassifierTask::set_lr(double lr) { optimizer_->set_lr(static_cast<float>(lr)); }

StepResult ClassifierTask::train_step(const std::vector<int>& idx) {
  begin_step();
  const StepResult r = accumulate_gradients(idx, 1.0);
  if (std::isfinite(r.loss_sum)) finish_step();  // else the trainer stops with a message
  return r;
}

void ClassifierTask::begin_step() { optimizer_->zero_grad(); }

StepResult ClassifierTask::accumulate_gradients(const std::vector<int>& idx, double weight) {
  // train.augment: audio transforms inside the source (before the features), feature
  // transforms on the batch; validation, test and predictions take source_.batch() untouched.
  Tensor x;
  if (augment_.has_audio()) {
    AudioAugment audio;
    audio.transform = [this](Tensor& a) { augment_.audio_(a); };
    if (augment_.has_placement())
      audio.place = [this](const std::vector<int64_t>& track_samples,
                           const std::vector<int64_t>& offset, int64_t clip_samples) {
        return augment_.place(track_samples, offset, clip_samples);
      };
    x = source_.training_batch(idx, audio);
  } else {
    x = source_.batch(idx);
  }
  features::MixInfo mix;
  if (augment_.has_features()) x = augment_.features(std::move(x), mix);
  Var logits = model_.forward(Var(x));
  Tensor y = gather_labels(labels_, idx, x.device());
  Var loss = ops::softmax_cross_entropy(logits, y);
  if (mix.on) {
    // lambda CE(y) + (1 - lambda) CE(y[partner]): the labels of the rows mixed in.
    std::vector<int> mixed(idx.size());
    for (size_t i = 0; i < idx.size(); ++i) mixed[i] = idx[size_t(mix.partner[i])];
    const Var other = ops::softmax_cross_entropy(logits, gather_labels(labels_, mixed, x.device()));
    loss = weighted_sum(loss, mix.lambda, other, 1.0 - double(mix.lambda));
  }
  StepResult r;
  r.clips = static_cast<int64_t>(idx.size());
  r.loss_sum = double(loss.value().item()) * r.clips;
  if (!std::isfinite(r.loss_sum)) return r;  // the trainer stops with a message
  // d(weight * loss): the seed of the backward pass; weight 1 is plain loss.backward().
  loss.backward(
      Tensor::full(loss.value().shape(), static_cast<float>(weight), loss.value().device()));
  const std::vector<int> pred = argmax_rows(logits.value().to_vector(), num_classes_);
  for (size_t i = 0; i < idx.size(); ++i)
    r.correct += pred[i] == labels_[static_cast<size_t>(idx[i])];
  return r;
}

void ClassifierTask::finish_step() {
  if (train_.clip_grad_norm > 0) optim::clip_grad_norm(model_.parameters(), train_.clip_grad_norm);
  optimizer_->step();
}

ValidationResult ClassifierTask::validate() {
  const Predictions p =
      predict(model_, source_, validation_, labels_, tracks_, evaluation_batch_size(train_));
  return {p.loss, classify_report(p.truth, p.pred, p.num_classes).accuracy};
}

void ClassifierTask::save_best(int epoch, double validation_accuracy) {
  save_checkpoint(checkpoint_, model_, {epoch, validation_accuracy});
}

nlohmann::json ClassifierTask::task_state() const {
  if (augment_.empty()) return nullptr;
  return {{"augment_rng", augment_.state()}};
}

void ClassifierTask::restore_task_state(const nlohmann::json& state) {
  if (augment_.empty()) return;
  MGR_CHECK(state.is_object() && state.contains("augment_rng"),
            "the training state has no augmentation generator (saved without train.augment?)");
  augment_.restore(state.at("augment_rng").get<std::string>());
}

StateParts ClassifierTask::state_parts() {
  return {{{"model", &model_}}, {{"optimizer", optimizer_.get()}}};
}

}  // namespace mgr::train
