#!/usr/bin/env python3
"""Griffin-Lim iterations per second in librosa, for comparison with tools/bench_griffinlim.

Times librosa.griffinlim(|librosa.stft(y)|, n_iter, momentum 0.99, random init) on one clip
(the WAV that `bench_griffinlim --save-clip` wrote, so both time the same samples) and prints
the same figures as bench_griffinlim: iterations/s (median of --repeat runs after a warm-up,
each run n_iter iterations + the final istft) and the spectral convergence reached.
scripts/bench/run_griffinlim_benchmark.sh runs both and prints the ratio.

  python3 scripts/bench/librosa_griffinlim.py --audio clip.wav [--n-iter 32] [--repeat 3]
"""
import argparse
import time

import librosa
import numpy as np
import soundfile as sf


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--audio", required=True, help="mono WAV at 22050 Hz")
    ap.add_argument("--n-iter", type=int, default=32)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n-fft", type=int, default=2048)
    ap.add_argument("--hop", type=int, default=512)
    args = ap.parse_args()
    y, sr = sf.read(args.audio, dtype="float32", always_2d=True)
    y = y.mean(axis=1).astype(np.float32)
    assert sr == 22050, f"{args.audio}: {sr} Hz, expected 22050"
    S = np.abs(librosa.stft(y, n_fft=args.n_fft, hop_length=args.hop))
    kw = dict(n_iter=args.n_iter, n_fft=args.n_fft, hop_length=args.hop, random_state=0)
    librosa.griffinlim(S, **kw)  # warm-up (numba compiles librosa's overlap-add)
    secs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        x = librosa.griffinlim(S, **kw)
        secs.append(time.perf_counter() - t0)
    med = float(np.median(secs))
    rebuilt = np.abs(librosa.stft(x, n_fft=args.n_fft, hop_length=args.hop))
    sc = float(np.linalg.norm(S - rebuilt) / np.linalg.norm(S))
    print(f"workload: {len(y) / sr:.2f} s clip ({len(y)} samples) at {sr} Hz, n_fft {args.n_fft}, "
          f"hop {args.hop}: {S.shape[1]} frames; librosa {librosa.__version__}, numpy "
          f"{np.__version__}")
    print(f"librosa        griffinlim: {args.n_iter / med:8.2f} iterations/s (median of "
          f"{len(secs)} runs: {med:.3f} s for {args.n_iter} iterations + final istft); spectral "
          f"convergence {sc:.4f}")


if __name__ == "__main__":
    main()
