#!/usr/bin/env python3
"""Golden values for tests/test_pitch_histogram.cpp: an independent, straightforward
implementation of mgr's pitch histogram (framework/features/pitch.h, docs/features.md "Pitch
histogram") in numpy / scipy / librosa, written from the algorithm's definition, not from the C++.

Run with numpy, scipy and librosa 0.11:  python3 tests/data/pitch/make_golden.py
Every array is raw little-endian float32 (C order); manifest.json names each file with its shape
and the parameters that made it. Signals are deterministic (fixed numpy seed).

Where it differs from the C++ on purpose (so that it checks rather than repeats it):
- the high-pass is scipy.signal.butter + lfilter (the C++ derives the biquad itself);
- the SACF is numpy.fft.irfft of the summary spectrum (the C++ runs a forward real FFT of its
  even extension);
- the per-frame values are float64 throughout after the float32 STFT, and the peak search is a
  plain loop over all lags followed by a sort.
"""
import json
import os

import librosa
import numpy as np
import scipy.signal

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT_HZ = 1000.0


def highband(x, sr):
    b, a = scipy.signal.butter(2, SPLIT_HZ, "highpass", fs=sr)
    return np.maximum(scipy.signal.lfilter(b, a, x.astype(np.float64)), 0.0).astype(np.float32)


def power(y, sr, n_fft, hop, window, center, pad_mode):
    s = librosa.stft(y.astype(np.float32), n_fft=n_fft, hop_length=hop, window=window,
                     center=center, pad_mode=pad_mode)
    return (np.abs(s) ** 2).astype(np.float32)


def pitch_histogram(x, sr, n_fft=2048, hop=512, window="hann", center=True, pad_mode="constant",
                    fmin=40.0, fmax=1000.0, k=0.67, enhance=True):
    """Returns the full clip vector [5 + 12 + 128]."""
    p_low = power(x, sr, n_fft, hop, window, center, pad_mode).astype(np.float64)
    p_high = power(highband(x, sr), sr, n_fft, hop, window, center, pad_mode).astype(np.float64)
    f = np.arange(n_fft // 2 + 1) * sr / n_fft
    w = (1.0 + (f / SPLIT_HZ) ** 4) ** (-k / 2)
    spectrum = w[:, None] * (p_low ** (k / 2) + p_high ** (k / 2))
    frames = spectrum.shape[1]
    lag_min, lag_max = int(np.floor(sr / fmax)), int(np.ceil(sr / fmin))
    assert lag_max + 1 <= n_fft // 2
    hist = np.zeros(128)
    for t in range(frames):
        r = np.fft.irfft(spectrum[:, t], n_fft)[: n_fft // 2 + 1]
        if r[0] <= 0:
            continue
        r = r / r[0]
        if enhance:
            rp = np.maximum(r, 0)
            stretched = np.array([rp[i // 2] if i % 2 == 0 else 0.5 * (rp[i // 2] + rp[i // 2 + 1])
                                  for i in range(len(rp))])
            v = np.maximum(rp - stretched, 0)
        else:
            v = r
        peaks = [(-v[i], i) for i in range(lag_min, lag_max + 1)
                 if v[i] > v[i - 1] and v[i] >= v[i + 1] and v[i] > 0]
        for _, i in sorted(peaks)[:3]:
            a, b, c = v[i - 1], v[i], v[i + 1]
            period = i + 0.5 * (a - c) / (a - 2 * b + c)
            note = int(np.floor(12 * np.log2(sr / (period * 440.0)) + 69 + 0.5))
            if 0 <= note < 128:
                hist[note] += b
    u = hist / frames
    folded = np.zeros(12)
    for m in range(128):
        folded[(7 * (m % 12)) % 12] += u[m]
    total = u.sum()
    out = np.zeros(5 + 12 + 128)
    if total > 0:
        fp0 = int(np.argmax(folded))
        rest = folded.copy()
        rest[fp0] = -1
        second = int(np.argmax(rest))
        ipo1 = 0
        if folded[second] > 0:
            ipo1 = (second - fp0) % 12
            ipo1 = ipo1 - 12 if ipo1 > 6 else ipo1
        out[:5] = [folded[fp0] / total, np.argmax(u), fp0, ipo1, total]
        out[5:17] = folded / total
        out[17:] = u / total
    return out


def harmonic(f0, n, sr, amp=0.3, harmonics=5, phase=0.0):
    t = np.arange(n) / sr
    return sum(amp / h * np.sin(2 * np.pi * h * f0 * t + h + phase) for h in range(1, harmonics + 1)
               if h * f0 < sr / 2)


def midi_hz(m):
    return 440.0 * 2 ** ((m - 69) / 12)


def melody(sr, seconds, rng):
    """Notes of a C major scale over a held C3 + G3 fifth, a little noise."""
    n = int(seconds * sr)
    x = harmonic(midi_hz(48), n, sr, amp=0.15) + harmonic(midi_hz(55), n, sr, amp=0.12)
    notes = [60, 62, 64, 65, 67, 69, 71, 72]
    step = n // len(notes)
    for i, m in enumerate(notes):
        a, b = i * step, min(n, (i + 1) * step)
        env = np.minimum(1.0, np.arange(b - a) / 200.0)
        x[a:b] += env * harmonic(midi_hz(m), b - a, sr, amp=0.25, harmonics=4)
    return (x + 0.002 * rng.standard_normal(n)).astype(np.float32)


def write(name, arr, arrays, **meta):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    arr.tofile(os.path.join(HERE, name + ".bin"))
    arrays[name] = dict(file=name + ".bin", shape=list(arr.shape), **meta)


def main():
    rng = np.random.default_rng(7)
    manifest = {"librosa": librosa.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                "arrays": {}}
    arrays = manifest["arrays"]

    sr = 22050
    chord = (harmonic(midi_hz(60), int(1.5 * sr), sr) + harmonic(midi_hz(64), int(1.5 * sr), sr)
             + harmonic(midi_hz(67), int(1.5 * sr), sr) + 0.002 * rng.standard_normal(int(1.5 * sr)))
    chord = chord.astype(np.float32)
    mel = melody(sr, 2.0, rng)
    write("audio_chord", chord, arrays, kind="audio", sample_rate=sr)
    write("audio_melody", mel, arrays, kind="audio", sample_rate=sr)
    write("highband_chord", highband(chord, sr)[:8192], arrays, kind="highband",
          audio="audio_chord", sample_rate=sr)

    sr16 = 16000
    tone16 = (harmonic(196.0, int(1.2 * sr16), sr16, harmonics=6) +
              0.002 * rng.standard_normal(int(1.2 * sr16))).astype(np.float32)
    write("audio_tone16k", tone16, arrays, kind="audio", sample_rate=sr16)

    cases = {
        "chord_default": ("audio_chord", sr, {}),
        "melody_default": ("audio_melody", sr, {}),
        "melody_plain_acf": ("audio_melody", sr, dict(k=2.0, enhance=False)),
        "melody_1024_reflect": ("audio_melody", sr, dict(n_fft=1024, hop=256, pad_mode="reflect",
                                                          window="hamming", fmin=60.0, fmax=800.0)),
        "tone16k_nocenter": ("audio_tone16k", sr16, dict(center=False, fmin=50.0, fmax=2000.0,
                                                         k=1.0)),
    }
    audio = {"audio_chord": chord, "audio_melody": mel, "audio_tone16k": tone16}
    for name, (src, rate, kw) in cases.items():
        out = pitch_histogram(audio[src], rate, **kw)
        params = dict(n_fft=kw.get("n_fft", 2048), hop_length=kw.get("hop", 512),
                      window=kw.get("window", "hann"), center=kw.get("center", True),
                      pad_mode=kw.get("pad_mode", "constant"), pitch_fmin=kw.get("fmin", 40.0),
                      pitch_fmax=kw.get("fmax", 1000.0), pitch_compression=kw.get("k", 0.67),
                      pitch_enhance=kw.get("enhance", True))
        write("pitch_" + name, out, arrays, kind="pitch_full", audio=src, sample_rate=rate,
              params=params)
        print(name, np.round(out[:5], 4))

    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
