#include "framework/data/track_selection.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "framework/data/manifest.h"
#include "kernels/error.h"

namespace mgr::data {

std::vector<std::string> read_track_ids(const std::string& path) {
  std::ifstream in(path);
  MGR_CHECK(in, "data.exclude: cannot read '" << path << "'");
  std::vector<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string id;
    if (words >> id) ids.push_back(id);
  }
  return ids;
}

int exclude_tracks(std::vector<Track>& tracks, const std::vector<std::string>& ids,
                   const std::string& source, std::ostream& log) {
  const std::set<std::string> out(ids.begin(), ids.end());
  std::set<std::string> matched;
  const size_t before = tracks.size();
  tracks.erase(std::remove_if(tracks.begin(), tracks.end(),
                              [&](const Track& t) {
                                if (!out.count(t.id)) return false;
                                matched.insert(t.id);
                                return true;
                              }),
               tracks.end());
  const int left_out = static_cast<int>(before - tracks.size());
  log << "data.exclude: left out " << left_out << " of " << before << " tracks listed in "
      << source;
  if (matched.size() < out.size())
    log << " (" << out.size() - matched.size() << " of its " << out.size()
        << " ids name no track here)";
  log << "\n";
  return left_out;
}

void assign_fault_filtered_parts(std::vector<Track>& tracks, std::ostream& log) {
  std::map<std::string, TrackPart> part_of;
  std::istringstream in{std::string(fault_filtered_split_tsv())};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("id\t", 0) == 0) continue;
    const auto tab = line.find('\t');
    MGR_CHECK(tab != std::string::npos, "fault-filtered lists: bad line '" << line << "'");
    part_of[line.substr(0, tab)] = parse_track_part(line.substr(tab + 1));
  }
  std::array<int, 3> per_part{};
  const size_t before = tracks.size();
  std::vector<Track> kept;
  for (Track& t : tracks) {
    const auto it = part_of.find(t.id);
    if (it == part_of.end()) continue;
    t.part = it->second;
    ++per_part[static_cast<size_t>(t.part)];
    kept.push_back(std::move(t));
  }
  MGR_CHECK(!kept.empty(),
            "data.split gtzan_fault_filtered: none of the "
                << before
                << " tracks is in GTZAN's fault-filtered lists (ids like blues.00029, the file "
                   "names without extension); is data.root a GTZAN copy?");
  tracks = std::move(kept);
  log << "data.split gtzan_fault_filtered: " << per_part[0] << " train / " << per_part[1]
      << " validation / " << per_part[2] << " test tracks of the lists (443 / 197 / 290 in full "
      << "GTZAN); " << before - tracks.size() << " tracks in no list left out\n";
}

}  // namespace mgr::data
