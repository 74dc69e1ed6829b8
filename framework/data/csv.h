// Delimiter-separated text as corpus metadata comes: manifests (CSV or TSV) and the Free Music
// Archive's tracks.csv. RFC 4180 quoting ("a, b", "say ""hi""", newlines inside quotes), CRLF or
// LF line ends, a UTF-8 byte-order mark ignored. Each record keeps the line it starts on, so
// every later complaint about a row can name file:line.
#pragma once

#include <string>
#include <vector>

namespace mgr::data {

struct CsvRecord {
  int line = 0;  // 1-based line of the file where the record starts
  std::vector<std::string> fields;
};

// Reads every record of `path` (blank lines skipped). mgr::Error with file:line on an
// unterminated quote or a character after a closing quote, and when the file cannot be read.
std::vector<CsvRecord> read_csv(const std::string& path, char delimiter);

// '\t' for a .tsv/.tab file or when the first line holds a tab and no comma; ',' otherwise.
char guess_delimiter(const std::string& path);

}  // namespace mgr::data
