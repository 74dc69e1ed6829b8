#!/usr/bin/env python3
"""An ensemble of protocols run on the same folds (e.g. the recipe with seeds 1, 2 and 3 and
data.split_seed=1: scripts/results/recipe_ablation.sh's recipe, seed2 and seed3 variants): in each
fold, every member's trained model classifies that fold's test tracks (`classify --json --clips`
at the run's own hop), the members' probabilities are averaged clip by clip, and each clip's
decision is the argmax of the average. Track decisions as the runs make them: the majority vote
of the clips (ties by summed probability) and the vote of the mean probability.

Checks first: every member has the same test tracks in every fold (split.csv), and each member
alone, scored this way, gives its fold's track accuracy of metrics.json (both votes).

Usage: ensemble_vote.py EXP_DIR EXP_DIR... --out FILE.json [--bin build/bin] [--device cpu]
Writes FILE.json: per fold and aggregated (mean, sample std, values) the ensemble's clip
accuracy, majority-vote and mean-probability track accuracy, and the members' own figures.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dense_vote import (aggregate, check_scoring, classify, fold_dirs, summary,  # noqa: E402
                        test_tracks)

import yaml  # noqa: E402


def votes_of(genres, probs, decisions, truth_genre):
    """(majority vote right, mean-probability vote right, clips right) of one track."""
    k = len(genres)
    count, mass = [0] * k, [0.0] * k
    for p, d in zip(probs, decisions):
        count[d] += 1
        for c in range(k):
            mass[c] += p[c]
    vote = max(range(k), key=lambda c: (count[c], mass[c]))
    mean = max(range(k), key=lambda c: mass[c])
    t = genres.index(truth_genre)
    return vote == t, mean == t, count[t]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exp_dirs", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    if len(a.exp_dirs) < 2:
        sys.exit("ensemble_vote: give two or more experiment folders")
    members = [fold_dirs(d) for d in a.exp_dirs]
    folds = sorted(members[0])
    if not folds:
        sys.exit(f"ensemble_vote: no fold folder with best_model.h5 and split.csv under "
                 f"{a.exp_dirs[0]}")
    for d, m in zip(a.exp_dirs, members):
        if sorted(m) != folds:
            sys.exit(f"ensemble_vote: {d} has folds {sorted(m)}, {a.exp_dirs[0]} has {folds}")
    t0 = time.time()
    per_fold = []
    for k in folds:
        tracks = test_tracks(members[0][k])
        for d, m in zip(a.exp_dirs, members):
            if sorted(test_tracks(m[k])) != sorted(tracks):
                sys.exit(f"ensemble_vote: fold {k} of {d} has other test tracks than "
                         f"{a.exp_dirs[0]}'s")
        truth = dict(tracks)
        paths = [p for p, _ in tracks]
        docs = []
        for m in members:
            d = m[k]
            hop = yaml.safe_load(open(os.path.join(d, "config.yaml")))["data"]["clip_hop_seconds"]
            docs.append(classify(a.bin, d, paths, hop, a.device, clips=True))
        genres = docs[0]["class_names"]
        own = []
        sums = {"vote": 0, "mean": 0, "clips_right": 0, "clips": 0}
        member_sums = [{"vote": 0, "mean": 0} for _ in docs]
        for i, path in enumerate(paths):
            files = [next(f for f in doc["files"] if f["path"] == path) for doc in docs]
            scores = [f["clip_scores"] for f in files]
            offsets = scores[0]["offsets_seconds"]
            if any(s["offsets_seconds"] != offsets for s in scores):
                sys.exit(f"ensemble_vote: the members cut {path} into different clips")
            for j, s in enumerate(scores):
                v, mp, _ = votes_of(genres, s["probabilities"],
                                    [genres.index(g) for g in s["decisions"]], truth[path])
                member_sums[j]["vote"] += v
                member_sums[j]["mean"] += mp
            avg = [[sum(s["probabilities"][c][g] for s in scores) / len(scores)
                    for g in range(len(genres))] for c in range(len(offsets))]
            dec = [max(range(len(genres)), key=lambda g: p[g]) for p in avg]
            v, mp, right = votes_of(genres, avg, dec, truth[path])
            sums["vote"] += v
            sums["mean"] += mp
            sums["clips_right"] += right
            sums["clips"] += len(offsets)
        n = len(paths)
        for j, (m, ms_) in enumerate(zip(members, member_sums)):
            got = (ms_["vote"] / n, ms_["mean"] / n)
            check_scoring(m[k], got, f"ensemble_vote: fold {k}, {a.exp_dirs[j]}")
            own.append(got[0])
        f = {"fold": k, "tracks": n, "clip_accuracy": sums["clips_right"] / sums["clips"],
             "track_accuracy": sums["vote"] / n, "track_accuracy_mean_probability": sums["mean"] / n,
             "members_track_accuracy": own}
        per_fold.append(f)
        print(f"fold {k}: members' track accuracy {' / '.join(f'{x:.2f}' for x in own)} (as their "
              f"metrics.json); ensemble: clip {f['clip_accuracy']:.3f}, track "
              f"{f['track_accuracy']:.2f}, mean-probability {f['track_accuracy_mean_probability']:.2f}",
              flush=True)
    out = {"members": [os.path.abspath(d) for d in a.exp_dirs], "device": a.device,
           "seconds": round(time.time() - t0, 1), "folds": per_fold,
           "aggregate": {key: aggregate(per_fold, key) for key in
                         ("clip_accuracy", "track_accuracy", "track_accuracy_mean_probability")}}
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=2)
    print(f"ensemble of {len(members)} over {len(per_fold)} folds: {summary(out['aggregate'])} "
          f"({out['seconds']} s); {a.out}")


if __name__ == "__main__":
    main()
