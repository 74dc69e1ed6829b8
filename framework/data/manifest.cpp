#include "framework/data/manifest.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "framework/data/csv.h"
#include "kernels/error.h"

namespace mgr::data {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

TrackPart parse_track_part(const std::string& value) {
  const std::string v = lower(trim(value));
  if (v == "train" || v == "training") return TrackPart::Train;
  if (v == "validation" || v == "valid" || v == "val" || v == "dev") return TrackPart::Validation;
  if (v == "test") return TrackPart::Test;
  MGR_CHECK(v.empty(), "split '" << value << "' is not one of train, validation, test");
  return TrackPart::None;
}

ManifestTracks read_manifest(const std::string& manifest, const std::vector<std::string>& genres) {
  const std::vector<CsvRecord> records = read_csv(manifest, guess_delimiter(manifest));
  std::vector<const CsvRecord*> rows;
  for (const CsvRecord& r : records)
    if (r.fields.empty() || r.fields[0].rfind('#', 0) != 0) rows.push_back(&r);
  MGR_CHECK(!rows.empty(), manifest << ": empty (expected a header row: path,label[,split]"
                                       "[,group][,id])");
  const CsvRecord& header = *rows.front();
  const std::vector<std::string> known = {"path", "label", "genre", "split", "group", "id"};
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = lower(trim(header.fields[i]));
    if (name == "genre") name = "label";
    MGR_CHECK(std::find(known.begin(), known.end(), name) != known.end(),
              manifest << ":" << header.line << ": unknown column '" << header.fields[i]
                       << "'; the columns are path, label (or genre), split, group, id");
    MGR_CHECK(!col.count(name),
              manifest << ":" << header.line << ": column '" << name << "' appears twice");
    col[name] = i;
  }
  for (const char* need : {"path", "label"})
    MGR_CHECK(col.count(need),
              manifest << ":" << header.line << ": no '" << need << "' column (the header has: "
                       << fmt::format("{}", fmt::join(header.fields, ", ")) << ")");

  const fs::path base = fs::path(manifest).parent_path();
  struct Row {
    std::string path, label, group, id;
    TrackPart part;
  };
  std::vector<Row> parsed;
  std::set<std::string> seen;
  for (size_t k = 1; k < rows.size(); ++k) {
    const CsvRecord& r = *rows[k];
    const std::string where = manifest + ":" + std::to_string(r.line);
    MGR_CHECK(r.fields.size() == header.fields.size(), where << ": " << r.fields.size()
                                                             << " cells, the header has "
                                                             << header.fields.size());
    const auto cell = [&](const char* name) {
      return col.count(name) ? trim(r.fields[col.at(name)]) : std::string();
    };
    Row row;
    const std::string path = cell("path");
    MGR_CHECK(!path.empty(), where << ": empty path");
    row.path = fs::path(path).is_absolute() ? path : (base / path).lexically_normal().string();
    MGR_CHECK(seen.insert(row.path).second, where << ": '" << path << "' is listed twice");
    row.label = cell("label");
    MGR_CHECK(!row.label.empty(), where << ": empty label");
    if (!genres.empty())
      MGR_CHECK(std::find(genres.begin(), genres.end(), row.label) != genres.end(),
                where << ": label '" << row.label << "' is not one of data.genres ("
                      << fmt::format("{}", fmt::join(genres, ", ")) << ")");
    try {
      row.part = parse_track_part(cell("split"));
    } catch (const Error& e) {
      MGR_FAIL(where << ": " << e.what());
    }
    row.group = cell("group");
    row.id = cell("id");
    if (row.id.empty()) row.id = fs::path(path).stem().string();
    parsed.push_back(std::move(row));
  }
  MGR_CHECK(!parsed.empty(), manifest << ": a header and no rows");

  ManifestTracks out;
  std::set<std::string> labels;
  for (const Row& r : parsed) labels.insert(r.label);
  out.labels.assign(labels.begin(), labels.end());
  out.genres = genres.empty() ? out.labels : genres;
  for (size_t g = 0; g < out.genres.size(); ++g) {
    for (const Row& r : parsed) {
      if (r.label != out.genres[g]) continue;
      Track t;
      t.path = r.path;
      t.label = static_cast<int>(g);
      t.genre = r.label;
      t.id = r.id;
      t.group = r.group;
      t.part = r.part;
      out.tracks.push_back(std::move(t));
    }
  }
  return out;
}

}  // namespace mgr::data
