#!/usr/bin/env python3
"""The real-music table: one row per experiment of a scripts/results/real_music_table.sh output
folder (and rows for the tree's variants and the peers), as Markdown.

Usage: scripts/results/make_table.py RUNS_DIR [--experiments DIR] [--peers FILE] [--out FILE]

Reads, per experiment folder RUNS_DIR/<name>/: the aggregate metrics.json (test clip_accuracy and
track_accuracy over the folds: mean and sample standard deviation, n - 1; paper and
paper_test_accuracy), the fold folders' metrics.json (epochs run, early stops, clips per track;
for model.type tree: tree.hard, tree.soft and flat_baseline.test, each aggregated here over the
folds), budget.txt (the schedule overrides the script used) and wall_seconds; the experiment's
YAML in --experiments (default experiments/) for the paper's schedule; --peers (default
RUNS_DIR/peers.json, from scripts/results/peers.py). Experiments without an aggregate
metrics.json are listed below the table as missing. Writes --out (default: standard output).
"""
import argparse
import glob
import json
import os
import re
import statistics


def load(path):
    with open(path) as f:
        return json.load(f)


def ms(values):
    """'mean ± std' of a list (sample std, n - 1), 3 decimals."""
    if not values:
        return "—"
    m = statistics.fmean(values)
    s = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{m:.3f} ± {s:.3f}"


def fold_metrics(exp_dir):
    out = []
    for d in sorted(glob.glob(os.path.join(exp_dir, "*fold-*"))):
        p = os.path.join(d, "metrics.json")
        if re.search(r"fold-\d+$", d) and os.path.isfile(p):
            out.append(load(p))
    return out


def paper_schedule(yaml_path):
    """The experiment file's train schedule: {'epochs', 'iterations', 'patience', 'nodes'}."""
    try:
        import yaml
        with open(yaml_path) as f:
            y = yaml.safe_load(f)
    except Exception:
        return {}
    t = y.get("train", {}) or {}
    s = {"epochs": t.get("epochs", 25), "iterations": t.get("iterations", 0),
         "patience": t.get("early_stopping_patience", 0)}
    tree = (y.get("model", {}) or {}).get("tree")
    if tree:
        s["nodes"] = [((n.get("train") or {}).get("epochs", s["epochs"])) for n in tree]
    s["type"] = (y.get("model", {}) or {}).get("type", "network")
    return s


def budget_text(budget, sched, minutes):
    b = budget.strip()
    if sched.get("type") == "knn":
        text = "no training (KNN)"
    elif not b or b == "paper schedule":
        if sched.get("iterations"):
            text = f"paper schedule: {sched['iterations']} iterations"
        else:
            text = f"paper schedule: {sched.get('epochs', '?')} epochs"
        if sched.get("patience"):
            text += f", patience {sched['patience']}"
    else:
        kv = dict(x.split("=", 1) for x in b.split())
        if "nodes" in sched:
            text = (f"{kv.get('train.epochs', '?')} epochs per node and for the flat LSTM (paper: "
                    f"nodes {'/'.join(str(e) for e in sched['nodes'])}, flat {sched['epochs']})")
        elif "train.iterations" in kv:
            text = f"{kv['train.iterations']} of {sched.get('iterations') or '?'} iterations"
        elif "train.epochs" in kv:
            text = f"{kv['train.epochs']} of {sched.get('epochs', '?')} epochs"
        else:
            text = b
        if sched.get("patience"):
            text += f", patience {sched['patience']}"
    if minutes is not None:
        text += f"; {minutes:.1f} min"
    return text


def paper_short(p):
    """'004 Dawra et al., KNN baseline (...)' -> '004 Dawra et al.'; '004 (instrument): ...' -> '004'."""
    return re.split(r"[,:(]", p)[0].strip() if p else "—"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs")
    ap.add_argument("--experiments", default="experiments")
    ap.add_argument("--peers")
    ap.add_argument("--out")
    a = ap.parse_args()

    rows, missing = [], []
    peers_path = a.peers or os.path.join(a.runs, "peers.json")
    peers = load(peers_path) if os.path.isfile(peers_path) else None
    svm_track = {r["fold"]: r["track_accuracy"] for r in peers["runs"] if r["peer"] == "svm"} if peers else {}

    def versus_svm(by_fold, name):
        """'track acc vs the SVM, fold by fold: B better, E equal, W worse' ({fold: track acc});
        None where the experiment's folds are not the peers' (peers.json's fold_check)."""
        c = (peers or {}).get("fold_check", {}).get(name)
        if not c or not c["same_test_tracks"]:
            return None
        common = [f for f in by_fold if f in svm_track]
        if not common:
            return None
        b = sum(by_fold[f] > svm_track[f] + 1e-9 for f in common)
        w = sum(by_fold[f] < svm_track[f] - 1e-9 for f in common)
        return f"track acc vs the SVM per fold: {b} better, {len(common) - b - w} equal, {w} worse"
    head = ("| experiment | paper | paper's number (GTZAN) | clip acc (5 folds) | track acc (5 folds) "
            "| budget used | note |\n|---|---|---|---|---|---|---|")
    names = [os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(a.runs, "*", "budget.txt"))]

    def paper_of(n):
        m = os.path.join(a.runs, n, "metrics.json")
        return (load(m).get("paper", "") if os.path.isfile(m) else "")[:3] or "999"
    names.sort(key=lambda n: (paper_of(n), n))  # by paper, then name
    for name in names:
        d = os.path.join(a.runs, name)
        agg_path = os.path.join(d, "metrics.json")
        folds = fold_metrics(d)
        if not os.path.isfile(agg_path):
            missing.append((name, len(folds)))
            continue
        agg = load(agg_path)
        sched = paper_schedule(os.path.join(a.experiments, name + ".yaml"))
        budget = open(os.path.join(d, "budget.txt")).read() if os.path.isfile(os.path.join(d, "budget.txt")) else ""
        wall = os.path.join(d, "wall_seconds")
        minutes = int(open(wall).read()) / 60 if os.path.isfile(wall) else None
        paper_n = agg.get("paper_test_accuracy")
        paper_num = f"{paper_n:.3f}" if isinstance(paper_n, (int, float)) and paper_n >= 0 else "none given"
        g = agg["aggregate"]
        notes = []
        if folds:
            f0 = folds[0]["data"]
            cpt = f0["clips"] / max(1, f0["tracks"])
            notes.append(f"{f0['feature_type']} {f0['feature_shape']}, {cpt:.3g} clip{'' if cpt == 1 else 's'} per track")
            if f0["clips"] < f0["tracks"]:
                notes.append(f"{f0['tracks'] - f0['clips']} tracks shorter than the clip give no input")
            stops = sum(1 for m in folds if m.get("stopped_early"))
            if stops:
                notes.append(f"early stop in {stops}/{len(folds)} folds")
            if "best_epoch" in folds[0] and sched.get("type", "network") == "network":
                be = [m.get("best_epoch") for m in folds]
                notes.append("best epoch " + "/".join(str(x) for x in be))
            thr = folds[0]["test"].get("track_votes", {}).get("thresholds") or []
            for i, t in enumerate(thr):
                def frac(m, k):
                    v = m["test"]["track_votes"]["thresholds"][i]
                    x = v[k]
                    return x / v["n"] if isinstance(x, int) and v["n"] else x
                notes.append(f"T={t['T']} vote: plurality reaches T {ms([frac(m, 'plurality_reaches_T') for m in folds])}, "
                             f"truth reaches T {ms([frac(m, 'truth_reaches_T') for m in folds])}")
        if len(folds) != 5:
            notes.append(f"{len(folds)} folds")
        btext = budget_text(budget, sched, minutes)
        if folds and "tree" in folds[0]:
            for label, get in (("tree, hard routing", lambda m: m["tree"]["hard"]),
                               ("tree, soft routing", lambda m: m["tree"]["soft"]),
                               ("flat LSTM, same folds", lambda m: m["flat_baseline"]["test"])):
                fm = [m for m in folds if "tree" in m and (label[:4] == "tree" or "flat_baseline" in m)]
                vals = [get(m) for m in fm]
                vs = versus_svm({m["protocol"]["fold"]: get(m)["track_accuracy"] for m in fm}, name)
                num = paper_num if label.startswith("tree, hard") else ('"0.5 to 0.6"' if label.startswith("flat") else "—")
                rows.append(f"| {name}: {label} | {paper_short(agg.get('paper'))} | {num} | "
                            f"{ms([v['clip_accuracy'] for v in vals])} | {ms([v['track_accuracy'] for v in vals])} | "
                            f"{btext if label.startswith('tree, hard') else 'as above'} | "
                            f"{'; '.join(([notes[0]] if label.startswith('tree, hard') else ['same run, same folds']) + ([vs] if vs else []))} |")
            continue
        vs = versus_svm({r["fold"]: r["track_accuracy"] for r in agg.get("runs", []) if r.get("fold") is not None}, name)
        c = (peers or {}).get("fold_check", {}).get(name)
        if c and not c["same_test_tracks"]:
            notes.append("its folds are NOT the peers' (other test tracks): no fold-by-fold comparison")
        if vs:
            notes.append(vs)
        rows.append(f"| {name} | {paper_short(agg.get('paper'))} | {paper_num} | "
                    f"{ms(g['clip_accuracy']['values'])} | {ms(g['track_accuracy']['values'])} | "
                    f"{btext} | {'; '.join(notes)} |")

    peer_lines = []
    if peers:
        p = peers
        labels = {"svm": "peer: RBF SVM on MFCC statistics", "knn": "peer: KNN (k=5) on MFCC statistics"}
        for k in ("svm", "knn"):
            rs = [r for r in p["runs"] if r["peer"] == k]
            note = "80 values per 3 s clip (20 MFCCs and deltas: mean, std), standardised"
            if k == "svm":
                note += "; C, gamma by validation tracks: " + ", ".join(f"{r['C']}/{r['gamma']}" for r in rs)
            rows.append(f"| {labels[k]} | — | — | {ms([r['clip_accuracy'] for r in rs])} | "
                        f"{ms([r['track_accuracy'] for r in rs])} | scikit-learn {p['versions']['scikit-learn']}, "
                        f"librosa {p['versions']['librosa']} | {note} |")
        bad = [n for n, c in p["fold_check"].items() if not c["same_test_tracks"]]
        short = {n: c["tracks_without_clips"] for n, c in p["fold_check"].items() if c["tracks_without_clips"]}
        peer_lines.append(f"Folds: the peers use the split.csv files of `{p['reference_experiment']}`; "
                          f"{len(p['fold_check'])} experiments' folds were compared: "
                          + ("every one has the same test tracks in every fold"
                             if not bad else "DIFFERENT test tracks in " + ", ".join(bad))
                          + (" (" + "; ".join(f"{n}: {len(v)} tracks without a clip" for n, v in short.items()) + ")" if short else "")
                          + ".")
    else:
        peer_lines.append("Peers: no peers.json (scripts/results/peers.py was not run).")

    text = head + "\n" + "\n".join(rows) + "\n\n" + "\n".join(peer_lines) + "\n"
    if missing:
        text += "\nMissing (no aggregate metrics.json): " + ", ".join(
            f"{n} ({k} of 5 folds finished)" for n, k in missing) + ".\n"
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
