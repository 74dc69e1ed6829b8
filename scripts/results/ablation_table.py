#!/usr/bin/env python3
"""The table of scripts/results/recipe_ablation.sh: the recipe and its variants on real music.

Usage: scripts/results/ablation_table.py OUT [--out FILE.md] [--paper-runs DIR]

OUT holds one folder per variant (recipe, none, no_crop, ...; each with the aggregate
metrics.json of run_experiment's 5-fold protocol, variant.txt and wall_seconds) and peers.json
(scripts/results/peers.py on the same folds). --paper-runs: a real_music_table.sh output folder;
its best classifier by mean track accuracy joins the table, with its fold check against these
folds. Rows: mean ± sample standard deviation over the folds (track accuracy: the majority vote of
a track's clips, and beside it the vote of their mean probabilities); the note compares the row's
track accuracy with the SVM peer's fold by fold, and says for the recipe by how much its mean
lies above or below the SVM's.
"""
import argparse
import csv
import glob
import json
import os
import re

ORDER = ["recipe", "with_crop", "no_crop", "no_speed", "no_gain", "no_masks", "no_mixup", "none", "longer", "seed2", "seed3"]
WHAT = {
    "recipe": "the recipe as the YAML has it",
    "with_crop": "with crop added (a new clip of the track each epoch)",
    "no_crop": "without crop",
    "no_speed": "without speed",
    "no_gain": "without gain",
    "no_masks": "without freq_mask and time_mask",
    "no_mixup": "without mixup",
    "none": "no augmentation (the bare network, features precomputed)",
    "longer": "twice the epochs, cosine learning-rate decay",
    "seed2": "the recipe with seed 2 on seed 1's folds",
    "seed3": "the recipe with seed 3 on seed 1's folds",
}


def fold_files(exp_dir, name):
    """{fold: path} of the file `name` in each fold folder of an experiment folder."""
    out = {}
    for d in glob.glob(os.path.join(exp_dir, "*fold-*")):
        m = re.search(r"fold-(\d+)$", d)
        if m and os.path.isfile(os.path.join(d, name)):
            out[int(m.group(1))] = os.path.join(d, name)
    return out


def folds_of(exp_dir):
    """{fold: metrics} of an experiment folder's fold runs."""
    return {k: json.load(open(f)) for k, f in fold_files(exp_dir, "metrics.json").items()}


def test_tracks(exp_dir):
    """{fold: sorted test track paths} from the split.csv files."""
    out = {}
    for k, f in fold_files(exp_dir, "split.csv").items():
        with open(f, newline="") as fh:
            out[k] = sorted(r["path"] for r in csv.DictReader(fh) if int(r["test_clips"]) > 0)
    return out


def ms(a):
    return f"{a['mean']:.3f} ± {a['std']:.3f}" if a.get("n", 0) > 1 else f"{a['mean']:.3f} (one run)"


def track_values(exp_dir):
    f = folds_of(exp_dir)
    return [f[k]["test"]["track_accuracy"] for k in sorted(f)]


def mean_probability(exp_dir):
    """The mean-probability vote's track accuracy over the folds: 'mean ± std', or '-'."""
    f = folds_of(exp_dir)
    v = [f[k]["test"].get("track_votes", {}).get("mean_probability", {}).get("accuracy") for k in sorted(f)]
    if len(v) < 2 or any(x is None for x in v):
        return "-"
    m = sum(v) / len(v)
    sd = (sum((x - m) ** 2 for x in v) / (len(v) - 1)) ** 0.5
    return f"{m:.3f} ± {sd:.3f}"


def versus(values, svm):
    if len(values) != len(svm):
        return "folds differ from the peers'"
    b = sum(v > s + 1e-9 for v, s in zip(values, svm))
    e = sum(abs(v - s) <= 1e-9 for v, s in zip(values, svm))
    return f"vs the SVM per fold: {b} better, {e} equal, {len(values) - b - e} worse"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs")
    ap.add_argument("--out")
    ap.add_argument("--paper-runs")
    a = ap.parse_args()
    peers = json.load(open(os.path.join(a.runs, "peers.json"))) if os.path.isfile(
        os.path.join(a.runs, "peers.json")) else None
    svm = peers["aggregate"]["svm"]["track_accuracy"]["values"] if peers else []
    names = [n for n in ORDER if os.path.isfile(os.path.join(a.runs, n, "metrics.json"))]
    names += sorted(n for n in os.listdir(a.runs) if n not in ORDER and
                    os.path.isfile(os.path.join(a.runs, n, "metrics.json")))
    if not names:
        raise SystemExit(f"ablation_table: no variant with metrics.json under {a.runs}")
    ref_tracks = test_tracks(os.path.join(a.runs, names[0]))
    lines = ["| model | what differs | clip acc (5 folds) | track acc (5 folds) | track acc, mean-probability vote | track acc per fold | wall | note |",
             "|---|---|---|---|---|---|---|---|"]
    for n in names:
        d = os.path.join(a.runs, n)
        agg = json.load(open(os.path.join(d, "metrics.json")))["aggregate"]
        vals = track_values(d)
        wf = os.path.join(d, "wall_seconds")
        wall = f"{int(open(wf).read().strip()) / 60:.0f} min" if os.path.isfile(wf) else "?"
        note = versus(vals, svm) if svm else "no peers"
        if test_tracks(d) != ref_tracks:
            note += "; its test tracks differ from the first variant's"
        if n == "recipe" and svm:
            diff = agg["track_accuracy"]["mean"] - peers["aggregate"]["svm"]["track_accuracy"]["mean"]
            note += f"; mean {100 * diff:+.1f} points against the SVM"
        lines.append(f"| mgr_cnn: {n} | {WHAT.get(n, n)} | {ms(agg['clip_accuracy'])} | "
                     f"{ms(agg['track_accuracy'])} | {mean_probability(d)} | "
                     f"{' / '.join(f'{v:.2f}' for v in vals)} | {wall} | {note} |")
        # scripts/results/dense_vote.py: the same models voting over overlapping test clips.
        for f in sorted(glob.glob(os.path.join(d, "dense_vote-hop*.json"))):
            dv = json.load(open(f))
            g = dv["aggregate"]
            dvals = g["track_accuracy"]["values"]
            dnote = versus(dvals, svm) if svm else "no peers"
            lines.append(f"| mgr_cnn: {n}, dense vote | the same trained models, test clips every "
                         f"{dv['hop_seconds']:g} s ({g['clips_per_track']['mean']:.1f} per track; "
                         f"scripts/results/dense_vote.py) | {ms(g['clip_accuracy'])} | "
                         f"{ms(g['track_accuracy'])} | {ms(g['track_accuracy_mean_probability'])} | "
                         f"{' / '.join(f'{v:.2f}' for v in dvals)} | {dv['seconds']:.0f} s | {dnote} |")
    # scripts/results/ensemble_vote.py: members on the same folds, probabilities averaged per clip.
    for f in sorted(glob.glob(os.path.join(a.runs, "ensemble-*.json"))):
        e = json.load(open(f))
        g = e["aggregate"]
        evals = g["track_accuracy"]["values"]
        members = ", ".join(os.path.basename(m) for m in e["members"])
        enote = versus(evals, svm) if svm else "no peers"
        if svm:
            diff = g["track_accuracy"]["mean"] - peers["aggregate"]["svm"]["track_accuracy"]["mean"]
            enote += f"; mean {100 * diff:+.1f} points against the SVM"
        lines.append(f"| mgr_cnn: ensemble | {members}: clip probabilities averaged "
                     f"(scripts/results/ensemble_vote.py) | {ms(g['clip_accuracy'])} | "
                     f"{ms(g['track_accuracy'])} | {ms(g['track_accuracy_mean_probability'])} | "
                     f"{' / '.join(f'{v:.2f}' for v in evals)} | {e['seconds']:.0f} s | {enote} |")
    if a.paper_runs:
        best, best_mean = None, -1.0
        for m in glob.glob(os.path.join(a.paper_runs, "*", "metrics.json")):
            agg = json.load(open(m)).get("aggregate", {})
            t = agg.get("track_accuracy", {})
            if t.get("n", 0) > 1 and t["mean"] > best_mean:
                best, best_mean = os.path.dirname(m), t["mean"]
        if best:
            agg = json.load(open(os.path.join(best, "metrics.json")))["aggregate"]
            vals = track_values(best)
            note = versus(vals, svm) if svm else ""
            same = test_tracks(best) == ref_tracks
            note += "; same test tracks" if same else "; its test tracks DIFFER from these folds'"
            budget = open(os.path.join(best, "budget.txt")).read().strip() if os.path.isfile(
                os.path.join(best, "budget.txt")) else "paper schedule"
            lines.append(f"| best paper network: {os.path.basename(best)} | real-music table, {budget} | "
                         f"{ms(agg['clip_accuracy'])} | {ms(agg['track_accuracy'])} | {mean_probability(best)} | "
                         f"{' / '.join(f'{v:.2f}' for v in vals)} | | {note} |")
    if peers:
        for p, what in (("svm", "RBF SVM on MFCC statistics"), ("knn", "KNN (k=5) on MFCC statistics")):
            agg = peers["aggregate"][p]
            lines.append(f"| peer: {what} | scripts/results/peers.py, same folds | {ms(agg['clip_accuracy'])} | "
                         f"{ms(agg['track_accuracy'])} | - | "
                         f"{' / '.join(f'{v:.2f}' for v in agg['track_accuracy']['values'])} | | |")
    text = "\n".join(lines) + "\n"
    if a.out:
        open(a.out, "w").write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
