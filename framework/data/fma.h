// data.source fma: the Free Music Archive (Defferrard et al. 2017) read from its own metadata.
//   fma_metadata/tracks.csv   a two-row header (e.g. "track" over "genre_top", "set" over
//                             "split" and "subset") and a third row naming the index
//                             ("track_id"), then one row per track
//   fma_small/NNN/NNNNNN.mp3  the audio, NNN the first three of the six-digit track id
// A track's genre is track/genre_top (tracks without one are left out and counted), its part
// set/split (training / validation / test, what data.split official uses), its group the
// artist (artist/id), so track_stratified splits keep an artist on one side. Subsets nest:
// small within medium within large.
#pragma once

#include <string>
#include <vector>

#include "framework/data/dataset.h"

namespace mgr::data {

struct FmaOptions {
  std::string metadata;             // path of tracks.csv
  std::string audio_root;           // the folder holding NNN/NNNNNN.mp3 (e.g. fma_small)
  std::string subset = "small";     // small | medium | large
  std::vector<std::string> genres;  // genre_top values to keep, in label order; empty: all, sorted
};

struct FmaTracks {
  std::vector<std::string> genres;
  std::vector<Track> tracks;              // label order, then tracks.csv order; not decoded
  int without_genre = 0;                  // tracks of the subset without a genre_top, left out
  int other_genres = 0;                   // tracks whose genre_top is not in `genres`, left out
  std::vector<std::string> found_genres;  // every genre_top of the subset, sorted
};

// Throws mgr::Error with tracks.csv:line when the file is not FMA's tracks.csv (missing
// columns named in the message), a track id is not a number, or a subset or split value is
// unknown; and when no track of the subset has a genre.
FmaTracks read_fma(const FmaOptions& o);

// <audio_root>/NNN/NNNNNN.mp3 for a track id.
std::string fma_audio_path(const std::string& audio_root, long track_id);

}  // namespace mgr::data
