#include "framework/data/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string>

#include "kernels/error.h"

namespace mgr::data {
namespace {

// Part sizes for n items: floor(f * n), then the leftover items to the largest remainders
// (ties to the earlier part), then, when n allows, at least one item per part (taken from the
// largest part) so that no split of a small group is empty.
std::vector<size_t> part_sizes(size_t n, const std::vector<double>& fractions) {
  const size_t k = fractions.size();
  std::vector<size_t> sizes(k);
  std::vector<double> rem(k);
  size_t used = 0;
  for (size_t i = 0; i < k; ++i) {
    const double exact = fractions[i] * static_cast<double>(n);
    sizes[i] = static_cast<size_t>(std::floor(exact + 1e-9));
    rem[i] = exact - static_cast<double>(sizes[i]);
    used += sizes[i];
  }
  while (used < n) {
    size_t best = 0;
    for (size_t i = 1; i < k; ++i) {
      if (rem[i] > rem[best] + 1e-12) best = i;
    }
    ++sizes[best];
    rem[best] = -1.0;
    ++used;
  }
  while (used > n) {  // cannot happen with fractions summing to 1, but keep the sum exact
    const auto big = std::max_element(sizes.begin(), sizes.end()) - sizes.begin();
    --sizes[static_cast<size_t>(big)];
    --used;
  }
  if (n >= k) {
    for (size_t i = 0; i < k; ++i) {
      if (sizes[i] == 0) {
        const auto big = std::max_element(sizes.begin(), sizes.end()) - sizes.begin();
        --sizes[static_cast<size_t>(big)];
        ++sizes[i];
      }
    }
  }
  return sizes;
}

void check_fractions(const std::vector<double>& f) {
  MGR_CHECK(f.size() == 2 || f.size() == 3,
            "split fractions: expected {train, validation, test} or {train, test}, got "
                << f.size() << " values");
  double sum = 0;
  for (double x : f) {
    MGR_CHECK(x > 0 && std::isfinite(x), "split fractions must be positive, got " << x);
    sum += x;
  }
  MGR_CHECK(std::abs(sum - 1.0) <= 1e-6, "split fractions must sum to 1, got " << sum);
}

// Appends the items of `order` to the parts according to `sizes` (train, [validation,] test).
void deal(const std::vector<size_t>& sizes, const std::vector<std::vector<int>>& items_of,
          const std::vector<int>& order, Split& s) {
  std::vector<std::vector<int>*> parts;
  parts.push_back(&s.train);
  if (sizes.size() == 3) parts.push_back(&s.validation);
  parts.push_back(&s.test);
  size_t pos = 0;
  for (size_t p = 0; p < sizes.size(); ++p) {
    for (size_t k = 0; k < sizes[p]; ++k, ++pos) {
      const auto& items = items_of[static_cast<size_t>(order[pos])];
      parts[p]->insert(parts[p]->end(), items.begin(), items.end());
    }
  }
}

// The units a split deals out, in groups: for random_clips one group of every clip (each clip
// an item); for track_stratified one group per genre, of its tracks that have clips (an item is
// a track's clips; tracks without clips take part in nothing). Calls deal_group(order, items)
// per group, `order` holding the group's item indices into `items`.
template <class F>
void for_each_group(const Dataset& ds, SplitKind kind, F&& deal_group) {
  if (kind == SplitKind::RandomClips) {
    std::vector<std::vector<int>> items(ds.clips.size());
    std::vector<int> order(ds.clips.size());
    for (size_t i = 0; i < ds.clips.size(); ++i) {
      items[i] = {static_cast<int>(i)};
      order[i] = static_cast<int>(i);
    }
    deal_group(order, items);
    return;
  }
  std::vector<std::vector<int>> clips_of(ds.tracks.size());
  for (size_t i = 0; i < ds.clips.size(); ++i) {
    const int t = ds.clips[i].track_id;
    MGR_CHECK(t >= 0 && static_cast<size_t>(t) < ds.tracks.size(),
              "split: clip " << i << " names track " << t << " of " << ds.tracks.size());
    clips_of[static_cast<size_t>(t)].push_back(static_cast<int>(i));
  }
  const bool grouped = std::any_of(ds.tracks.begin(), ds.tracks.end(),
                                   [](const Track& t) { return !t.group.empty(); });
  if (grouped) {
    // An item is a group's clips (a track without a group is a group of its own), dealt with the
    // groups of its genre: the genre most of its clips have (ties: the lower label). Groups are
    // numbered in track order, so the deal depends only on the data and the seed.
    std::vector<std::vector<int>> items;
    std::vector<std::vector<int>> label_clips;
    std::map<std::string, size_t> index;
    for (const Track& t : ds.tracks) {
      const auto& clips = clips_of[static_cast<size_t>(t.track_id)];
      if (clips.empty()) continue;
      const std::string key = t.group.empty() ? "\x1ftrack " + std::to_string(t.track_id) : t.group;
      auto [it, fresh] = index.emplace(key, items.size());
      if (fresh) {
        items.emplace_back();
        label_clips.emplace_back(ds.genres.size(), 0);
      }
      items[it->second].insert(items[it->second].end(), clips.begin(), clips.end());
      label_clips[it->second][static_cast<size_t>(t.label)] += static_cast<int>(clips.size());
    }
    for (int g = 0; g < static_cast<int>(ds.genres.size()); ++g) {
      std::vector<int> order;
      for (size_t i = 0; i < items.size(); ++i) {
        const auto& counts = label_clips[i];
        if (std::max_element(counts.begin(), counts.end()) - counts.begin() == g)
          order.push_back(static_cast<int>(i));
      }
      deal_group(order, items);
    }
    return;
  }
  for (int g = 0; g < static_cast<int>(ds.genres.size()); ++g) {
    std::vector<int> tracks;
    for (const Track& t : ds.tracks)
      if (t.label == g && !clips_of[static_cast<size_t>(t.track_id)].empty())
        tracks.push_back(t.track_id);
    deal_group(tracks, clips_of);
  }
}

}  // namespace

SplitKind parse_split(const std::string& s) {
  if (s == "random_clips") return SplitKind::RandomClips;
  if (s == "track_stratified") return SplitKind::TrackStratified;
  if (s == "official" || s == "gtzan_fault_filtered") return SplitKind::Assigned;
  MGR_FAIL("unknown split '"
           << s
           << "'; expected one of: track_stratified (no track on two sides), random_clips (the "
              "papers' leaky protocol), official (the corpus's own split column), "
              "gtzan_fault_filtered (GTZAN's fault-filtered lists)");
}

const char* split_name(SplitKind k) {
  switch (k) {
    case SplitKind::RandomClips:
      return "random_clips";
    case SplitKind::TrackStratified:
      return "track_stratified";
    case SplitKind::Assigned:
      return "official";
  }
  return "?";
}

namespace {

Split assigned_split(const Dataset& ds) {
  Split s;
  for (size_t i = 0; i < ds.clips.size(); ++i) {
    const int t = ds.clips[i].track_id;
    MGR_CHECK(t >= 0 && static_cast<size_t>(t) < ds.tracks.size(),
              "split: clip " << i << " names track " << t << " of " << ds.tracks.size());
    switch (ds.tracks[static_cast<size_t>(t)].part) {
      case TrackPart::Train:
        s.train.push_back(static_cast<int>(i));
        break;
      case TrackPart::Validation:
        s.validation.push_back(static_cast<int>(i));
        break;
      case TrackPart::Test:
        s.test.push_back(static_cast<int>(i));
        break;
      case TrackPart::None:
        break;  // a track the corpus's split leaves out
    }
  }
  return s;
}

}  // namespace

Split make_split(const Dataset& ds, SplitKind kind, const std::vector<double>& fractions,
                 uint64_t seed) {
  MGR_CHECK(!ds.clips.empty(), "make_split: the dataset has no clips (call segment_clips first)");
  if (kind == SplitKind::Assigned) return assigned_split(ds);
  check_fractions(fractions);
  std::mt19937_64 rng(seed);
  Split s;
  for_each_group(ds, kind,
                 [&](std::vector<int>& order, const std::vector<std::vector<int>>& items) {
                   fisher_yates(order, rng);
                   deal(part_sizes(order.size(), fractions), items, order, s);
                 });
  for (auto* v : {&s.train, &s.validation, &s.test}) std::sort(v->begin(), v->end());
  return s;
}

Split make_fold_split(const Dataset& ds, SplitKind kind, int k, int fold, uint64_t seed) {
  MGR_CHECK(k >= 3,
            "k-fold cross-validation needs k >= 3 (a test and a validation fold and at "
            "least one to train on), got "
                << k);
  MGR_CHECK(fold >= 0 && fold < k, "fold " << fold << " of " << k << " does not exist");
  MGR_CHECK(kind != SplitKind::Assigned,
            "k-fold cross-validation deals tracks itself; the corpus's own split (official, "
            "gtzan_fault_filtered) is one fixed split: use protocol.folds 0");
  MGR_CHECK(!ds.clips.empty(), "make_fold_split: the dataset has no clips");
  std::mt19937_64 rng(seed);
  Split s;
  const int validation_fold = (fold + 1) % k;
  // Deals the shuffled items round robin; `start` continues the rotation across genres so the
  // folds also stay equal in size overall.
  size_t start = 0;
  auto deal_folds = [&](std::vector<int>& order, const std::vector<std::vector<int>>& items) {
    fisher_yates(order, rng);
    for (size_t i = 0; i < order.size(); ++i) {
      const int f = static_cast<int>((start + i) % static_cast<size_t>(k));
      std::vector<int>& part = f == fold ? s.test : f == validation_fold ? s.validation : s.train;
      const auto& clips = items[static_cast<size_t>(order[i])];
      part.insert(part.end(), clips.begin(), clips.end());
    }
    start += order.size();
  };
  for_each_group(ds, kind, deal_folds);
  for (auto* v : {&s.train, &s.validation, &s.test}) std::sort(v->begin(), v->end());
  return s;
}

std::vector<TrackSides> track_sides(const Dataset& ds, const Split& s) {
  std::vector<TrackSides> sides(ds.tracks.size());
  const auto count = [&](const std::vector<int>& part, int TrackSides::*field) {
    for (int i : part) {
      MGR_CHECK(i >= 0 && static_cast<size_t>(i) < ds.clips.size(),
                "track_sides: clip " << i << " of " << ds.clips.size());
      ++(sides[static_cast<size_t>(ds.clips[static_cast<size_t>(i)].track_id)].*field);
    }
  };
  count(s.train, &TrackSides::train);
  count(s.validation, &TrackSides::validation);
  count(s.test, &TrackSides::test);
  return sides;
}

int tracks_on_two_sides(const std::vector<TrackSides>& sides) {
  return static_cast<int>(
      std::count_if(sides.begin(), sides.end(), [](const TrackSides& t) { return t.parts() > 1; }));
}

std::string split_csv(const Dataset& ds, const std::vector<TrackSides>& sides) {
  // RFC 4180 quoting: a path may hold commas or quotes.
  const auto quoted = [](const std::string& v) {
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  std::string out = "track,path,genre,train_clips,validation_clips,test_clips\n";
  for (const Track& t : ds.tracks) {
    const TrackSides& n = sides.at(static_cast<size_t>(t.track_id));
    out += std::to_string(t.track_id) + "," + quoted(t.path) + "," + quoted(t.genre) + "," +
           std::to_string(n.train) + "," + std::to_string(n.validation) + "," +
           std::to_string(n.test) + "\n";
  }
  return out;
}

}  // namespace mgr::data
