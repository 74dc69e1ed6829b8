// Which of a corpus's tracks an experiment uses, decided before any audio is decoded:
// data.exclude (a file of track ids to leave out) and data.split gtzan_fault_filtered (GTZAN's
// fault-filtered lists, datasets/gtzan/fault_filtered_split.tsv, embedded at build time).
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "framework/data/dataset.h"

namespace mgr::data {

// The ids of an exclude file: one per line; blank lines and text after '#' ignored; a line may
// hold more after the id (a tab or space, then a reason). mgr::Error when it cannot be read.
std::vector<std::string> read_track_ids(const std::string& path);

// Leaves out the tracks whose id is listed, with one line on `log` saying how many (and how
// many listed ids matched no track, which is normal for a list made for a larger corpus).
// Returns the number left out.
int exclude_tracks(std::vector<Track>& tracks, const std::vector<std::string>& ids,
                   const std::string& source, std::ostream& log);

// The embedded fault-filtered lists as text (generated from the .tsv by the build).
std::string_view fault_filtered_split_tsv();

// Sets each track's part from GTZAN's fault-filtered lists (by id, e.g. "blues.00012") and
// leaves out the tracks the lists do not hold, with one line on `log` (how many per part, how
// many left out). mgr::Error when no track is listed (is this GTZAN?).
void assign_fault_filtered_parts(std::vector<Track>& tracks, std::ostream& log);

}  // namespace mgr::data
