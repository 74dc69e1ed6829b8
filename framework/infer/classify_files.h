// Classifying many audio files with a TrainedModel: the inputs expanded to files (folders
// searched recursively), decoding on a small thread pool that runs ahead of the model through a
// bounded queue (decoding is the host's work, features and the network the device's, so both
// stay busy), and results handed back in input order. A file that cannot be read is a result
// with an error; the others go on. Files are decoded in blocks (data::AudioStream) and scored
// as their clips complete (StreamingScorer), so memory is bounded by the queue, not by the
// length of a file: an hour-long mix costs what a song does.
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
  int64_t samples = 0;  // decoded length at the model's sample rate (classified part)
  bool cut = false;     // longer than max_seconds: only its first max_seconds were classified
  ClipScores scores;    // empty on error
  bool ok() const { return error.empty(); }
};

struct ClassifyFilesOptions {
  int decode_threads = 2;
  int queue_files = 8;             // files decoded ahead of the model, at most
  int queue_blocks = 4;            // decoded blocks waiting per file, at most
  size_t block_samples = 1 << 17;  // samples per decoded block (6 s at 22.05 kHz)
  int batch_clips = 64;
  double max_seconds = 0;  // > 0: classify only the first max_seconds of each file
};

// Decodes (data::AudioStream at the model's rate, any length) and scores every file, calling
// on_result on the calling thread once per file, in the order of `files`. Audio held at once:
// at most queue_files * queue_blocks blocks, plus one batch of clips per file being scored.
void classify_files(TrainedModel& model, const std::vector<std::string>& files,
                    const ClassifyFilesOptions& opt,
                    const std::function<void(const FileResult&)>& on_result);

}  // namespace mgr::infer
