#include "framework/data/fma.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "framework/data/csv.h"
#include "framework/data/manifest.h"
#include "kernels/error.h"

namespace mgr::data {
namespace {

int subset_rank(const std::string& s) {
  if (s == "small") return 0;
  if (s == "medium") return 1;
  if (s == "large" || s == "full") return 2;
  return -1;
}

}  // namespace

std::string fma_audio_path(const std::string& audio_root, long track_id) {
  const std::string id = fmt::format("{:06d}", track_id);
  return (std::filesystem::path(audio_root) / id.substr(0, 3) / (id + ".mp3")).string();
}

FmaTracks read_fma(const FmaOptions& o) {
  const int want = subset_rank(o.subset);
  MGR_CHECK(want >= 0, "data.fma.subset '" << o.subset << "': expected small, medium or large");
  const std::vector<CsvRecord> rows = read_csv(o.metadata, ',');
  MGR_CHECK(rows.size() >= 3, o.metadata << ": " << rows.size()
                                         << " rows; FMA's tracks.csv has a two-row header, a "
                                            "row naming the index (track_id) and the tracks");
  const CsvRecord &top = rows[0], &sub = rows[1], &index = rows[2];
  MGR_CHECK(!index.fields.empty() && index.fields[0] == "track_id",
            o.metadata << ":" << index.line
                       << ": expected the index row 'track_id' (FMA's tracks.csv has two header "
                          "rows, then 'track_id'); is this tracks.csv?");
  // Column of (top, sub): the top row names each group once, at its first column, or on every
  // column (pandas writes it on every column; be lenient about both).
  std::map<std::pair<std::string, std::string>, size_t> col;
  std::string group;
  for (size_t i = 0; i < sub.fields.size(); ++i) {
    if (i < top.fields.size() && !top.fields[i].empty()) group = top.fields[i];
    col.emplace(std::make_pair(group, sub.fields[i]), i);
  }
  const auto need = [&](const char* a, const char* b) {
    const auto it = col.find({a, b});
    MGR_CHECK(it != col.end(), o.metadata << ":" << top.line << ": no column " << a << "/" << b
                                          << " in the two header rows (is this FMA's "
                                             "fma_metadata/tracks.csv?)");
    return it->second;
  };
  const size_t c_genre = need("track", "genre_top"), c_split = need("set", "split"),
               c_subset = need("set", "subset");
  const auto artist = col.find({"artist", "id"});

  struct Row {
    long id;
    std::string genre, group;
    TrackPart part;
  };
  std::vector<Row> kept;
  FmaTracks out;
  std::set<std::string> found_genres;
  for (size_t k = 3; k < rows.size(); ++k) {
    const CsvRecord& r = rows[k];
    const std::string where = o.metadata + ":" + std::to_string(r.line);
    MGR_CHECK(r.fields.size() == sub.fields.size(),
              where << ": " << r.fields.size() << " cells, the header has " << sub.fields.size());
    Row row{};
    size_t used = 0;
    try {
      row.id = std::stol(r.fields[0], &used);
    } catch (const std::exception&) {
      used = 0;
    }
    MGR_CHECK(used > 0 && used == r.fields[0].size() && row.id >= 0,
              where << ": track id '" << r.fields[0] << "' is not a number");
    const int rank = subset_rank(r.fields[c_subset]);
    MGR_CHECK(rank >= 0,
              where << ": set/subset '" << r.fields[c_subset] << "' is not small, medium or large");
    if (rank > want) continue;
    row.genre = r.fields[c_genre];
    if (row.genre.empty()) {
      ++out.without_genre;
      continue;
    }
    try {
      row.part = parse_track_part(r.fields[c_split]);
    } catch (const Error& e) {
      MGR_FAIL(where << ": set/split: " << e.what());
    }
    if (artist != col.end() && !r.fields[artist->second].empty())
      row.group = "artist " + r.fields[artist->second];
    found_genres.insert(row.genre);
    kept.push_back(std::move(row));
  }
  out.found_genres.assign(found_genres.begin(), found_genres.end());
  out.genres = o.genres.empty() ? out.found_genres : o.genres;
  MGR_CHECK(!out.genres.empty(),
            o.metadata << ": no track of the " << o.subset << " subset has a track/genre_top");
  for (size_t g = 0; g < out.genres.size(); ++g) {
    for (const Row& r : kept) {
      if (r.genre != out.genres[g]) continue;
      Track t;
      t.path = fma_audio_path(o.audio_root, r.id);
      t.label = static_cast<int>(g);
      t.genre = r.genre;
      t.id = fmt::format("{:06d}", r.id);
      t.group = r.group;
      t.part = r.part;
      out.tracks.push_back(std::move(t));
    }
  }
  for (const Row& r : kept)
    if (std::find(out.genres.begin(), out.genres.end(), r.genre) == out.genres.end())
      ++out.other_genres;
  return out;
}

}  // namespace mgr::data
