#include "framework/data/csv.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kernels/error.h"

namespace mgr::data {
namespace {

std::string read_all(const std::string& path) {
  MGR_CHECK(std::filesystem::is_regular_file(path), path << ": no such file");
  std::ifstream in(path, std::ios::binary);
  MGR_CHECK(in, path << ": cannot open");
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
  return text;
}

bool blank(const CsvRecord& r) { return r.fields.size() == 1 && r.fields[0].empty(); }

}  // namespace

std::vector<CsvRecord> read_csv(const std::string& path, char delimiter) {
  const std::string text = read_all(path);
  std::vector<CsvRecord> out;
  CsvRecord rec;
  std::string field;
  int line = 1;
  rec.line = 1;
  bool quoted = false, after_quote = false;
  const auto end_record = [&] {
    rec.fields.push_back(std::move(field));
    field.clear();
    if (!blank(rec)) out.push_back(std::move(rec));
    rec = CsvRecord{};
    rec.line = line;
    after_quote = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
          after_quote = true;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == delimiter) {
      rec.fields.push_back(std::move(field));
      field.clear();
      after_quote = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;  // the '\n' ends the record
    } else if (c == '\n') {
      ++line;
      end_record();
    } else if (c == '"' && field.empty() && !after_quote) {
      quoted = true;
    } else {
      MGR_CHECK(!after_quote, path << ":" << line << ": character '" << c
                                   << "' after a closing quote (a quote inside a field is "
                                      "written \"\")");
      field += c;
    }
  }
  MGR_CHECK(!quoted, path << ":" << rec.line << ": a quoted field is never closed");
  if (!field.empty() || !rec.fields.empty()) end_record();
  return out;
}

char guess_delimiter(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == ".tsv" || ext == ".tab") return '\t';
  if (ext == ".csv") return ',';
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  return first.find('\t') != std::string::npos && first.find(',') == std::string::npos ? '\t' : ',';
}

}  // namespace mgr::data
