#!/usr/bin/env python3
"""Writes the golden files of tests/test_mel_inversion.cpp: librosa's mel inversion.

Run with librosa 0.11 and numpy:  python3 tests/data/librosa/mel_inversion/make_golden.py
Raw little-endian float32 arrays (C order) and a manifest.json naming each with its shape, the
parameters that made it and the figures the C++ test compares against. The signal is
synthesised from a fixed seed, so rerunning reproduces the files (up to library versions).

librosa.feature.inverse.mel_to_audio draws its random phases from an unseeded generator, so the
reference inversion here is its two steps with a seed: griffinlim(mel_to_stft(M),
random_state=0), which is mel_to_audio with random_state=0. Per case:

- audio: the float32 clip; mel: melspectrogram(y=audio) (float32, the case's parameters);
- mel_to_stft: librosa's magnitude estimate (pseudo-inverse + L-BFGS-B NNLS) [bins, frames];
- gl_random / gl_zeros / gl_plain: griffinlim of the TRUE magnitude |stft(audio)| (random_state 0
  and momentum 0.99; init=None with 8 iterations; random_state 0 with momentum 0) - the
  Griffin-Lim stage alone, whose random start the C++ side reproduces exactly;
- m2a: the whole inversion of mel (mel_to_stft then griffinlim, random_state 0, 32 iterations);
- pinv_t: pinv(A)^T [n_mels, bins] of the filterbank (small case only).
The manifest's `figures` hold librosa's spectral convergences ||S - |stft(x)| ||_F / ||S||_F
of those outputs (against the true magnitude and against the magnitude each one inverted) and
the relative mel residual ||A X - M||_F / ||M||_F of its mel_to_stft.
"""
import json
import os

import librosa
import numpy as np

SR = 22050
HERE = os.path.dirname(os.path.abspath(__file__))


def signal(n, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    # a linear sweep 200 Hz -> 2 kHz, two steady tones and noise bursts at 4 Hz
    sweep = 0.3 * np.sin(2 * np.pi * (200.0 * t + 900.0 * t * t / t[-1]))
    tones = 0.2 * np.sin(2 * np.pi * 330 * t) + 0.08 * np.sin(2 * np.pi * 2500 * t + 0.4)
    beats = 0.5 * (1 + np.sign(np.sin(2 * np.pi * 4 * t))) * 0.05 * rng.standard_normal(n)
    return (sweep + tones + beats).astype(np.float32)


# name -> (librosa stft kwargs, filterbank kwargs, power, samples, our LogMelParams fields)
CASES = {
    "default": (dict(n_fft=2048, hop_length=512), dict(n_mels=128), 2.0, 22050, dict()),
    "small": (dict(n_fft=512, hop_length=128, win_length=400, window="hamming", pad_mode="reflect"),
              dict(n_mels=40, htk=True, norm=None, fmin=50.0, fmax=8000.0), 1.0, 11025,
              dict(n_fft=512, hop_length=128, win_length=400, window="hamming", pad_mode="reflect",
                   n_mels=40, mel_scale="htk", mel_norm="none", fmin=50.0, fmax=8000.0,
                   power=1.0)),
}


def sc(target, audio, stft_kw):
    got = np.abs(librosa.stft(audio, **stft_kw))
    return float(np.linalg.norm(target - got) / np.linalg.norm(target))


def main():
    manifest = {"librosa": librosa.__version__, "numpy": np.__version__, "sample_rate": SR,
                "cases": {}, "arrays": {}}

    def save(name, arr, **info):
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        arr.tofile(os.path.join(HERE, name + ".bin"))
        manifest["arrays"][name] = dict(file=name + ".bin", shape=list(arr.shape), **info)

    for case, (stft_kw, fb_kw, power, n, ours) in CASES.items():
        y = signal(n, 7)
        S = np.abs(librosa.stft(y, **stft_kw))
        M = librosa.feature.melspectrogram(y=y, sr=SR, power=power, **stft_kw, **fb_kw)
        A = librosa.filters.mel(sr=SR, n_fft=stft_kw["n_fft"], **fb_kw)
        inv_kw = {k: v for k, v in fb_kw.items() if k != "n_mels"}  # taken from M's shape
        X = librosa.feature.inverse.mel_to_stft(M, sr=SR, n_fft=stft_kw["n_fft"], power=power,
                                                **inv_kw)
        gl_kw = dict(n_fft=stft_kw["n_fft"], hop_length=stft_kw["hop_length"],
                     win_length=stft_kw.get("win_length"), window=stft_kw.get("window", "hann"),
                     pad_mode=stft_kw.get("pad_mode", "constant"))
        gl_random = librosa.griffinlim(S, n_iter=32, random_state=0, **gl_kw)
        gl_zeros = librosa.griffinlim(S, n_iter=8, init=None, **gl_kw)
        gl_plain = librosa.griffinlim(S, n_iter=16, momentum=0.0, random_state=0, **gl_kw)
        m2a = librosa.griffinlim(X, n_iter=32, random_state=0, **gl_kw)
        save(f"{case}_audio", y)
        save(f"{case}_mel", M)
        save(f"{case}_mel_to_stft", X)
        save(f"{case}_gl_random", gl_random, n_iter=32, init="random", seed=0, momentum=0.99)
        save(f"{case}_gl_zeros", gl_zeros, n_iter=8, init="zeros", momentum=0.99)
        save(f"{case}_gl_plain", gl_plain, n_iter=16, init="random", seed=0, momentum=0.0)
        save(f"{case}_m2a", m2a, n_iter=32, init="random", seed=0, momentum=0.99)
        if case == "small":
            save(f"{case}_pinv_t", np.linalg.pinv(A).T)
        Ad = A.astype(np.float64)
        manifest["cases"][case] = dict(
            params=ours, samples=n, frames=int(S.shape[1]),
            figures=dict(
                mel_residual=float(np.linalg.norm(Ad @ X.astype(np.float64) ** power - M) /
                                   np.linalg.norm(M)),
                gl_random_sc=sc(S, gl_random, stft_kw),
                gl_zeros_sc=sc(S, gl_zeros, stft_kw),
                gl_plain_sc=sc(S, gl_plain, stft_kw),
                m2a_sc_true=sc(S, m2a, stft_kw),
                m2a_sc_estimate=sc(X, m2a, stft_kw),
                m2a_mel_sc=float(np.linalg.norm(
                    M - librosa.feature.melspectrogram(y=m2a, sr=SR, power=power, **stft_kw,
                                                       **fb_kw)) / np.linalg.norm(M))))
        print(case, manifest["cases"][case]["figures"])
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
