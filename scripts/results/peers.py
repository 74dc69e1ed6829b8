#!/usr/bin/env python3
"""Two classic peers on the folds of a real-music run: an RBF SVM and a KNN on MFCC statistics.

Usage: scripts/results/peers.py RUNS_DIR [--data DIR] [--ref NAME] [--out FILE.json] [--csv FILE]

RUNS_DIR is the output folder of scripts/results/real_music_table.sh (one folder per experiment,
each with its fold folders `[seed-S-]fold-K/split.csv`). The folds are read from the split.csv
files of one experiment (--ref, default: the first experiment, in name order, with every fold's
split.csv and a clip of every track); every other experiment's folds are checked to have the same test tracks (and the
same validation and training tracks), and the check is reported.

Features (per 3 s clip, non-overlapping, 10 per 30 s excerpt; what is left over at the end of a
track is dropped): librosa.load at 22050 Hz mono; 20 MFCCs (librosa.feature.mfcc defaults:
n_fft 2048, hop 512, 128 Slaney mel bands, power_to_db with ref 1.0, DCT-II ortho); their
deltas (librosa.feature.delta, width 9); the clip's vector is the mean and standard deviation
over frames of each of the 40 rows: 80 values. Standardised per column with the mean and
standard deviation of the fold's training clips.

Peers, per fold (training clips: those of the fold's training tracks; validation tracks are
used only to choose the SVM's C and gamma; test tracks only for the figures):
  svm: sklearn.svm.SVC(kernel="rbf"), C in {1, 10, 100} x gamma in {"scale", 0.003, 0.03}
       chosen by clip accuracy on the validation tracks (ties: the first in that order), then
       fitted on the training clips alone.
  knn: sklearn.neighbors.KNeighborsClassifier(n_neighbors=5), Euclidean, uniform weights.
Clip accuracy over the test clips; track accuracy by a majority vote of the track's clip
predictions (ties broken by the larger summed score: the SVM's one-vs-rest decision values,
the KNN's neighbour fractions), as the framework's vote_by_track breaks them with probabilities.
Mean and sample standard deviation (n - 1) over the folds, as the framework's aggregate.
"""
import argparse
import csv
import glob
import json
import os
import platform
import re
import sys
import time


def fold_dirs(exp_dir):
    """{fold index: dir} for the fold folders of one experiment (seed-S-fold-K or fold-K)."""
    out = {}
    for d in glob.glob(os.path.join(exp_dir, "*fold-*")):
        m = re.search(r"(?:^|-)fold-(\d+)$", os.path.basename(d))
        if m and os.path.isfile(os.path.join(d, "split.csv")):
            out[int(m.group(1))] = d
    return out


def read_split(path):
    """{'train'|'validation'|'test'|'none': sorted list of (path, genre)} from a split.csv
    ('none': tracks that gave no clip in that experiment, e.g. shorter than its clip length)."""
    sides = {"train": [], "validation": [], "test": [], "none": []}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            n = {k: int(row[k + "_clips"]) for k in ("train", "validation", "test")}
            on = [k for k in n if n[k] > 0]
            if not on:
                sides["none"].append((row["path"], row["genre"]))
                continue
            if len(on) != 1:
                raise SystemExit(f"peers: {path}: track {row['path']} on sides {on} (expected one)")
            sides[on[0]].append((row["path"], row["genre"]))
    return {k: sorted(v) for k, v in sides.items()}


def key(p):
    """A track's identity independent of the folder it was read from: genre/file name."""
    return "/".join(p.replace("\\", "/").split("/")[-2:])


def clip_features(path, sr=22050, clip_s=3.0):
    import librosa
    import numpy as np
    y, _ = librosa.load(path, sr=sr, mono=True)
    n = int(round(clip_s * sr))
    feats = []
    for i in range(len(y) // n):
        c = y[i * n:(i + 1) * n]
        m = librosa.feature.mfcc(y=c, sr=sr, n_mfcc=20)
        d = librosa.feature.delta(m)
        feats.append(np.concatenate([m.mean(1), m.std(1), d.mean(1), d.std(1)]))
    return np.array(feats, dtype=np.float64)


def track_vote(pred, score, track_of_clip, n_classes):
    """Majority vote per track; ties broken by the larger summed score."""
    import numpy as np
    out = {}
    for t in sorted(set(track_of_clip)):
        idx = [i for i, x in enumerate(track_of_clip) if x == t]
        votes = np.bincount(pred[idx], minlength=n_classes)
        mass = score[idx].sum(0)
        best = max(range(n_classes), key=lambda c: (votes[c], mass[c]))
        out[t] = best
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs")
    ap.add_argument("--data", default=os.environ.get("MGR_GTZAN_MINI"),
                    help="the gtzan-mini folder (default: $MGR_GTZAN_MINI); split.csv paths are "
                         "read relative to it by genre/file name")
    ap.add_argument("--ref", help="experiment whose split.csv files give the folds")
    ap.add_argument("--out", help="JSON output (default: RUNS/peers.json)")
    ap.add_argument("--csv", help="per-fold CSV output (default: RUNS/peers.csv)")
    ap.add_argument("--features", help="feature cache .npz (default: RUNS/peers-features.npz)")
    a = ap.parse_args()
    if not a.data:
        raise SystemExit("peers: give --data DIR or set MGR_GTZAN_MINI to the gtzan-mini folder")
    try:
        import librosa
        import numpy as np
        import sklearn
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC
    except ImportError as e:
        raise SystemExit(f"peers: {e}; install with: pip install scikit-learn librosa")
    t0 = time.time()

    # The folds of every experiment; the reference's; the check.
    exps = {}
    for d in sorted(glob.glob(os.path.join(a.runs, "*"))):
        if os.path.isdir(d):
            f = fold_dirs(d)
            if f:
                exps[os.path.basename(d)] = {k: read_split(os.path.join(v, "split.csv")) for k, v in f.items()}
    if not exps:
        raise SystemExit(f"peers: no fold folders with split.csv under {a.runs}")
    nfold = max(len(v) for v in exps.values())
    ref = a.ref or next((n for n, v in exps.items()
                         if len(v) == nfold and not any(v[k]["none"] for k in v)), None)
    if ref not in exps:
        raise SystemExit(f"peers: --ref {ref}: no fold folders under {a.runs}")
    folds = exps[ref]

    def keys(side):
        return sorted(key(p) for p, _ in side)

    if any(folds[k]["none"] for k in folds):
        raise SystemExit(f"peers: --ref {ref} has tracks without clips; choose another --ref")

    def same(f, k, s):
        # The experiment's tracks on side s are the reference's, less the tracks it has no clip of.
        none = set(keys(f[k]["none"]))
        return keys(f[k][s]) == [t for t in keys(folds[k][s]) if t not in none]

    check = {}
    for name, f in exps.items():
        same_test = sorted(f) == sorted(folds) and all(same(f, k, "test") for k in f)
        same_all = same_test and all(same(f, k, s) for k in f for s in ("train", "validation"))
        none = sorted({t for k in f for t in keys(f[k]["none"])})
        check[name] = {"folds": sorted(f), "same_test_tracks": same_test,
                       "same_train_validation_tracks": same_all, "tracks_without_clips": none}

    # Features of every track in the folds (cached).
    tracks = sorted({key(p): g for k in folds for s in folds[k].values() for p, g in s}.items())
    cache = a.features or os.path.join(a.runs, "peers-features.npz")
    feats = {}
    if os.path.isfile(cache):
        z = np.load(cache, allow_pickle=False)
        feats = {k: z[k] for k in z.files}
    missing = [t for t, _ in tracks if t not in feats]
    for i, t in enumerate(missing):
        feats[t] = clip_features(os.path.join(a.data, t))
        if (i + 1) % 20 == 0 or i + 1 == len(missing):
            print(f"peers: features {i + 1}/{len(missing)} tracks ({time.time() - t0:.0f} s)", file=sys.stderr)
    if missing:
        np.savez(cache, **feats)
    genres = sorted({g for _, g in tracks})
    gi = {g: i for i, g in enumerate(genres)}
    genre_of = dict(tracks)

    def stack(side):
        X, y, tr = [], [], []
        for p, g in side:
            k = key(p)
            X.append(feats[k]); y += [gi[g]] * len(feats[k]); tr += [k] * len(feats[k])
        return np.concatenate(X), np.array(y), tr

    def score(pred, sc, y, tr):
        clip = float((pred == y).mean())
        v = track_vote(pred, sc, tr, len(genres))
        track = float(np.mean([v[t] == gi[genre_of[t]] for t in v]))
        return clip, track, len(y), len(v)

    grid = [(C, g) for C in (1, 10, 100) for g in ("scale", 0.003, 0.03)]
    rows = []
    for k in sorted(folds):
        Xtr, ytr, _ = stack(folds[k]["train"])
        Xva, yva, _ = stack(folds[k]["validation"])
        Xte, yte, trte = stack(folds[k]["test"])
        sc = StandardScaler().fit(Xtr)
        Xtr, Xva, Xte = sc.transform(Xtr), sc.transform(Xva), sc.transform(Xte)
        best, best_acc = None, -1.0
        for C, g in grid:
            acc = float((SVC(kernel="rbf", C=C, gamma=g).fit(Xtr, ytr).predict(Xva) == yva).mean())
            if acc > best_acc:
                best, best_acc = (C, g), acc
        svm = SVC(kernel="rbf", C=best[0], gamma=best[1]).fit(Xtr, ytr)
        clip, track, nc, nt = score(svm.predict(Xte), svm.decision_function(Xte), yte, trte)
        rows.append({"peer": "svm", "fold": k, "clip_accuracy": clip, "track_accuracy": track,
                     "test_clips": nc, "test_tracks": nt, "train_clips": len(ytr),
                     "C": best[0], "gamma": best[1], "validation_clip_accuracy": best_acc})
        knn = KNeighborsClassifier(n_neighbors=5).fit(Xtr, ytr)
        clip, track, nc, nt = score(knn.predict(Xte), knn.predict_proba(Xte), yte, trte)
        rows.append({"peer": "knn", "fold": k, "clip_accuracy": clip, "track_accuracy": track,
                     "test_clips": nc, "test_tracks": nt, "train_clips": len(ytr)})

    def stats(v):
        m = float(np.mean(v))
        s = float(np.std(v, ddof=1)) if len(v) > 1 else 0.0
        return {"mean": m, "std": s, "n": len(v), "values": v}

    out = {"reference_experiment": ref, "folds": len(folds), "fold_check": check,
           "all_experiments_same_test_tracks": all(c["same_test_tracks"] for c in check.values()),
           "features": "per 3 s clip: mean and std of 20 MFCCs and of their deltas (80 values), librosa defaults at 22050 Hz",
           "versions": {"python": platform.python_version(), "numpy": np.__version__,
                        "scikit-learn": sklearn.__version__, "librosa": librosa.__version__},
           "seconds": round(time.time() - t0, 1), "runs": rows, "aggregate": {}}
    for p in ("svm", "knn"):
        out["aggregate"][p] = {f: stats([r[f] for r in rows if r["peer"] == p])
                               for f in ("clip_accuracy", "track_accuracy")}
    path = a.out or os.path.join(a.runs, "peers.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    cpath = a.csv or os.path.join(a.runs, "peers.csv")
    with open(cpath, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["peer", "fold", "clip_accuracy", "track_accuracy", "test_clips", "test_tracks", "train_clips", "C", "gamma"])
        for r in rows:
            w.writerow([r["peer"], r["fold"], f"{r['clip_accuracy']:.4f}", f"{r['track_accuracy']:.4f}",
                        r["test_clips"], r["test_tracks"], r["train_clips"], r.get("C", ""), r.get("gamma", "")])
    bad = [n for n, c in check.items() if not c["same_test_tracks"]]
    print(f"peers: folds of {ref} ({len(folds)}); {len(check)} experiments checked, "
          + ("all with the same test tracks" if not bad else f"DIFFERENT test tracks in: {', '.join(bad)}"))
    for p in ("svm", "knn"):
        g = out["aggregate"][p]
        print(f"peers: {p}: clip {g['clip_accuracy']['mean']:.4f} ± {g['clip_accuracy']['std']:.4f}, "
              f"track {g['track_accuracy']['mean']:.4f} ± {g['track_accuracy']['std']:.4f} (n={g['clip_accuracy']['n']})")
    print(f"peers: versions {out['versions']}; {out['seconds']} s; wrote {path}, {cpath}")


if __name__ == "__main__":
    main()
