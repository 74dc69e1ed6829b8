// "Did you mean ...?" suggestions for misspelled config keys and choice values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mgr::config {

// Levenshtein distance between a and b, ignoring ASCII case.
int edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a plausible typo (the allowed
// distance grows with the word's length); empty when none is.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace mgr::config
