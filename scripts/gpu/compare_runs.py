#!/usr/bin/env python3
"""Compare two run directories of one experiment (the same seed on two devices): the training
history epoch by epoch and the test metrics, and state how far apart they are.

Both runs start from the same initial weights and see the same batches; the two devices differ
in rounding (cuDNN/cuBLAS against the CPU twins), which grows over the steps, so losses agree to
a few digits after an epoch and drift apart slowly; the accuracies should agree to within a few
clips. Prints one line starting "agreement:".

  python3 scripts/gpu/compare_runs.py runs/first-contact-cuda runs/first-contact-cpu
"""
import csv
import json
import os
import sys


def history(run):
    path = os.path.join(run, "history.csv")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def metrics(run):
    path = os.path.join(run, "metrics.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def rel(a, b):
    return abs(a - b) / max(abs(a), abs(b), 1e-12)


def main(a, b):
    ha, hb = history(a), history(b)
    print(f"{'epoch':>5}  {'train_loss A':>12} {'train_loss B':>12} {'rel diff':>9}  "
          f"{'val_acc A':>9} {'val_acc B':>9}")
    worst = 0.0
    for ra, rb in zip(ha, hb):
        la, lb = float(ra["train_loss"]), float(rb["train_loss"])
        worst = max(worst, rel(la, lb))
        print(f"{ra['epoch']:>5}  {la:12.6f} {lb:12.6f} {rel(la, lb):9.2e}  "
              f"{float(ra['validation_accuracy']):9.4f} {float(rb['validation_accuracy']):9.4f}")
    ma, mb = metrics(a), metrics(b)
    print(f"A = {a}\nB = {b}")
    if not ha or not hb or ma is None or mb is None:
        print(f"agreement: not compared (history A {len(ha)} epochs, B {len(hb)}; metrics "
              f"A {'yes' if ma else 'missing'}, B {'yes' if mb else 'missing'})")
        return 1
    ta, tb = ma["test"], mb["test"]
    for key in ("clip_accuracy", "track_accuracy", "loss"):
        if key in ta and key in tb:
            print(f"test.{key}: A {ta[key]:.4f}  B {tb[key]:.4f}  diff {ta[key] - tb[key]:+.4f}")
    dacc = abs(ta["clip_accuracy"] - tb["clip_accuracy"])
    print(f"agreement: train loss within {worst:.1e} (relative, worst epoch of {min(len(ha), len(hb))}), "
          f"test clip accuracy {ta['clip_accuracy']:.4f} vs {tb['clip_accuracy']:.4f} "
          f"(|diff| {dacc:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
