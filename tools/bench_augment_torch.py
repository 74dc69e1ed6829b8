#!/usr/bin/env python3
"""The bench_augment batch in torch/torchaudio: the cost of each augmentation per training step.

One batch as a training step sees it: audio [B, S] (B clips of --seconds s at 22050 Hz,
synthetic tones, a sweep and a little noise) and its standardised log-mel [B, 1, 128, T]
(MelSpectrogram n_fft 2048, hop 512, 128 mels, Slaney, power 2, + AmplitudeToDB top_db 80,
then (x - mean) / std with the batch's own statistics). Then each transform on that batch:
FrequencyMasking / TimeMasking (iid_masks, one mask per example), mixup (lambda x +
(1 - lambda) x[perm]), gain (x * factor per clip, and torchaudio's Vol), polarity (negation),
time shift (torch.roll per clip), noise at an SNR (the formula: torchaudio 0.13 has no
functional.add_noise), speed perturbation by resampling (torchaudio.functional.resample from
round(22050 * factor) to 22050, what torchaudio's later transforms.Speed does). Per row: median
and min milliseconds per batch over --repeat timed batches after warm-up, and the ratio to the
features of the same batch. In-place transforms get a fresh copy of the batch each time (the
copy is not timed). The table has bench_augment's layout (row, how, median ms, min ms,
/features), so the two can be read side by side.

  /usr/bin/python3 tools/bench_augment_torch.py --threads 2 --batch 32 --seconds 3 --repeat 20

Not the same function in every row, the same work: torchaudio's masks are out of place
(masked_fill), its AmplitudeToDB uses ref 1 and a batch-wide top_db floor, its STFT pads by
reflection (mgr follows librosa); the noise here is torch.randn (mgr hashes (key, clip, sample)).
"""
import argparse
import math
import statistics
import time

import torch
import torchaudio

SR = 22050


def synth(clips, samples, sr):
    """Tones, a sweep and a little noise per clip (bench_augment's signal, up to the noise)."""
    t = torch.arange(samples, dtype=torch.float64) / sr
    i = torch.arange(samples, dtype=torch.float64)
    g = torch.Generator().manual_seed(12345)
    rows = []
    for b in range(clips):
        w0 = 2 * math.pi * 110.0 * (1 + b % 7) / sr
        x = 0.3 * torch.sin(w0 * i) + 0.2 * torch.sin(2 * math.pi * (100 + 200 * t) * t)
        rows.append(x + 0.01 * (torch.rand(samples, generator=g, dtype=torch.float64) - 0.5) * 2)
    return torch.stack(rows).float()


def timed(prepare, run, warmup, repeat):
    ms = []
    for r in range(warmup + repeat):
        arg = prepare()
        t0 = time.perf_counter()
        run(arg)
        t = (time.perf_counter() - t0) * 1e3
        if r >= warmup:
            ms.append(t)
    return statistics.median(ms), min(ms)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=32, help="clips per batch")
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per clip")
    ap.add_argument("--repeat", type=int, default=20, help="timed batches per row")
    ap.add_argument("--warmup", type=int, default=3, help="untimed batches before each row")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--awkward-speed", action="store_true",
                    help="also resample 22051 -> 22050 (no common factor; slow)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    B, S = args.batch, int(round(args.seconds * SR))
    audio = synth(B, S, SR)

    mel = torchaudio.transforms.MelSpectrogram(sample_rate=SR, n_fft=2048, hop_length=512,
                                               n_mels=128, power=2.0, norm="slaney",
                                               mel_scale="slaney")
    to_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80.0)

    def log_mel(x):
        return to_db(mel(x)).unsqueeze(1)  # [B, 1, 128, T]

    with torch.no_grad():
        f = log_mel(audio)
        mean, std = f.mean(), f.std()
        feats = (f - mean) / std
        print(f"workload: {B} clips x {args.seconds:.2f} s at {SR} Hz: audio [{B}, {S}], features "
              f"f32{list(feats.shape)} (MelSpectrogram + AmplitudeToDB, standardised); device "
              f"cpu; torch {torch.__version__}, torchaudio {torchaudio.__version__}, threads "
              f"{torch.get_num_threads()}; {args.warmup} warm-up + {args.repeat} timed batches")
        print(f"{'row':<11} {'how':<46} {'median ms':>10} {'min ms':>10} {'/features':>10}")

        def row(name, how, t, fm):
            print(f"{name:<11} {how:<46} {t[0]:10.3f} {t[1]:10.3f} {t[0] / fm:10.4f}", flush=True)

        def bench(prepare, run):
            return timed(prepare, run, args.warmup, args.repeat)

        none = lambda: None  # noqa: E731
        fresh_audio = lambda: audio.clone()  # noqa: E731

        tf = bench(none, lambda _: (log_mel(audio) - mean) / std)
        fm = tf[0]
        row("features", "MelSpectrogram + AmplitudeToDB + standardise", tf, fm)
        row("log_mel", "MelSpectrogram + AmplitudeToDB alone",
            bench(none, lambda _: log_mel(audio)), fm)

        fmask = torchaudio.transforms.FrequencyMasking(freq_mask_param=8, iid_masks=True)
        tmask = torchaudio.transforms.TimeMasking(time_mask_param=20, iid_masks=True)
        row("freq_mask", "FrequencyMasking(8, iid_masks) (out of place)",
            bench(none, lambda _: fmask(feats)), fm)
        row("time_mask", "TimeMasking(20, iid_masks) (out of place)",
            bench(none, lambda _: tmask(feats)), fm)
        perm = torch.randperm(B)
        row("mixup", "lam x + (1 - lam) x[perm], lam 0.7",
            bench(none, lambda _: 0.7 * feats + 0.3 * feats[perm]), fm)

        def mixup_drawn(_):
            lam = float(torch.distributions.Beta(0.4, 0.4).sample())
            p = torch.randperm(B)
            return lam * feats + (1 - lam) * feats[p]

        row("mixup", "the same, lam ~ Beta(0.4, 0.4) and perm drawn", bench(none, mixup_drawn), fm)
        gain_db = torch.linspace(-6.0, 6.0, B)
        factor = (10.0 ** (gain_db / 20.0))[:, None]
        row("gain", "x.mul_(10^(g/20) per clip), -6..6 dB",
            bench(fresh_audio, lambda x: x.mul_(factor)), fm)

        def gain_drawn(x):
            g = torch.empty(B, 1).uniform_(-6.0, 6.0)
            x.mul_(10.0 ** (g / 20.0))

        row("gain", "the same, g ~ U(-6, 6) drawn", bench(fresh_audio, gain_drawn), fm)
        vol = torchaudio.transforms.Vol(gain=3.0, gain_type="db")
        row("gain", "torchaudio Vol(3 dB) (one gain, clamps)",
            bench(none, lambda _: vol(audio)), fm)
        row("polarity", "x.neg_()", bench(fresh_audio, lambda x: x.neg_()), fm)
        sign = torch.tensor([(-1.0 if b % 2 else 1.0) for b in range(B)])[:, None]
        row("polarity", "x.mul_(sign per clip), every other clip -1",
            bench(fresh_audio, lambda x: x.mul_(sign)), fm)
        shifts = [int((b * 7919) % (SR + 1) - SR // 2) for b in range(B)]  # within +-0.5 s

        def roll_rows(x):
            return torch.stack([torch.roll(x[b], shifts[b]) for b in range(B)])

        row("time_shift", "torch.roll per clip, |shift| <= 0.5 s",
            bench(none, lambda _: roll_rows(audio)), fm)
        snr = torch.tensor([10.0 + 20.0 * (b % 11) / 10.0 for b in range(B)])

        def add_noise(x):
            # torchaudio >= 2.0's functional.add_noise: noise scaled to rms(x) 10^(-snr/20).
            rms = x.pow(2).mean(dim=-1).sqrt()
            sigma = rms * 10.0 ** (-snr / 20.0)
            x.add_(torch.randn_like(x) * sigma[:, None])

        row("noise", "x + randn * rms(x) 10^(-snr/20), 10..30 dB",
            bench(fresh_audio, add_noise), fm)
        for factor_s in (1.1, 0.9):
            src = int(round(SR * factor_s))
            g = math.gcd(src, SR)
            row("speed", f"functional.resample {src} -> {SR} ({src // g}:{SR // g})",
                bench(none, lambda _, s=src: torchaudio.functional.resample(audio, s, SR)), fm)
        if args.awkward_speed:
            # No common factor to cancel: a filter bank of 22050 phases (tens of seconds a batch).
            row("speed", f"functional.resample {SR + 1} -> {SR} (no gcd)",
                bench(none, lambda _: torchaudio.functional.resample(audio, SR + 1, SR)), fm)


if __name__ == "__main__":
    main()
