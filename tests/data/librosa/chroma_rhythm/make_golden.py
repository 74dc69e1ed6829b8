#!/usr/bin/env python3
"""Writes the librosa golden files for tests/test_features_chroma.cpp,
tests/test_features_rhythm.cpp and tests/test_features_beat_track.cpp (chroma filterbank,
chroma_stft, onset_strength with mean and median aggregation, tempogram, beat_track, util.sync).

Run with librosa 0.11 and numpy:  python3 tests/data/librosa/chroma_rhythm/make_golden.py
Every array is raw little-endian float32 (C order); manifest.json names each file with its shape
and the parameters that made it. Signals come from a fixed numpy seed, so reruns reproduce the
files (up to librosa/numpy version changes).

Inputs that the C++ side reads (power spectrogram, dB mel, onset envelope) are stored as
float32 and the reference is computed by librosa FROM THOSE float32 arrays, so the comparison
measures our implementation of each stage only, not an upstream stage's rounding.
"""
import json
import os

import librosa
import numpy as np

SR = 22050
HERE = os.path.dirname(os.path.abspath(__file__))


def music(n, seed, bpm):
    """Chords (changing every beat) + a click on every beat + a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    beat = 60.0 / bpm
    chords = [(261.63, 329.63, 392.0), (220.0, 261.63, 329.63), (174.61, 220.0, 261.63),
              (196.0, 246.94, 293.66)]
    x = np.zeros(n)
    for i, t0 in enumerate(np.arange(0.05, n / SR, beat)):
        a, b = int(t0 * SR), min(n, int((t0 + beat) * SR))
        tt = t[a:b] - t0
        env = np.exp(-3.0 * tt)
        for k, f in enumerate(chords[i % len(chords)]):
            x[a:b] += 0.15 / (k + 1) * env * np.sin(2 * np.pi * f * tt + k)
    clicks = librosa.clicks(times=np.arange(0.05, n / SR, beat), sr=SR, length=n, click_freq=1500.0)
    x += 0.3 * clicks + 0.003 * rng.standard_normal(n)
    return x.astype(np.float32)


def write(name, arr, manifest, **meta):
    arr = np.ascontiguousarray(arr, dtype="<f4")
    arr.tofile(os.path.join(HERE, name + ".bin"))
    manifest[name] = dict(file=name + ".bin", shape=list(arr.shape), **meta)


def main():
    manifest = {"librosa": librosa.__version__, "numpy": np.__version__, "sample_rate": SR,
                "arrays": {}}
    arrays = manifest["arrays"]

    # Chroma filterbanks (librosa.filters.chroma, float32 as librosa returns it).
    fbs = {
        "chroma_fb_default": dict(n_fft=2048, n_chroma=12),
        "chroma_fb_1024_24_tuned": dict(n_fft=1024, n_chroma=24, tuning=0.2, ctroct=4.0,
                                        octwidth=1.5),
        "chroma_fb_512_flat": dict(n_fft=512, n_chroma=12, octwidth=None, tuning=-0.3),
    }
    for name, kw in fbs.items():
        fb = librosa.filters.chroma(sr=SR, **kw)
        ours = dict(kw)
        if ours.get("octwidth", 2) is None:
            ours["octwidth"] = 0.0  # our spelling of librosa's octwidth=None (flat)
        write(name, fb, arrays, kind="chroma_filterbank", params=ours)

    # chroma_stft from a stored float32 power spectrogram.
    a = music(int(2.0 * SR), 11, 120.0)
    write("audio_a", a, arrays, kind="audio")
    cases = {
        "default": (dict(n_fft=2048, hop_length=512), dict(norm=np.inf), dict(norm="inf")),
        "1024_l2_tuned": (dict(n_fft=1024, hop_length=256), dict(norm=2, tuning=0.1, octwidth=None),
                          dict(norm=2.0, tuning=0.1, octwidth=0.0, n_fft=1024)),
    }
    for name, (stft_kw, chroma_kw, ours) in cases.items():
        y = a[: int(1.0 * SR)] if name != "default" else a
        power = (np.abs(librosa.stft(y.astype(np.float64), **stft_kw)) ** 2).astype(np.float32)
        kw = dict(chroma_kw)
        kw.setdefault("tuning", 0.0)
        chroma = librosa.feature.chroma_stft(S=power, sr=SR, n_fft=stft_kw["n_fft"], **kw)
        write(f"power_{name}", power, arrays, kind="power")
        write(f"chroma_{name}", chroma, arrays, kind="chroma", params=ours, input=f"power_{name}")
    # Silent frames 10..12 (the C++ test zeroes the same columns of power_default): librosa
    # leaves columns whose norm is below tiny(float32) unscaled, here all-zero.
    power = np.fromfile(os.path.join(HERE, "power_default.bin"), dtype="<f4").reshape(1025, -1)
    power = power.copy()
    power[:, 10:13] = 0
    chroma = librosa.feature.chroma_stft(S=power, sr=SR, tuning=0.0, norm=np.inf)
    write("chroma_silent", chroma, arrays, kind="chroma", params=dict(norm="inf"),
          input="power_default with frames 10..12 set to 0")

    # Onset strength from a stored float32 dB mel spectrogram.
    mel_db = librosa.power_to_db(librosa.feature.melspectrogram(y=a.astype(np.float64), sr=SR),
                                 ref=np.max).astype(np.float32)
    write("mel_db_a", mel_db, arrays, kind="mel_db")
    onset_cases = {
        "default": dict(lag=1, max_size=1, center=True),
        "lag2_max3": dict(lag=2, max_size=3, center=True),
        "nocenter_max4": dict(lag=1, max_size=4, center=False),
        "hop256_nfft4096": dict(lag=1, max_size=1, center=True, hop_length=256, n_fft=4096),
    }
    for name, kw in onset_cases.items():
        env = librosa.onset.onset_strength(S=mel_db, sr=SR, aggregate=np.mean, **kw)
        write(f"onset_{name}", env, arrays, kind="onset", params=kw, input="mel_db_a")
    # End to end from audio: librosa's default mel + power_to_db(ref=1.0), then onset.
    env = librosa.onset.onset_strength(y=a.astype(np.float64), sr=SR)
    write("onset_audio_a", env, arrays, kind="onset_from_audio", input="audio_a")

    # Tempogram from a stored float32 onset envelope (5 s at 100 BPM).
    b = music(int(5.0 * SR), 22, 100.0)
    env_b = librosa.onset.onset_strength(y=b.astype(np.float64), sr=SR).astype(np.float32)
    write("onset_b", env_b, arrays, kind="onset")
    for win in (384, 95):
        tg = librosa.feature.tempogram(onset_envelope=env_b, sr=SR, hop_length=512,
                                       win_length=win, center=True, window="hann", norm=np.inf)
        write(f"tempogram_b_{win}", tg, arrays, kind="tempogram", params=dict(win_length=win),
              input="onset_b")

    # Median onset envelopes (librosa.beat.beat_track's aggregate=np.median), from the stored dB
    # mel and end to end from audio.
    for name, kw in (("default", dict(lag=1, max_size=1, center=True)),
                     ("lag2_max3", dict(lag=2, max_size=3, center=True))):
        env = librosa.onset.onset_strength(S=mel_db, sr=SR, aggregate=np.median, **kw)
        write(f"onset_median_{name}", env, arrays, kind="onset", params=dict(kw, aggregate="median"),
              input="mel_db_a")
    env = librosa.onset.onset_strength(y=a.astype(np.float64), sr=SR, aggregate=np.median)
    write("onset_median_audio_a", env, arrays, kind="onset_from_audio",
          params=dict(aggregate="median"), input="audio_a")

    # Beat tracking: librosa.beat.beat_track(onset_envelope=<the stored float32 median
    # envelope>), so the comparison measures the tempo estimate and the dynamic programme only.
    # Beat frames are stored as float32 (exact integers); the tempo is in the manifest.
    lead = music(int(20.0 * SR), 42, 95.0)
    lead[: int(4.0 * SR)] = 0  # silent lead-in: the trimming of weak leading beats matters
    rng = np.random.default_rng(45)
    signals = {
        "m120": ("music() at 120 BPM, 20 s", music(int(20.0 * SR), 41, 120.0)),
        "m95_lead": ("music() at 95 BPM, 20 s, first 4 s silent", lead),
        "tempo_change": ("music() 8 s at 100 BPM then 8 s at 140 BPM",
                         np.concatenate([music(int(8.0 * SR), 43, 100.0),
                                         music(int(8.0 * SR), 44, 140.0)])),
        "noise": ("12 s of white noise (no beat)",
                  (0.1 * rng.standard_normal(int(12.0 * SR))).astype(np.float32)),
    }
    def track(name, env, env_name, **kw):
        bpm, beats = librosa.beat.beat_track(onset_envelope=env, sr=SR, hop_length=512, **kw)
        params = dict(hop_length=512, start_bpm=120.0, tightness=100.0, trim=True)
        params.update(kw)
        # std: np.std(env, ddof=1), the float32 normaliser of librosa's __normalize_onsets.
        write(name, beats.astype(np.float32), arrays, kind="beat_track", params=params,
              input=env_name, bpm=float(np.atleast_1d(bpm)[0]), std=float(env.std(ddof=1)))

    for name, (what, y) in signals.items():
        env = librosa.onset.onset_strength(y=y.astype(np.float64), sr=SR,
                                           aggregate=np.median).astype(np.float32)
        write(f"beat_env_{name}", env, arrays, kind="onset", params=dict(aggregate="median"),
              input=what)
        track(f"beat_frames_{name}", env, f"beat_env_{name}")
        if name == "m95_lead":
            track("beat_frames_m95_lead_notrim", env, "beat_env_m95_lead", trim=False)
        if name == "tempo_change":
            track("beat_frames_tempo_change_tight400", env, "beat_env_tempo_change",
                  tightness=400.0)
        if name == "m120":
            # Short clips cut from this envelope: shorter than the tempogram window (344), than
            # two beats, than one beat (~22 frames), and 2 frames.
            for t in (150, 30, 10, 2):
                short = np.ascontiguousarray(env[111 : 111 + t])
                write(f"beat_env_short{t}", short, arrays, kind="onset", input="beat_env_m120",
                      params=dict(first_frame=111))
                track(f"beat_frames_short{t}", short, f"beat_env_short{t}")
        if name == "m120":
            bpm, beats = librosa.beat.beat_track(onset_envelope=env, sr=SR, hop_length=512)
            chroma = librosa.feature.chroma_stft(y=y.astype(np.float64), sr=SR,
                                                 tuning=0.0).astype(np.float32)
            write("beat_chroma_m120", chroma, arrays, kind="chroma", input=what)
            sync = librosa.util.sync(chroma, beats, aggregate=np.mean)
            write("beat_sync_m120", sync, arrays, kind="sync", input="beat_chroma_m120",
                  beats="beat_frames_m120")

    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
