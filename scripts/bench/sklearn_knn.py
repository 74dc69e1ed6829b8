#!/usr/bin/env python3
"""The bench_knn workload in scikit-learn, for a side-by-side throughput figure.

StandardScaler fitted on the training rows, then KNeighborsClassifier(n_neighbors=5) fit +
predict of 10,000 queries against 100,000 training vectors of 100 float32 values, 10 classes,
uniform random data (not the same values as bench_knn, the same distribution and work).
Algorithm 'brute' and the default 'auto', n_jobs=--threads. Prints seconds and queries/s.

  OMP_NUM_THREADS=2 /usr/bin/python3 scripts/bench/sklearn_knn.py --threads 2
"""
import argparse
import time

import numpy as np
import sklearn
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=10000)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("-k", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=2)
    a = ap.parse_args()
    rng = np.random.default_rng(1234)
    x = rng.random((a.train, a.dim), dtype=np.float32)
    q = rng.random((a.queries, a.dim), dtype=np.float32)
    y = rng.integers(0, 10, a.train)
    for algorithm in ("brute", "auto"):
        best = float("inf")
        for _ in range(max(1, a.reps)):
            t0 = time.perf_counter()
            scaler = StandardScaler().fit(x)
            clf = KNeighborsClassifier(n_neighbors=a.k, algorithm=algorithm, n_jobs=a.threads)
            clf.fit(scaler.transform(x), y)
            pred = clf.predict(scaler.transform(q))
            best = min(best, time.perf_counter() - t0)
        print(f"sklearn {sklearn.__version__} knn algorithm={algorithm} n_jobs={a.threads}: "
              f"fit+predict {a.queries} queries x {a.train} train x {a.dim} dims, k={a.k}: "
              f"{best:.3f} s, {a.queries / best:.0f} queries/s (min of {a.reps}; "
              f"predicted class 0 for {int((pred == 0).sum())} queries)")


if __name__ == "__main__":
    main()
