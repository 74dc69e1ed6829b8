#!/usr/bin/env python3
"""Golden files for the STFT / compress_octaves / MFCC / delta tests (tests/test_features_stft*.cpp,
tests/test_features_mfcc*.cpp). Run with librosa 0.11, numpy and scipy:

    python3 tests/data/librosa/stft_mfcc/make_golden.py

Every array is raw little-endian float32 (C order); manifest.json names its file, shape, kind
and the parameters that made it. Signals come from a fixed numpy seed. Each input that the C++
side reads (audio, dB mel, delta input) is stored as float32 and handed to librosa as float64,
so the references carry no float32 rounding of their own: the tests measure our error only.

Large spectrograms are stored for every `frame_stride`-th frame only (frames are computed
independently; log-power still uses the whole clip's maximum as its reference), to keep the
directory small.
"""
import json
import os

import librosa
import numpy as np

SR = 22050
HERE = os.path.dirname(os.path.abspath(__file__))


def clip2s(seed):
    """2 s (44,100 samples): tones, a chirp, a decaying click train and noise."""
    rng = np.random.default_rng(seed)
    n = 2 * SR
    t = np.arange(n) / SR
    x = (0.3 * np.sin(2 * np.pi * 196 * t) + 0.15 * np.sin(2 * np.pi * 1760 * t + 0.4) +
         0.2 * np.sin(2 * np.pi * (300 * t + 1500 * t * t)))  # linear chirp 300 -> 6300 Hz
    clicks = np.zeros(n)
    clicks[:: SR // 4] = 1.0
    clicks = np.convolve(clicks, np.exp(-np.arange(400) / 60.0))[:n]
    x = x * np.minimum(1.0, t / 0.3) + 0.4 * clicks * rng.standard_normal(n)
    return (x + 0.005 * rng.standard_normal(n)).astype(np.float32)


def short_odd(seed):
    """12,001 samples, quiet, with a tremolo."""
    rng = np.random.default_rng(seed)
    n = 12001
    t = np.arange(n) / SR
    x = 0.02 * np.sin(2 * np.pi * 330 * t) + 0.01 * np.sin(2 * np.pi * 4100 * t + 0.7)
    x = x * (0.6 + 0.4 * np.sin(2 * np.pi * 5 * t))
    return (x + 0.001 * rng.standard_normal(n)).astype(np.float32)


SIGNALS = {"clip2s": clip2s(2024), "short_odd": short_odd(77)}

# name -> (our StftParams fields / librosa stft kwargs, signal, outputs, frame stride)
STFTS = {
    # paper 003: 1024-point window, 3/4 overlap, 2048-point STFT on 2 s clips
    "p003": (dict(n_fft=2048, win_length=1024, hop_length=256), "clip2s",
             ["magnitude", "power", "log_power"], 8),
    # paper 004: 1024 window, 50% overlap, 513 bins
    "p004": (dict(n_fft=1024, hop_length=512), "clip2s", ["power", "log_power"], 3),
    "nocenter_hamming": (dict(n_fft=512, hop_length=128, window="hamming", center=False),
                         "short_odd", ["magnitude", "log_power_ref1"], 2),
    "reflect_hamming": (dict(n_fft=1024, hop_length=256, win_length=768, window="hamming",
                             pad_mode="reflect"), "short_odd",
                        ["power", "log_power_ref1_notop"], 2),
    "odd_nfft": (dict(n_fft=777, hop_length=200), "short_odd", ["magnitude"], 1),
}


def librosa_stft(y, p):
    return librosa.stft(y.astype(np.float64), n_fft=p["n_fft"], hop_length=p["hop_length"],
                        win_length=p.get("win_length") or None, window=p.get("window", "hann"),
                        center=p.get("center", True), pad_mode=p.get("pad_mode", "constant"))


def output(S, kind):
    mag = np.abs(S)
    power = mag ** 2
    if kind == "magnitude":
        return mag, {}
    if kind == "power":
        return power, {}
    if kind == "log_power":
        return librosa.power_to_db(power, ref=np.max, amin=1e-10, top_db=80.0), \
            dict(ref_max=True, amin=1e-10, top_db=80.0)
    if kind == "log_power_ref1":
        return librosa.power_to_db(power, ref=1.0, amin=1e-10, top_db=50.0), \
            dict(ref_max=False, amin=1e-10, top_db=50.0)
    if kind == "log_power_ref1_notop":
        return librosa.power_to_db(power, ref=1.0, amin=1e-8, top_db=None), \
            dict(ref_max=False, amin=1e-8, top_db=0.0)
    raise ValueError(kind)


def compress_octaves_ref(S):
    """Paper 003's 1025 -> 72 bins, written independently of the C++ index arithmetic:
    bins 0..15 kept, then for k = 3..9 the 0-based bins 2^k+1 .. 2^(k+1) (inclusive) split by
    np.array_split into 8 equal groups, each replaced by its mean."""
    assert S.shape[0] == 1025
    parts = [S[:16]]
    for k in range(3, 10):
        seg = S[2 ** k + 1: 2 ** (k + 1) + 1]
        assert seg.shape[0] == 2 ** k
        parts.append(np.stack([g.mean(axis=0) for g in np.array_split(seg, 8, axis=0)]))
    out = np.concatenate(parts)
    assert out.shape[0] == 72
    return out


def write(name, arr, manifest, **meta):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    arr.tofile(os.path.join(HERE, name + ".bin"))
    manifest[name] = dict(file=name + ".bin", shape=list(arr.shape), **meta)
    return arr


def main():
    manifest = {"librosa": librosa.__version__, "numpy": np.__version__, "sample_rate": SR,
                "arrays": {}}
    arrays = manifest["arrays"]
    for name, x in SIGNALS.items():
        write("audio_" + name, x, arrays, kind="audio")

    for cname, (p, sig, outs, stride) in STFTS.items():
        S = librosa_stft(SIGNALS[sig], p)
        for kind in outs:
            full, extra = output(S, kind)
            write(f"stft_{cname}_{kind}", full[:, ::stride], arrays, kind="stft",
                  output=kind.split("_ref1")[0], params=p, signal="audio_" + sig,
                  frames=int(full.shape[1]), frame_stride=stride, **extra)
        if S.shape[0] == 1025:
            power = np.abs(S) ** 2
            # The input as the C++ test sees it (float32), the reference from it in float64.
            write(f"compress_{cname}_power", compress_octaves_ref(
                power.astype(np.float32).astype(np.float64)), arrays, kind="compress",
                params=p, signal="audio_" + sig)

    # MFCC from dB mel spectrograms (librosa.feature.mfcc(S=...)).
    mels = {
        "mel128_clip2s": librosa.power_to_db(librosa.feature.melspectrogram(
            y=SIGNALS["clip2s"].astype(np.float64), sr=SR, n_fft=2048, hop_length=512,
            n_mels=128), ref=np.max),
        "mel40_short": librosa.power_to_db(librosa.feature.melspectrogram(
            y=SIGNALS["short_odd"].astype(np.float64), sr=SR, n_fft=1024, hop_length=256,
            n_mels=40), ref=1.0),
    }
    mel32 = {}
    for name, m in mels.items():
        mel32[name] = write("db_" + name, m, arrays, kind="mel_db").astype(np.float64)
    for mname, n_mfcc, lifter in [("mel128_clip2s", 13, 0), ("mel128_clip2s", 13, 22),
                                  ("mel128_clip2s", 20, 0), ("mel128_clip2s", 20, 22),
                                  ("mel40_short", 20, 22), ("mel40_short", 40, 0)]:
        M = librosa.feature.mfcc(S=mel32[mname], n_mfcc=n_mfcc, dct_type=2, norm="ortho",
                                 lifter=lifter)
        write(f"mfcc_{mname}_{n_mfcc}_l{lifter}", M, arrays, kind="mfcc", input="db_" + mname,
              n_mfcc=n_mfcc, lifter=lifter)

    # Deltas (librosa.feature.delta, mode='interp') along the last axis.
    rng = np.random.default_rng(99)
    delta_inputs = {
        "mfcc20": librosa.feature.mfcc(S=mel32["mel128_clip2s"], n_mfcc=20),  # [20, 87]
        "t9": rng.standard_normal((3, 9)) * 5 + np.arange(9) ** 2 / 4,  # T == width 9
        "t5": rng.standard_normal((2, 5)),
        "t3": rng.standard_normal((2, 3)),
    }
    din = {}
    for name, x in delta_inputs.items():
        din[name] = write("delta_in_" + name, x, arrays, kind="delta_input").astype(np.float64)
    cases = [("mfcc20", w, o) for w in (5, 9) for o in (1, 2)]
    cases += [("t9", 9, 1), ("t9", 9, 2), ("t9", 5, 2), ("t5", 5, 1), ("t5", 5, 2), ("t5", 3, 1),
              ("t3", 3, 1), ("t3", 3, 2)]
    for name, w, o in cases:
        d = librosa.feature.delta(din[name], width=w, order=o, axis=-1, mode="interp")
        write(f"delta_{name}_w{w}_o{o}", d, arrays, kind="delta", input="delta_in_" + name,
              width=w, order=o)
    # librosa's errors, which the C++ side must reproduce as mgr::Error.
    errors = []
    for name, w, o in [("t5", 9, 1), ("t5", 7, 1), ("t3", 5, 2), ("t5", 4, 1), ("t5", 1, 1),
                       ("t5", 5, 0), ("t3", 3, 3)]:
        try:
            librosa.feature.delta(din[name], width=w, order=o, axis=-1, mode="interp")
        except Exception as e:  # noqa: BLE001 - ParameterError or scipy's ValueError
            errors.append(dict(input="delta_in_" + name, width=w, order=o,
                               error=type(e).__name__, message=str(e)))
            continue
        raise AssertionError(f"librosa accepted width={w} order={o} on {name}")
    manifest["delta_errors"] = errors

    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
