// data.source manifest: any corpus in any layout, listed in a CSV or TSV file.
//   path,label[,split][,group][,id]      (a header row first; columns in any order)
// - path: the audio file; a relative path is taken against the manifest's folder.
// - label (or genre): the track's genre; with data.genres given it must be one of them,
//   otherwise the genres are the labels found, sorted.
// - split (optional): train | validation | test (also training, valid, val, dev): the part
//   data.split official uses; an empty cell leaves the track out of that split.
// - group (optional): an artist, album or recording session; data.split track_stratified
//   (one split or k folds) keeps each group on one side.
// - id (optional): the name data.exclude lists; default the file name without extension.
// A record whose first cell starts with '#' is a comment.
#pragma once

#include <string>
#include <vector>

#include "framework/data/dataset.h"

namespace mgr::data {

struct ManifestTracks {
  std::vector<std::string> genres;  // label order
  std::vector<Track> tracks;        // label order, then manifest order; not decoded
  std::vector<std::string> labels;  // every label of the manifest, sorted
};

// "train"/"training", "validation"/"valid"/"val"/"dev", "test" (any case); "" is None;
// mgr::Error for anything else.
TrackPart parse_track_part(const std::string& value);

// Throws mgr::Error with manifest:line for an unknown or missing column, a row with the wrong
// number of cells, an empty path or label, a label outside `genres` (when given), an unknown
// split value, a path listed twice, or a manifest without rows.
ManifestTracks read_manifest(const std::string& manifest, const std::vector<std::string>& genres);

}  // namespace mgr::data
