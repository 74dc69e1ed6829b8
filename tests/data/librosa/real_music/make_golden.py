#!/usr/bin/env python3
"""Writes the real-music golden files for tests/test_features_real_music.cpp.

Run with librosa 0.11, numpy and soundfile:  python3 tests/data/librosa/real_music/make_golden.py
[--data DIR], DIR defaulting to $MGR_GTZAN_DEV (a copy of the gtzan-dev excerpts; without it
the script says so and writes nothing). Only derived features are written, never audio.

Per genre present in the data folder, its first excerpt (sorted by name) is decoded once with
soundfile (libsndfile, mono float32, 22050 Hz) and cut to its first 30 s clip (offset 0,
661,500 samples), the clip mgr's GTZAN loader makes first. Two kinds of files:

- Stage goldens (run without the audio): `tune_<genre>_power.bin`, the float32 power
  spectrogram |librosa.stft(y)|^2 of the clip's frames 400..439 (all 1025 bins), with
  librosa.estimate_tuning(S=that, sr) and chroma_stft(S=that, tuning=None) computed by librosa
  on that float32 array, as chroma_stft(y) computes them (its S is float32).
- End-to-end goldens (the test decodes the excerpt itself and skips when the data folder is
  absent): librosa's features of the whole clip computed from the float32 samples, stored for
  every 8th frame (`..._f8`), and the decoded samples' float64 sum and sum of squares so the
  test can check that it decoded the same samples.
"""
import argparse
import json
import os

import librosa
import numpy as np
import soundfile as sf

SR = 22050
N = 30 * SR
HERE = os.path.dirname(os.path.abspath(__file__))


def save(manifest, name, arr, **info):
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    arr.tofile(os.path.join(HERE, name + ".bin"))
    manifest["arrays"][name] = dict(file=name + ".bin", shape=list(arr.shape), **info)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("MGR_GTZAN_DEV", ""),
                    help="the gtzan-dev excerpts (default: $MGR_GTZAN_DEV)")
    args = ap.parse_args()
    if not args.data or not os.path.isdir(args.data):
        print("skipped: set MGR_GTZAN_DEV (or --data) to a copy of the gtzan-dev excerpts"
              + (f" ({args.data} is not a folder)" if args.data else ""))
        return
    manifest = {"librosa": librosa.__version__, "numpy": np.__version__, "sample_rate": SR,
                "clips": {}, "arrays": {}}
    for genre in sorted(os.listdir(args.data)):
        folder = os.path.join(args.data, genre)
        if not os.path.isdir(folder):
            continue
        files = sorted(f for f in os.listdir(folder) if f.endswith(".ogg"))
        if not files:
            continue
        y, sr = sf.read(os.path.join(folder, files[0]), dtype="float32", always_2d=True)
        assert sr == SR, sr
        y = y.mean(axis=1).astype(np.float32)[:N]
        assert len(y) == N
        clip = dict(file=f"{genre}/{files[0]}", samples=N, sum=float(np.sum(y, dtype=np.float64)),
                    sumsq=float(np.sum(y.astype(np.float64) ** 2)))
        g = genre
        S = np.abs(librosa.stft(y)) ** 2  # float32, chroma_stft's S
        crop = np.ascontiguousarray(S[:, 400:440])
        save(manifest, f"tune_{g}_power", crop)
        clip["tune_crop_tuning"] = float(librosa.estimate_tuning(S=crop, sr=SR))
        save(manifest, f"tune_{g}_chroma", librosa.feature.chroma_stft(S=crop, sr=SR))
        # End to end, whole clip.
        clip["tuning"] = float(librosa.estimate_tuning(S=S, sr=SR))
        save(manifest, f"e2e_{g}_chroma_auto_f8", librosa.feature.chroma_stft(y=y, sr=SR)[:, ::8])
        save(manifest, f"e2e_{g}_chroma_t0_f8",
             librosa.feature.chroma_stft(y=y, sr=SR, tuning=0.0)[:, ::8])
        mel = librosa.feature.melspectrogram(y=y, sr=SR)
        db_max = librosa.power_to_db(mel, ref=np.max)
        save(manifest, f"e2e_{g}_log_mel_f8", db_max[:, ::8])
        save(manifest, f"e2e_{g}_mfcc_one_f8", librosa.feature.mfcc(y=y, sr=SR)[:, ::8])
        m_max = librosa.feature.mfcc(S=db_max, n_mfcc=20)
        save(manifest, f"e2e_{g}_mfcc_max_f8", m_max[:, ::8])
        save(manifest, f"e2e_{g}_delta1_f8", librosa.feature.delta(m_max, width=9, order=1)[:, ::8])
        mag = np.abs(librosa.stft(y))
        frames = np.vstack([
            librosa.feature.spectral_centroid(S=mag, sr=SR),
            librosa.feature.spectral_bandwidth(S=mag, sr=SR),
            librosa.feature.spectral_rolloff(S=mag, sr=SR),
            librosa.feature.spectral_flatness(S=mag),
        ])
        save(manifest, f"e2e_{g}_spectral_f8", frames[:, ::8])
        manifest["clips"][g] = clip
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
