#!/usr/bin/env python3
"""torchaudio baseline for tools/bench_features.cpp (issue 3): the same workload (clips x 30 s at
22050 Hz of synthetic audio) through MelSpectrogram + AmplitudeToDB (log-mel 128, n_fft 2048,
hop 512), MFCC 20 (melkwargs matching) and chroma 12.

torchaudio 0.13 has no chroma transform, so chroma is computed in torch: Spectrogram(power=2),
a matmul with librosa's chroma filterbank (librosa.filters.chroma, ported to numpy below so the
script needs no librosa) and librosa's per-frame max normalisation (norm=inf). The output says so.

  OMP_NUM_THREADS=2 /usr/bin/python3 scripts/bench/torch_features.py --clips 40 --threads 2
  python3 scripts/bench/torch_features.py --device cuda --clips 1000
"""
import argparse
import math
import time

import numpy as np
import torch
import torchaudio

SR, N_FFT, HOP, N_MELS, N_MFCC, N_CHROMA = 22050, 2048, 512, 128, 20, 12


def synth(clips, samples, sr):
    t = torch.arange(samples, dtype=torch.float64) / sr
    out = torch.empty(clips, samples, dtype=torch.float32)
    g = torch.Generator().manual_seed(12345)
    for b in range(clips):
        f0 = 110.0 * (1 + b % 7)
        x = 0.3 * torch.sin(2 * math.pi * f0 * t) + 0.2 * torch.sin(2 * math.pi * (100 + 200 * t) * t)
        out[b] = (x + (torch.rand(samples, generator=g, dtype=torch.float64) - 0.5) * 0.02).float()
    return out


def chroma_filterbank(sr, n_fft, n_chroma=12, ctroct=5.0, octwidth=2.0):
    """librosa.filters.chroma(sr, n_fft, n_chroma, tuning=0, ctroct, octwidth, norm=2, base_c=True)."""
    frequencies = np.linspace(0, sr, n_fft, endpoint=False)[1:]
    frqbins = n_chroma * np.log2(frequencies / (440.0 / 16))
    frqbins = np.concatenate(([frqbins[0] - 1.5 * n_chroma], frqbins))
    binwidthbins = np.concatenate((np.maximum(frqbins[1:] - frqbins[:-1], 1.0), [1]))
    d = np.subtract.outer(frqbins, np.arange(0, n_chroma, dtype="d")).T
    n_chroma2 = np.round(float(n_chroma) / 2)
    d = np.remainder(d + n_chroma2 + 10 * n_chroma, n_chroma) - n_chroma2
    wts = np.exp(-0.5 * (2 * d / np.tile(binwidthbins, (n_chroma, 1))) ** 2)
    wts = wts / np.maximum(np.sqrt(np.sum(wts ** 2, axis=0, keepdims=True)), np.finfo(float).tiny)
    wts *= np.tile(np.exp(-0.5 * (((frqbins / n_chroma - ctroct) / octwidth) ** 2)), (n_chroma, 1))
    wts = np.roll(wts, -3 * (n_chroma // 12), axis=0)
    return np.ascontiguousarray(wts[:, : int(1 + n_fft / 2)], dtype=np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device)
    samples = int(round(a.seconds * SR))
    audio = synth(a.clips, samples, SR)
    if dev.type == "cuda":
        audio = audio.to(dev)
    melkw = dict(n_fft=N_FFT, hop_length=HOP, n_mels=N_MELS, center=True, pad_mode="constant",
                 power=2.0, norm="slaney", mel_scale="slaney")
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=SR, **melkw).to(dev)
    to_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80.0).to(dev)
    mfcc = torchaudio.transforms.MFCC(sample_rate=SR, n_mfcc=N_MFCC, log_mels=False,
                                      melkwargs=melkw).to(dev)
    spec = torchaudio.transforms.Spectrogram(n_fft=N_FFT, hop_length=HOP, center=True,
                                             pad_mode="constant", power=2.0).to(dev)
    fb = torch.from_numpy(chroma_filterbank(SR, N_FFT, N_CHROMA)).to(dev)

    def chroma(x):
        c = torch.matmul(fb, spec(x))  # [12, bins] @ [B, bins, T]
        return c / c.amax(dim=-2, keepdim=True).clamp_min(torch.finfo(c.dtype).tiny)

    jobs = [("log_mel", lambda x: to_db(mel(x)), "torchaudio MelSpectrogram + AmplitudeToDB"),
            ("mfcc", mfcc, "torchaudio MFCC (melkwargs as log-mel)"),
            ("chroma", chroma, "torch: Spectrogram + librosa chroma filterbank matmul + max norm "
                               "(torchaudio 0.13 has no chroma)")]
    audio_s = a.clips * a.seconds
    print(f"torch {torch.__version__}, torchaudio {torchaudio.__version__}, device {dev}, "
          f"threads {torch.get_num_threads()}, {a.clips} clips x {a.seconds:.0f} s")
    with torch.inference_mode():
        for name, fn, what in jobs:
            fn(audio[: a.batch])  # warm-up
            best = float("inf")
            for _ in range(a.repeat):
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                for b0 in range(0, a.clips, a.batch):
                    fn(audio[b0: b0 + a.batch])
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                best = min(best, time.perf_counter() - t0)
            print(f"torch  {name:8s} {audio_s / best:10.1f} audio-s/s  ({best:.3f} s, best of "
                  f"{a.repeat}; {what})")


if __name__ == "__main__":
    main()
