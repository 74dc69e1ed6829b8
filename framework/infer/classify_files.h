// Classifying many audio files with a TrainedModel: the inputs expanded to files (folders
// searched recursively), decoding on a small thread pool that runs ahead of the model through a
// bounded queue (decoding is the host's work, features and the network the device's, so both
// stay busy), and results handed back in input order. A file that cannot be read is a result
// with an error; the others go on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "framework/tasks/trained_model.h"

namespace mgr::infer {

// True for the extensions searched in folders: .wav .flac .ogg .opus .mp3 .au .aiff .aif
// (any case).
bool is_audio_file_name(const std::string& path);

struct FoundFiles {
  std::vector<std::string> files;
  std::vector<std::string> problems;  // one line each: an input folder without audio files
};

// Each input that is not a folder is kept as given (also without an audio extension, and also
// when it does not exist: reading it reports why); a folder gives its audio files, recursively,
// in sorted order.
FoundFiles find_audio_files(const std::vector<std::string>& inputs);

struct FileResult {
  size_t index = 0;  // into the files list
  std::string path;
  std::string error;    // empty when classified
  int64_t samples = 0;  // decoded length at the model's sample rate
  ClipScores scores;    // empty on error
  bool ok() const { return error.empty(); }
};

struct ClassifyFilesOptions {
  int decode_threads = 2;
  int queue_files = 8;  // decoded files waiting for the model, at most
  int batch_clips = 64;
};

// Decodes (data::load_audio at the model's rate) and scores every file, calling on_result on
// the calling thread once per file, in the order of `files`.
void classify_files(TrainedModel& model, const std::vector<std::string>& files,
                    const ClassifyFilesOptions& opt,
                    const std::function<void(const FileResult&)>& on_result);

}  // namespace mgr::infer
