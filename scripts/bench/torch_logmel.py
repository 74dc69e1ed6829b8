#!/usr/bin/env python3
"""The bench_logmel workload in torchaudio, for a side-by-side throughput figure.

MelSpectrogram(n_fft 2048, hop 512, 128 mels, power 2, norm='slaney', mel_scale='slaney')
followed by AmplitudeToDB(stype='power', top_db=80), on a [clips, samples] batch of synthetic
audio. Prints audio-seconds per second on the CPU with torch.set_num_threads(N), and on the GPU
(synchronised) when torch.cuda.is_available().

  /usr/bin/python3 scripts/bench/torch_logmel.py --clips 64 --seconds 30 --threads 2

Not the same function, the same work: torchaudio 0.13's AmplitudeToDB uses ref = 1 (not the
clip's max) and, given [clips, mels, frames], takes the top_db floor over the whole batch
(amplitude_to_DB packs dim -3 as channels), and its STFT pads by reflection; mgr follows
librosa (zero padding, ref = each clip's max, floor per clip). FFT, power, mel and log costs match.
"""
import argparse
import math
import statistics
import time

import torch
import torchaudio


def synth(clips, samples, sr):
    t = torch.arange(samples, dtype=torch.float64) / sr
    rows = []
    g = torch.Generator().manual_seed(12345)
    for b in range(clips):
        x = (0.3 * torch.sin(2 * math.pi * (220 + 40 * b) * t) +
             0.2 * torch.sin(2 * math.pi * (100 + 200 * t) * t))
        rows.append(x + 0.01 * (torch.rand(samples, generator=g, dtype=torch.float64) - 0.5) * 2)
    return torch.stack(rows).float()


def run(device, audio, args, sr):
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=sr, n_fft=args.n_fft,
                                               hop_length=args.hop, n_mels=args.n_mels,
                                               power=2.0, norm="slaney",
                                               mel_scale="slaney").to(device)
    to_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80.0).to(device)
    x = audio.to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    with torch.no_grad():
        to_db(mel(x))  # warm-up
        sync()
        secs = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = to_db(mel(x))
            sync()
            secs.append(time.perf_counter() - t0)
    audio_s = audio.shape[0] * audio.shape[1] / sr
    med = statistics.median(secs)
    print(f"torch {device.type:4s} log-mel: {audio_s / med:10.1f} audio-s/s (median of {len(secs)}: "
          f"{med:.4f} s per batch; best {audio_s / min(secs):.1f} audio-s/s) out {tuple(out.shape)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n-fft", type=int, default=2048)
    ap.add_argument("--hop", type=int, default=512)
    ap.add_argument("--n-mels", type=int, default=128)
    args = ap.parse_args()
    sr = 22050
    torch.set_num_threads(args.threads)
    samples = round(args.seconds * sr)
    print(f"workload: {args.clips} clips x {args.seconds:.1f} s at {sr} Hz, n_fft {args.n_fft}, "
          f"hop {args.hop}, {args.n_mels} mels; torch {torch.__version__}, torchaudio "
          f"{torchaudio.__version__}, threads {torch.get_num_threads()}")
    audio = synth(args.clips, samples, sr)
    run(torch.device("cpu"), audio, args, sr)
    if torch.cuda.is_available():
        run(torch.device("cuda"), audio, args, sr)


if __name__ == "__main__":
    main()
