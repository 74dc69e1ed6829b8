#!/usr/bin/env python3
"""Writes the librosa golden files for tests/test_features_spectral.cpp (spectral descriptors,
zero-crossing rate, RMS).

Run with librosa 0.11 and numpy:  python3 tests/data/librosa/spectral/make_golden.py
Every array is raw little-endian float32 (C order); manifest.json names each with its shape and
the parameters that made it. Signals are synthesised from fixed numpy seeds, so rerunning the
script reproduces the files (up to librosa / numpy version changes).

Spectrogram inputs: S = |librosa.stft(y)| stored as float32 (what the C++ side reads). The
descriptors are then computed by librosa on float64(S_f32), so the reference has no float32
rounding of its own and the tests measure our error only. The "edge" spectrogram (hand-made
frames: all zero, subnormal-only, one bin, constant, random) is given to librosa as float32,
because librosa's treatment of a near-zero frame depends on the dtype (normalize's threshold is
np.finfo(S.dtype).tiny): we follow the float32 semantics, since our spectrogram is float32.
Rolloff and flatness of the edge frames come from float64(S) (float32 librosa rounds
flatness's logs and means in float32: a silent frame gives 1.00013 instead of 1).
Audio features (zcr, rms) get float64(y_f32).
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
    f0, f1 = 100.0, 8000.0
    k = np.log(f1 / f0) / (n / SR)
    chirp = 0.5 * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    tones = 0.2 * np.sin(2 * np.pi * 440 * t) + 0.1 * np.sin(2 * np.pi * 1250 * t + 0.3)
    return (np.minimum(1.0, t / 0.2) * (chirp + tones) + 0.01 * rng.standard_normal(n)).astype(
        np.float32)


def quiet_odd(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    x = 0.03 * np.sin(2 * np.pi * 220 * t) + 0.02 * np.sin(2 * np.pi * 5100 * t + 0.7)
    x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return (x + 0.002 * rng.standard_normal(n)).astype(np.float32)


def gaps(n, seed):
    """Digital silence (all-zero frames), then noise below zcr's 1e-10 threshold, then music
    with a DC offset, then silence again."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    x = 0.3 * np.sin(2 * np.pi * 330 * t) * np.sin(2 * np.pi * 1.5 * t) + 0.05 * rng.standard_normal(n)
    x += 0.02  # DC: zero crossings no longer symmetric
    x[:6000] = 0.0
    x[6000:9000] = 5e-11 * rng.standard_normal(3000)  # |x| <= 1e-10: counts as zero
    x[-4000:] = 0.0
    return x.astype(np.float32)


SIGNALS = {
    "chirp_tones": chirp_tones(24001, 1234),
    "quiet_odd": quiet_odd(15001, 4321),
    "gaps": gaps(18001, 99),
    "short": quiet_odd(700, 7),  # shorter than frame_length / 2: padding reflects repeatedly
}

# Spectrogram configurations: name -> (librosa.stft kwargs, signals, descriptor kwargs)
SPEC_CONFIGS = {
    "2048_center": (dict(n_fft=2048, hop_length=512), ["chirp_tones", "gaps"],
                    dict(p=2.0, roll_percent=0.85, power=2.0)),
    "1024_nocenter": (dict(n_fft=1024, hop_length=256, center=False), ["quiet_odd", "gaps"],
                      dict(p=1.0, roll_percent=0.5, power=1.0)),
    "1024_hamming": (dict(n_fft=1024, hop_length=384, window="hamming"), ["chirp_tones"],
                     dict(p=3.0, roll_percent=0.95, power=2.0)),
}

# Audio configurations for zcr / rms: (frame_length, hop_length, center, rms pad_mode, signals)
AUDIO_CONFIGS = {
    "2048_512_center": (2048, 512, True, "constant", ["chirp_tones", "gaps", "short"]),
    "2048_512_nocenter": (2048, 512, False, "constant", ["chirp_tones", "gaps"]),
    "1024_256_center_edge": (1024, 256, True, "edge", ["quiet_odd", "gaps"]),
    "1023_300_center_reflect": (1023, 300, True, "reflect", ["quiet_odd", "short"]),
    "2048_512_center_symmetric": (2048, 512, True, "symmetric", ["short"]),
}


def edge_spectrogram():
    """n_fft 1024 (513 bins), 6 frames: all zero, subnormal only, one bin, constant, random,
    a zero frame after a loud one (flux)."""
    rng = np.random.default_rng(5)
    S = np.zeros((513, 6), dtype=np.float32)
    S[100:110, 1] = np.float32(1e-40)  # subnormal float32: sum < tiny -> left unnormalised
    S[200, 2] = 3.0
    S[:, 3] = 0.5
    S[:, 4] = rng.random(513).astype(np.float32) ** 3
    return S


def write(name, arr, manifest, **meta):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    arr.tofile(os.path.join(HERE, name + ".bin"))
    manifest[name] = dict(file=name + ".bin", shape=list(arr.shape), **meta)


def descriptors(S, n_fft, kw):
    return dict(
        centroid=librosa.feature.spectral_centroid(S=S, sr=SR, n_fft=n_fft)[0],
        bandwidth=librosa.feature.spectral_bandwidth(S=S, sr=SR, n_fft=n_fft, p=kw["p"])[0],
        rolloff=librosa.feature.spectral_rolloff(S=S, sr=SR, n_fft=n_fft,
                                                 roll_percent=kw["roll_percent"])[0],
        flatness=librosa.feature.spectral_flatness(S=S, power=kw["power"], amin=1e-10)[0],
    )


def main():
    manifest = {"librosa": librosa.__version__, "numpy": np.__version__, "sample_rate": SR,
                "arrays": {}}
    arrays = manifest["arrays"]
    for name, x in SIGNALS.items():
        write("audio_" + name, x, arrays, kind="audio")

    for cname, (skw, sigs, dkw) in SPEC_CONFIGS.items():
        for sname in sigs:
            y = SIGNALS[sname].astype(np.float64)
            S32 = np.abs(librosa.stft(y, **skw)).astype(np.float32)
            base = f"{cname}_{sname}"
            write("mag_" + base, S32, arrays, kind="magnitude", n_fft=skw["n_fft"], **dkw)
            for feat, v in descriptors(S32.astype(np.float64), skw["n_fft"], dkw).items():
                write(f"{feat}_{base}", v, arrays, kind=feat, magnitude="mag_" + base)

    S = edge_spectrogram()
    dkw = dict(p=2.0, roll_percent=0.85, power=2.0)
    write("mag_edge", S, arrays, kind="magnitude", n_fft=1024, **dkw)
    d32 = descriptors(S, 1024, dkw)  # float32 input on purpose (docstring)
    d64 = descriptors(S.astype(np.float64), 1024, dkw)
    for feat in d32:
        v = d32[feat] if feat in ("centroid", "bandwidth") else d64[feat]
        write(f"{feat}_edge", v, arrays, kind=feat, magnitude="mag_edge")

    for cname, (fl, hop, center, pad_mode, sigs) in AUDIO_CONFIGS.items():
        for sname in sigs:
            y = SIGNALS[sname].astype(np.float64)
            params = dict(frame_length=fl, hop_length=hop, center=center, pad_mode=pad_mode,
                          signal="audio_" + sname)
            z = librosa.feature.zero_crossing_rate(y, frame_length=fl, hop_length=hop,
                                                   center=center)[0]
            r = librosa.feature.rms(y=y, frame_length=fl, hop_length=hop, center=center,
                                    pad_mode=pad_mode)[0]
            write(f"zcr_{cname}_{sname}", z, arrays, kind="zcr", **params)
            write(f"rms_{cname}_{sname}", r, arrays, kind="rms", **params)

    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
