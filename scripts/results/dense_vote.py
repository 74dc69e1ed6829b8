#!/usr/bin/env python3
"""A denser vote at test time, without training again: each fold's trained model of a 5-fold
protocol (an experiment folder of run_experiment: seed-S-fold-K/ with best_model.h5 and
split.csv) classifies its own test tracks with clips every --hop seconds (`classify --hop`, so
overlapping clips when the hop is shorter than the clip), and the track decisions are the
majority vote of those clips (ties by summed probability, the run's own rule) and the vote of
their mean probability.

Check first: with the run's own hop (data.clip_hop_seconds) the same classify calls must give
each fold's track accuracy of metrics.json (both votes); a fold where they differ stops the script
(the tracks would not be scored as the run scored them).

Usage: dense_vote.py EXP_DIR [--hop 1.5] [--bin build/bin] [--device cpu]
Writes EXP_DIR/dense_vote-hop<H>.json: per fold and aggregated (mean, sample std, values) the
clip accuracy (the clips' own decisions), the track accuracy of the majority vote and of the
mean-probability vote, the clips per track; prints one line per fold and the aggregate.
"""
import argparse
import csv
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import time

import yaml


def fold_dirs(exp_dir):
    out = {}
    for d in glob.glob(os.path.join(exp_dir, "*fold-*")):
        m = re.search(r"fold-(\d+)$", d)
        if m and os.path.isfile(os.path.join(d, "best_model.h5")) and os.path.isfile(
                os.path.join(d, "split.csv")):
            out[int(m.group(1))] = d
    return dict(sorted(out.items()))


def test_tracks(fold_dir):
    """[(path, genre)] of the fold's test tracks, from split.csv."""
    with open(os.path.join(fold_dir, "split.csv"), newline="") as fh:
        return [(r["path"], r["genre"]) for r in csv.DictReader(fh) if int(r["test_clips"]) > 0]


def classify(bin_dir, fold_dir, paths, hop, device, clips=False):
    cmd = [os.path.join(bin_dir, "classify"), fold_dir, *paths, "--json", "--device", device,
           "--hop", str(hop)] + (["--clips"] if clips else [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"dense_vote: {' '.join(cmd[:2])} ... failed (exit {p.returncode}):\n{p.stderr}")
    doc = json.loads(p.stdout)
    if doc["errors"]:
        sys.exit(f"dense_vote: classify could not read {doc['errors']}")
    return doc


def score(doc, truth):
    """clip accuracy, majority-vote and mean-probability track accuracy, clips per track."""
    right_clips = clips = vote = mean = 0
    for f in doc["files"]:
        g = truth[f["path"]]
        clips += f["clips"]
        right_clips += f["votes"][g]
        vote += f["vote"]["genre"] == g
        mp = f["mean_probability"]
        mean += max(mp, key=mp.get) == g
    n = len(doc["files"])
    return {"clip_accuracy": right_clips / clips, "track_accuracy": vote / n,
            "track_accuracy_mean_probability": mean / n, "clips_per_track": clips / n,
            "tracks": n}


def aggregate(per_fold, key):
    v = [f[key] for f in per_fold]
    return {"mean": statistics.mean(v), "std": statistics.stdev(v) if len(v) > 1 else 0.0,
            "n": len(v), "values": v}


def check_scoring(fold_dir, got, what):
    """Exits unless `got` (majority-vote and mean-probability track accuracy) is the fold's own
    metrics.json figures: the tracks must be scored as the run scored them."""
    test = json.load(open(os.path.join(fold_dir, "metrics.json")))["test"]
    want = (test["track_accuracy"],
            test.get("track_votes", {}).get("mean_probability", {}).get("accuracy"))
    if abs(got[0] - want[0]) > 1e-9 or (want[1] is not None and abs(got[1] - want[1]) > 1e-9):
        sys.exit(f"{what}: scored here {got}, metrics.json says {want}: not the run's scoring")


def summary(g):
    """'clip m ± s, track m ± s, mean-probability m ± s' of an aggregate."""
    return ", ".join(f"{name} {g[key]['mean']:.3f} ± {g[key]['std']:.3f}" for name, key in
                     (("clip", "clip_accuracy"), ("track", "track_accuracy"),
                      ("mean-probability", "track_accuracy_mean_probability")))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exp_dir")
    ap.add_argument("--hop", type=float, default=1.5)
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    folds = fold_dirs(a.exp_dir)
    if not folds:
        sys.exit(f"dense_vote: no fold folder with best_model.h5 and split.csv under {a.exp_dir}")
    t0 = time.time()
    per_fold = []
    for k, d in folds.items():
        cfg = yaml.safe_load(open(os.path.join(d, "config.yaml")))
        own_hop = cfg["data"]["clip_hop_seconds"]
        tracks = test_tracks(d)
        truth = dict(tracks)
        paths = [p for p, _ in tracks]
        own = score(classify(a.bin, d, paths, own_hop, a.device), truth)
        check_scoring(d, (own["track_accuracy"], own["track_accuracy_mean_probability"]),
                      f"dense_vote: fold {k} at the run's own hop ({own_hop} s)")
        dense = score(classify(a.bin, d, paths, a.hop, a.device), truth)
        dense["fold"] = k
        dense["own_hop"] = own
        per_fold.append(dense)
        print(f"fold {k}: hop {own_hop} s: track {own['track_accuracy']:.2f} (as metrics.json); "
              f"hop {a.hop} s: {dense['clips_per_track']:.1f} clips per track, clip "
              f"{dense['clip_accuracy']:.3f}, track {dense['track_accuracy']:.2f}, mean-probability "
              f"{dense['track_accuracy_mean_probability']:.2f}", flush=True)
    out = {"experiment": os.path.abspath(a.exp_dir), "hop_seconds": a.hop, "device": a.device,
           "seconds": round(time.time() - t0, 1), "folds": per_fold,
           "aggregate": {key: aggregate(per_fold, key) for key in
                         ("clip_accuracy", "track_accuracy", "track_accuracy_mean_probability",
                          "clips_per_track")}}
    path = os.path.join(a.exp_dir, f"dense_vote-hop{a.hop:g}.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=2)
    print(f"hop {a.hop} s over {len(per_fold)} folds: {summary(out['aggregate'])} "
          f"({out['seconds']} s); {path}")


if __name__ == "__main__":
    main()
