// The pieces every HTML page of mgr is made of (the report, framework/results/html_report.h, and
// each task kind's section of it): escaping, and images embedded as data URIs so that a page
// refers to no other file.
#pragma once

#include <string>
#include <vector>

namespace mgr::train {

// <, >, &, " and ' as entities: safe in element text and in quoted attributes.
std::string html_escape(const std::string& s);

std::string base64(const std::string& bytes);

// An 8-bit BMP (viridis-like palette) of a rows x cols matrix (row 0 drawn at the bottom),
// scaled to its own minimum and maximum, as "data:image/bmp;base64,...".
std::string bmp_data_uri(const std::vector<float>& values, int rows, int cols);

// The bytes of a file as "data:<mime>;base64,..."; throws mgr::Error when it cannot be read.
std::string file_data_uri(const std::string& path, const std::string& mime);

// An SVG document (as svg_line_chart writes) placed inline: its XML declaration, if any, left
// out.
std::string inline_svg(const std::string& svg);

}  // namespace mgr::train
