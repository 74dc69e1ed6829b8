#!/usr/bin/env python3
"""End-to-end feature parity with librosa on real music (docs/features.md, "End to end on real
music").

    python3 scripts/parity/features_real_music.py [--data DIR]
        [--bin build-cpu/bin/feature_dump] [--limit N] [--device cpu]

--data defaults to $MGR_GTZAN_DEV (a copy of the 60-excerpt blues/jazz gtzan-dev folder); with
neither, or a folder that does not exist, it says so and exits 0 (skipped).

Every excerpt under --data (<genre>/*.ogg) is decoded once with soundfile (libsndfile, mono
float32, 22050 Hz) and cut to its first 30 s clip (offset 0, 661,500 samples, the first clip
mgr's GTZAN loader makes). Those float32 samples go to mgr (tools/feature_dump, one batch per
feature, CPU path by default) and to librosa (>= 0.10; float32 input as librosa.load gives it,
so librosa's own STFT is float32 too). Per feature it prints the max absolute and relative error
over all clips and the share of values beyond the stage tolerance docs/features.md states, with
that tolerance's own measure (relative per element, of the clip's max, or absolute).
Needs librosa, numpy and soundfile; takes a few minutes for 60 clips.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import librosa
import numpy as np
import soundfile as sf

SR = 22050
N = 30 * SR
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def decode(data, limit):
    clips, names = [], []
    for genre in sorted(os.listdir(data)):
        folder = os.path.join(data, genre)
        if not os.path.isdir(folder):
            continue
        for f in sorted(x for x in os.listdir(folder) if x.endswith(".ogg"))[:limit]:
            y, sr = sf.read(os.path.join(folder, f), dtype="float32", always_2d=True)
            assert sr == SR, (f, sr)
            y = y.mean(axis=1).astype(np.float32)
            if len(y) < N:
                print(f"skip {f}: {len(y)} samples", file=sys.stderr)
                continue
            clips.append(y[:N])
            names.append(f"{genre}/{f}")
    return np.stack(clips), names


class Mgr:
    def __init__(self, binary, audio, device, tmp):
        self.binary, self.audio, self.device, self.tmp = binary, audio, device, tmp
        self.path = os.path.join(tmp, "audio.f32")
        audio.tofile(self.path)

    def __call__(self, sets, what="pipeline"):
        out = os.path.join(self.tmp, "out.f32")
        cmd = [self.binary, "--audio", self.path, "--clips", str(len(self.audio)), "--samples",
               str(N), "--out", out, "--what", what, "--device", self.device]
        for s in sets:
            cmd += ["--set", s]
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
        shape = json.loads(res.stdout.strip().splitlines()[-1])["shape"]
        return np.fromfile(out, dtype=np.float32).reshape(shape)


def report(name, ours, ref, tol, measure, note=""):
    """measure: 'rel' (|d| / |ref| per element; ref == 0 must be exact), 'max' (|d| / the clip's
    max |ref|), 'abs' (|d|)."""
    ours = np.asarray(ours, np.float64)
    ref = np.asarray(ref, np.float64)
    assert ours.shape == ref.shape, (name, ours.shape, ref.shape)
    d = np.abs(ours - ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(ref != 0, d / np.abs(ref), np.where(d == 0, 0.0, np.inf))
    if measure == "rel":
        m = rel
    elif measure == "max":
        scale = np.abs(ref).reshape(len(ref), -1).max(axis=1)
        m = d / scale.reshape((-1,) + (1,) * (ref.ndim - 1))
    else:
        m = d
    beyond = float(np.mean(m > tol))
    row = dict(feature=name, max_abs=float(d.max()), max_rel=float(np.max(rel[np.isfinite(rel)],
               initial=0)), worst_measure=float(m.max()), tol=tol, measure=measure,
               beyond=beyond, note=note)
    print(f"{name:34s} max abs {row['max_abs']:.3g}  max rel {row['max_rel']:.3g}  "
          f"worst ({measure}) {row['worst_measure']:.3g}  tol {tol:g}  beyond {100 * beyond:.3g}%"
          + (f"  [{note}]" if note else ""), flush=True)
    return row


def compress_octaves(p):  # paper 003's 1025 -> 72 (docs/features.md), independent of mgr
    parts = [p[..., k:k + 1, :] for k in range(16)]
    for k in range(3, 10):
        groups = np.array_split(np.arange(2 ** k + 1, 2 ** (k + 1) + 1), 8)
        parts += [p[..., g[0]:g[-1] + 1, :].mean(axis=-2, keepdims=True) for g in groups]
    return np.concatenate(parts, axis=-2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("MGR_GTZAN_DEV", ""),
                    help="the gtzan-dev excerpts (default: $MGR_GTZAN_DEV)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build-cpu", "bin", "feature_dump"))
    ap.add_argument("--limit", type=int, default=1000, help="excerpts per genre")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args()
    if not args.data or not os.path.isdir(args.data):
        print("skipped: set MGR_GTZAN_DEV (or --data) to a copy of the gtzan-dev excerpts"
              + (f" ({args.data} is not a folder)" if args.data else ""))
        return
    audio, names = decode(args.data, args.limit)
    print(f"{len(names)} clips of {N} samples; librosa {librosa.__version__}, numpy "
          f"{np.__version__}; mgr on {args.device}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        mgr = Mgr(args.bin, audio, args.device, tmp)
        # librosa, per clip
        L = {k: [] for k in ["mel", "power", "mag", "chroma0", "chroma_auto", "tuning", "beats"]}
        for y in audio:
            stft = librosa.stft(y)
            L["mag"].append(np.abs(stft))
            L["power"].append(np.abs(stft) ** 2)
            L["mel"].append(librosa.feature.melspectrogram(y=y, sr=SR))
            L["chroma0"].append(librosa.feature.chroma_stft(y=y, sr=SR, tuning=0.0))
            L["chroma_auto"].append(librosa.feature.chroma_stft(y=y, sr=SR))
            L["tuning"].append(librosa.estimate_tuning(S=L["power"][-1], sr=SR))
            L["beats"].append(librosa.beat.beat_track(y=y, sr=SR)[1])
        L = {k: (np.stack(v) if k != "beats" else v) for k, v in L.items()}
        mel_db = np.stack([librosa.power_to_db(m, ref=np.max) for m in L["mel"]])

        ours = mgr(["features.type=mel"])[:, 0]
        rows.append(report("mel power", ours, L["mel"], 1e-4, "rel"))
        peak = L["mel"].reshape(len(audio), -1).max(axis=1)[:, None, None]
        loud = L["mel"] >= peak * 1e-8
        rows.append(report("mel power, within 80 dB of peak", ours[loud], L["mel"][loud], 1e-4,
                           "rel"))
        ours = mgr(["features.type=log_mel"])[:, 0]
        rows.append(report("log-mel dB (ref max, top_db 80)", ours, mel_db, 1e-3, "abs"))
        ours = mgr(["features.type=stft", "features.stft_output=power"])[:, 0]
        rows.append(report("STFT power", ours, L["power"], 1e-6, "max"))
        ours_c = mgr(["features.type=stft_compressed", "features.stft_output=power"])[:, 0]
        rows.append(report("stft_compressed (power, 72)", ours_c, compress_octaves(L["power"]),
                           1e-6, "max"))
        ours = mgr(["features.type=stft", "features.stft_output=log_power"])[:, 0]
        ref = np.stack([librosa.power_to_db(p, ref=np.max) for p in L["power"]])
        rows.append(report("STFT log-power dB", ours, ref, 5e-3, "abs"))
        above = ref > -79.0
        rows.append(report("STFT log-power dB, > 1 dB above floor", ours[above], ref[above], 5e-3,
                           "abs"))
        # MFCC with either reference; deltas of the ref-max MFCC.
        mf = mgr(["features.type=mfcc", "features.deltas=2"])  # [B, 3, 20, T]
        ref_m = np.stack([librosa.feature.mfcc(S=d, n_mfcc=20) for d in mel_db])
        rows.append(report("MFCC (mfcc_ref max)", mf[:, 0], ref_m, 1e-6, "max"))
        rows.append(report("MFCC c1..c19 (mfcc_ref max)", mf[:, 0, 1:], ref_m[:, 1:], 1e-6, "max"))
        for order in (1, 2):
            ref_d = librosa.feature.delta(ref_m, width=9, order=order, axis=-1)
            rows.append(report(f"delta order {order} (end to end)", mf[:, order], ref_d, 1e-7,
                               "max"))
            ref_s = librosa.feature.delta(mf[:, 0].astype(np.float64), width=9, order=order)
            rows.append(report(f"delta order {order} (stage: of our MFCC)", mf[:, order], ref_s,
                               1e-7, "max"))
        m1 = mgr(["features.type=mfcc", "features.mfcc_ref=one"])[:, 0]
        ref_1 = np.stack([librosa.feature.mfcc(y=y, sr=SR) for y in audio])
        rows.append(report("MFCC mfcc_ref one vs mfcc(y)", m1, ref_1, 1e-6, "max"))
        rows.append(report("  default (ref max) vs mfcc(y), c0", mf[:, 0, 0], ref_1[:, 0], 1e-6,
                           "max", "what a librosa user sees with the default"))
        # Chroma.
        tun = mgr([], what="tuning")
        rows.append(report("estimate_tuning (per clip)", tun, L["tuning"], 1e-6, "abs"))
        ours = mgr(["features.type=chroma"])[:, 0]
        rows.append(report("chroma, tuning 0", ours, L["chroma0"], 2e-6, "abs"))
        ours = mgr(["features.type=chroma", "features.tuning=auto"])[:, 0]
        rows.append(report("chroma, tuning auto vs chroma_stft(y)", ours, L["chroma_auto"], 2e-6,
                           "abs"))
        rows.append(report("  chroma tuning 0 vs chroma_stft(y)", mgr(["features.type=chroma"])[:, 0],
                           L["chroma_auto"], 2e-6, "abs", "the default against librosa's default"))
        bc = mgr(["features.type=beat_chroma"])
        ref = []
        for c, b in zip(L["chroma0"], L["beats"]):
            s = librosa.util.sync(c, b, aggregate=np.mean)
            idx = np.minimum(np.arange(30), s.shape[1] - 1)
            ref.append(s[:, idx].T.reshape(-1))
        rows.append(report("beat_chroma (dp, 30 x 12)", bc, np.stack(ref), 1e-5, "abs"))
        # Spectral descriptors per frame and the clip vector's means / variances.
        sf_ = mgr([], what="spectral_frames")  # [B, 4, T]
        mag = L["mag"]
        ref = np.stack([np.vstack([
            librosa.feature.spectral_centroid(S=m, sr=SR),
            librosa.feature.spectral_bandwidth(S=m, sr=SR),
            librosa.feature.spectral_rolloff(S=m, sr=SR),
            librosa.feature.spectral_flatness(S=m)]) for m in mag])
        for i, (name, tol) in enumerate([("centroid", 1e-6), ("bandwidth", 1e-6),
                                         ("rolloff", 0.0), ("flatness", 1e-5)]):
            rows.append(report(f"spectral {name} per frame", sf_[:, i], ref[:, i], tol, "rel"))
        spec = mgr(["features.type=spectral"])  # [B, 15]
        zcr = np.stack([librosa.feature.zero_crossing_rate(y, frame_length=2048, hop_length=512)
                        for y in audio])[:, 0]
        rms = np.stack([librosa.feature.rms(y=y) for y in audio])[:, 0]
        frames = {0: ref[:, 0], 1: ref[:, 1], 2: ref[:, 2], 3: ref[:, 3], 5: zcr, 6: rms}
        for i, name in [(0, "centroid"), (1, "bandwidth"), (2, "rolloff"), (3, "flatness"),
                        (5, "zcr"), (6, "rms")]:
            x = frames[i].astype(np.float64)
            rows.append(report(f"spectral clip mean {name}", spec[:, i], x.mean(axis=1), 1e-6,
                               "rel"))
            rows.append(report(f"spectral clip var {name}", spec[:, 7 + i], x.var(axis=1), 1e-6,
                               "rel"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(clips=names, rows=rows), f, indent=1)


if __name__ == "__main__":
    main()
