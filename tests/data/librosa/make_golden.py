#!/usr/bin/env python3
"""Writes the librosa golden files that tests/test_features_librosa.cpp compares against.

Run from anywhere with librosa 0.11 and numpy:  python3 tests/data/librosa/make_golden.py
Every array is raw little-endian float32 (C order); manifest.json names each file with its
shape and the parameters that made it. The signals are synthesised from a fixed numpy seed, so
rerunning the script reproduces the same files (up to librosa/numpy version changes).

The audio is stored as float32 (what the C++ side reads) and fed to librosa as float64, so the
reference spectrogram carries no float32 rounding of its own: the tests measure our error only.
"""
import json
import os

import librosa
import numpy as np

SR = 22050
HERE = os.path.dirname(os.path.abspath(__file__))


def chirp_tones(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    dur = n / SR
    f0, f1 = 100.0, 8000.0
    k = np.log(f1 / f0) / dur  # exponential sweep
    chirp = 0.5 * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    tones = (0.2 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 1250 * t + 0.3) +
             0.05 * np.sin(2 * np.pi * 3000 * t + 1.1))
    env = np.minimum(1.0, t / 0.2)  # fade in: the first frames are quieter than the rest
    noise = 0.01 * rng.standard_normal(n)
    return (env * (chirp + tones) + noise).astype(np.float32)


def quiet_odd(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    x = 0.03 * np.sin(2 * np.pi * 220 * t) + 0.02 * np.sin(2 * np.pi * 5100 * t + 0.7)
    x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))  # slow tremolo
    return (x + 0.002 * rng.standard_normal(n)).astype(np.float32)


SIGNALS = {
    "chirp_tones": chirp_tones(33075, 1234),  # 1.5 s; 33075 is not a multiple of 512 or 256
    "quiet_odd": quiet_odd(20001, 4321),      # ~0.9 s, odd length
}

# name -> (librosa kwargs, our LogMelParams fields, signals)
CONFIGS = {
    "default": (dict(n_fft=2048, hop_length=512, n_mels=128), dict(), ["chirp_tones", "quiet_odd"]),
    "htk_1024": (dict(n_fft=1024, hop_length=256, n_mels=64, htk=True, norm=None),
                 dict(n_fft=1024, hop_length=256, n_mels=64, mel_scale="htk", mel_norm="none"),
                 ["chirp_tones"]),
    "reflect_hamming": (dict(n_fft=2048, hop_length=512, win_length=1536, window="hamming",
                             pad_mode="reflect", n_mels=128, fmin=30.0, fmax=8000.0),
                        dict(n_fft=2048, hop_length=512, win_length=1536, window="hamming",
                             pad_mode="reflect", n_mels=128, fmin=30.0, fmax=8000.0),
                        ["quiet_odd"]),
    "nocenter_power1": (dict(n_fft=2048, hop_length=512, n_mels=96, center=False, power=1.0),
                        dict(n_fft=2048, hop_length=512, n_mels=96, center=False, power=1.0,
                             ref="one"),
                        ["chirp_tones"]),
}
# power_to_db reference per config: np.max (per clip) unless our params say ref "one".

FILTERBANKS = {
    "fb_slaney_slaney_2048_128": dict(n_fft=2048, n_mels=128, htk=False, norm="slaney"),
    "fb_htk_none_1024_64": dict(n_fft=1024, n_mels=64, htk=True, norm=None),
    "fb_slaney_none_512_40": dict(n_fft=512, n_mels=40, htk=False, norm=None),
    "fb_htk_slaney_512_40_f": dict(n_fft=512, n_mels=40, htk=True, norm="slaney", fmin=50.0,
                                   fmax=7000.0),
}


def write(name, arr, manifest, **meta):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    arr.tofile(os.path.join(HERE, name + ".bin"))
    manifest[name] = dict(file=name + ".bin", shape=list(arr.shape), **meta)


def main():
    manifest = {"librosa": librosa.__version__, "numpy": np.__version__, "sample_rate": SR,
                "arrays": {}}
    arrays = manifest["arrays"]
    for name, x in SIGNALS.items():
        write("audio_" + name, x, arrays, kind="audio")
    for name, kw in FILTERBANKS.items():
        fb = librosa.filters.mel(sr=SR, **kw)  # float32, as librosa returns it
        ours = dict(n_fft=kw["n_fft"], n_mels=kw["n_mels"],
                    mel_scale="htk" if kw["htk"] else "slaney",
                    mel_norm="slaney" if kw["norm"] == "slaney" else "none",
                    fmin=kw.get("fmin", 0.0), fmax=kw.get("fmax", 0.0))
        write(name, fb, arrays, kind="filterbank", params=ours)
    for cname, (lkw, ours, sigs) in CONFIGS.items():
        ref_one = ours.get("ref") == "one"
        for sname in sigs:
            y = SIGNALS[sname].astype(np.float64)
            S = librosa.feature.melspectrogram(y=y, sr=SR, **lkw)
            db = librosa.power_to_db(S, ref=1.0 if ref_one else np.max, amin=1e-10, top_db=80.0)
            meta = dict(params=ours, signal="audio_" + sname)
            write(f"mel_{cname}_{sname}", S, arrays, kind="mel_power", **meta)
            write(f"db_{cname}_{sname}", db, arrays, kind="log_mel_db", **meta)
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
