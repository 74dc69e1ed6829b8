#include "framework/config/augment_types.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace mgr::config {

namespace {

AugmentKey int_key(std::string name, int def, double lo, double hi, std::string doc) {
  return {std::move(name), "int", std::to_string(def), lo, hi, {}, std::move(doc)};
}
AugmentKey float_key(std::string name, double def, double lo, double hi, std::string doc) {
  return {std::move(name), "float", fmt::format("{}", def), lo, hi, {}, std::move(doc)};
}
AugmentKey choice_key(std::string name, std::vector<std::string> choices, std::string doc) {
  std::string def = choices.front();
  return {std::move(name), "choice", def, 0, 0, std::move(choices), std::move(doc)};
}

// min_key <= max_key
std::function<std::optional<std::string>(const AugmentSpec&)> ordered(std::string lo,
                                                                      std::string hi) {
  return [lo, hi](const AugmentSpec& s) -> std::optional<std::string> {
    if (s.number(lo) > s.number(hi))
      return lo + " (" + s.text(lo) + ") must not exceed " + hi + " (" + s.text(hi) + ")";
    return std::nullopt;
  };
}

std::vector<AugmentType> build_types() {
  const std::string per_clip = "each clip of a training batch is transformed";
  std::vector<AugmentType> t;
  t.push_back({"freq_mask",
               "features",
               1.0,
               per_clip,
               "SpecAugment frequency masks (Park et al. 2019): `count` masks per clip, each of "
               "width uniform in [0, max_width] bands (at most the clip's bands) at a uniform "
               "position, set to `fill` in every channel (0: the standardised mean). Needs "
               "time-frequency features [C, D, T]",
               {int_key("count", 1, 1, 64, "masks per clip"),
                int_key("max_width", 8, 0, 100000, "the widest mask, in bands"),
                float_key("fill", 0.0, -1e6, 1e6, "the value of the masked cells")},
               {}});
  t.push_back({"time_mask",
               "features",
               1.0,
               per_clip,
               "SpecAugment time masks: `count` masks per clip, each of width uniform in [0, "
               "max_width] frames (at most the clip's frames) at a uniform position, set to "
               "`fill` in every channel and band. Needs time-frequency features [C, D, T]",
               {int_key("count", 1, 1, 64, "masks per clip"),
                int_key("max_width", 20, 0, 1000000, "the widest mask, in frames"),
                float_key("fill", 0.0, -1e6, 1e6, "the value of the masked cells")},
               {}});
  t.push_back(
      {"mixup",
       "features",
       1.0,
       "a training batch is mixed",
       "mixup (Zhang et al. 2018): the batch x becomes lambda x + (1 - lambda) x[perm] with "
       "lambda ~ Beta(alpha, alpha) and perm a random permutation of the batch (of each "
       "micro-batch with train.accumulate); the loss is lambda CE(y) + (1 - lambda) "
       "CE(y[perm]); the running training accuracy counts against y",
       {float_key("alpha", 0.4, 1e-3, 100, "the Beta distribution's two parameters")},
       {}});
  t.push_back({"crop",
               "audio",
               1.0,
               per_clip,
               "random crop: the clip is read from a position uniform over its whole track "
               "(each position whose read stays inside the track), so each epoch sees a new "
               "clip of every training track; without it a clip is read where it was cut",
               {},
               {}});
  t.push_back({"speed",
               "audio",
               1.0,
               per_clip,
               "speed perturbation by resampling: the clip is read at a rate r uniform in "
               "[min_rate, max_rate] from its position in the track (windowed-sinc "
               "interpolation, anti-aliased when r > 1), so tempo and pitch change together "
               "(r = 1.06: about a semitone up, 6% faster); the clip keeps its length, taking "
               "r times as much of the track. One table-driven kernel serves both devices (not "
               "libsamplerate, so that the CPU twin gives the CUDA kernel's bits); a pitch shift "
               "without a tempo change, or the reverse, would need a phase vocoder and is not "
               "offered",
               {float_key("min_rate", 0.9, 0.5, 2, "the lowest rate"),
                float_key("max_rate", 1.1, 0.5, 2, "the highest rate")},
               ordered("min_rate", "max_rate")});
  t.push_back({"gain",
               "audio",
               1.0,
               per_clip,
               "the clip's samples times 10^(g/20), g uniform in [min_db, max_db]",
               {float_key("min_db", -6.0, -60, 60, "the lowest gain, dB"),
                float_key("max_db", 6.0, -60, 60, "the highest gain, dB")},
               ordered("min_db", "max_db")});
  t.push_back({"polarity", "audio", 0.5, per_clip, "the clip's samples negated", {}, {}});
  t.push_back({"time_shift",
               "audio",
               1.0,
               per_clip,
               "the clip's samples shifted in time by a whole number of samples uniform in "
               "[-max_seconds, max_seconds] (positive: later); mode circular wraps the samples "
               "shifted out around to the other end, zero fills the gap with silence",
               {float_key("max_seconds", 0.5, 0, 3600, "the largest shift, seconds"),
                choice_key("mode", {"circular", "zero"}, "circular | zero")},
               {}});
  t.push_back({"noise",
               "audio",
               1.0,
               per_clip,
               "Gaussian noise added at a signal-to-noise ratio uniform in [min_snr_db, "
               "max_snr_db] dB: standard deviation rms(clip) 10^(-snr/20) (equal bounds: a fixed "
               "SNR; a silent clip stays silent)",
               {float_key("min_snr_db", 10.0, -30, 100, "the lowest SNR, dB"),
                float_key("max_snr_db", 30.0, -30, 100, "the highest SNR, dB")},
               ordered("min_snr_db", "max_snr_db")});
  return t;
}

std::string number_text(double v) { return fmt::format("{}", v); }

}  // namespace

const std::vector<AugmentType>& augment_types() {
  static const std::vector<AugmentType> types = build_types();
  return types;
}

const AugmentType* find_augment_type(std::string_view name) {
  for (const AugmentType& t : augment_types())
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<std::string> augment_type_names() {
  std::vector<std::string> out;
  for (const AugmentType& t : augment_types()) out.push_back(t.name);
  return out;
}

std::string augment_key_allowed(const AugmentKey& key) {
  if (key.kind == "choice") return fmt::format("one of {}", fmt::join(key.choices, ", "));
  return fmt::format("{} in [{}, {}]", key.kind == "int" ? "an integer" : "a number",
                     number_text(key.lo), number_text(key.hi));
}

std::optional<std::string> check_augment_value(const AugmentKey& key, const std::string& text,
                                               std::string& canonical) {
  const std::string got = "got \"" + (text.size() > 60 ? text.substr(0, 60) + "..." : text) + "\"";
  if (key.kind == "choice") {
    for (const std::string& c : key.choices)
      if (c == text) {
        canonical = text;
        return std::nullopt;
      }
    return "expected " + augment_key_allowed(key) + ", " + got;
  }
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(begin, &end);
  const bool whole = !text.empty() && end == begin + text.size() && errno == 0 && std::isfinite(v);
  const bool integral = whole && v == std::floor(v);
  if (!whole || (key.kind == "int" && !integral) || v < key.lo || v > key.hi)
    return "expected " + augment_key_allowed(key) + ", " + got;
  canonical = number_text(v);
  return std::nullopt;
}

std::string augment_types_markdown() {
  auto cell = [](const std::string& s) {
    std::string out;
    for (char ch : s) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
    return out;
  };
  std::string md;
  md += "| type | acts on | p (default) | keys (default, allowed) | what it does |\n";
  md += "|---|---|---|---|---|\n";
  for (const AugmentType& t : augment_types()) {
    std::string keys;
    for (const AugmentKey& k : t.keys)
      keys += (keys.empty() ? "" : "; ") +
              ("`" + k.name + "` (`" + k.def + "`, " + augment_key_allowed(k) + "): " + k.doc);
    md += "| `" + t.name + "` | " + t.acts_on + " | " + number_text(t.p) + ": " + t.p_doc + " | " +
          cell(keys.empty() ? std::string("none") : keys) + " | " + cell(t.doc) + " |\n";
  }
  md += "\n";
  return md;
}

}  // namespace mgr::config
