#include "framework/config/did_you_mean.h"

#include <algorithm>
#include <cctype>

namespace mgr::config {

int edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char ch) { return std::tolower(static_cast<unsigned char>(ch)); };
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int subst = prev[j - 1] + (lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  // Short words tolerate one typo, longer ones up to three: "lr" must not suggest "rnn".
  const int limit = word.size() <= 4 ? 1 : (word.size() <= 9 ? 2 : 3);
  std::string best;
  int best_d = limit + 1;
  for (const std::string& c : candidates) {
    const int d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace mgr::config
