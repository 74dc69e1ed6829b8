#!/usr/bin/python3
"""The PyTorch side of scripts/bench/run_classify_benchmark.sh: what `classify RUN FOLDER` does,
written as one would in PyTorch + torchaudio, for a files/s figure beside mgr's (issue 12).

    OMP_NUM_THREADS=2 /usr/bin/python3 scripts/bench/torch_classify.py RUN FOLDER \
        [--threads 2] [--batch 64] [--csv out.csv]

For each audio file of FOLDER (searched recursively, sorted, the extensions `classify` takes):
torchaudio.load, mixed down to mono, resampled to the run's data.sample_rate when it differs
(torchaudio.functional.resample), cut into data.clip_seconds clips every data.clip_hop_seconds
(one zero-padded clip when the file is shorter), features computed with torchaudio with the run's
features.* values, standardised with the run's training statistics (metrics.json), then the run's
network (scripts/parity/torch_model.py, weights from best_model.h5) in evaluation mode under
torch.no_grad with torch.set_num_threads(N); clips of consecutive files are batched together
(--batch clips per batch), softmax, and per file the mean probability and the clip vote (ties:
the larger mean probability), as `classify` reports them.

Features (the types torchaudio computes the same way; anything else is refused with the key):
  log_mel: MelSpectrogram(n_fft, win_length, hop_length, window (periodic hann / hamming),
           center, pad_mode, n_mels, f_min, f_max, mel_scale, norm, power), then power_to_db as
           mgr (librosa) does it: 10 log10(max(S, amin)) minus the clip's reference (ref: max
           -> the clip's peak, one -> 1), clamped at top_db below the clip's peak. torchaudio's
           AmplitudeToDB takes ref = 1 and floors over the whole batch of a 3-D input, so the
           per-clip reference and floor are written out (two reductions over the clip).
  mfcc:    the same mel power, dB with features.mfcc_ref, orthonormal DCT-II
           (torchaudio.functional.create_dct(n_mfcc, n_mels, 'ortho'); what torchaudio.MFCC
           does), no lifter and no deltas.
The features are close to mgr's but not bit-identical (FFT, mel products and summation order
differ), so a file near a decision boundary may be decided differently; the benchmark reports
how often both sides agree.

Prints `torch classify: F files (C clips) in S s: X files/s ...` (the time from the first file
opened to the last file decided; model construction and imports excluded, the shell script
times the whole process as well) and, with --csv, one line per file:
path,clips,vote,top,<genre mean probabilities...> (classify --csv's columns that matter here).
"""
import argparse
import json
import os
import sys
import time

import torch
import torchaudio

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
import torch_model as tm  # noqa: E402

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".opus", ".mp3", ".au", ".aiff", ".aif")


class Unsupported(ValueError):
    """A run whose features this script cannot reproduce in torchaudio."""


def find_audio_files(inputs):
    """framework/infer/classify_files.cpp's find_audio_files: files kept, folders searched."""
    out = []
    for p in inputs:
        if not os.path.isdir(p):
            out.append(p)
            continue
        found = []
        for root, _, names in os.walk(p):
            found += [os.path.join(root, n) for n in names
                      if os.path.splitext(n)[1].lower() in AUDIO_EXTENSIONS]
        out += sorted(found, key=lambda s: s.encode())
    return out


class Features:
    """The run's features.* as torchaudio transforms, on [B, samples] float32 audio."""

    def __init__(self, f, sample_rate):
        kind = f.get("type", "log_mel")
        if kind not in ("log_mel", "mfcc"):
            raise Unsupported(f"features.type {kind}: only log_mel and mfcc are written here")
        for key, neutral in (("deltas", 0), ("lifter", 0.0), ("crop_frames", 0)):
            if f.get(key, neutral) != neutral:
                raise Unsupported(f"features.{key} = {f[key]}: not written here")
        window = {"hann": torch.hann_window, "hamming": torch.hamming_window}[f.get("window", "hann")]
        n_fft = int(f.get("n_fft", 2048))
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=sample_rate, n_fft=n_fft, win_length=int(f.get("win_length", 0)) or n_fft,
            hop_length=int(f.get("hop_length", 512)), f_min=float(f.get("fmin", 0.0)),
            f_max=float(f.get("fmax", 0.0)) or sample_rate / 2.0, n_mels=int(f.get("n_mels", 128)),
            window_fn=window, power=float(f.get("power", 2.0)), center=bool(f.get("center", True)),
            pad_mode=f.get("pad_mode", "constant"),
            norm="slaney" if f.get("mel_norm", "slaney") == "slaney" else None,
            mel_scale=f.get("mel_scale", "slaney"))
        self.amin = float(f.get("amin", 1e-10))
        self.top_db = float(f.get("top_db", 80.0))
        self.kind = kind
        self.ref = f.get("mfcc_ref", "max") if kind == "mfcc" else f.get("ref", "max")
        if kind == "mfcc":
            self.dct = torchaudio.functional.create_dct(int(f.get("n_mfcc", 20)),
                                                        int(f.get("n_mels", 128)), "ortho")

    def power_to_db(self, s):
        """librosa.power_to_db per clip of s [B, mels, frames]."""
        db = 10.0 * torch.log10(torch.clamp(s, min=self.amin))
        if self.ref == "max":
            peak = s.amax(dim=(-2, -1), keepdim=True)
            db = db - 10.0 * torch.log10(torch.clamp(peak, min=self.amin))
        if self.top_db > 0:
            db = torch.maximum(db, db.amax(dim=(-2, -1), keepdim=True) - self.top_db)
        return db

    def mfcc_from_db(self, db):
        """librosa.feature.mfcc(S=db, dct_type=2, norm='ortho') of db [B, mels, frames]."""
        return torch.matmul(db.transpose(-1, -2), self.dct).transpose(-1, -2)

    def __call__(self, audio):
        db = self.power_to_db(self.mel(audio))
        if self.kind == "mfcc":
            db = self.mfcc_from_db(db)
        return db.unsqueeze(1)  # [B, 1, D, T]: one channel, as mgr's time-frequency features


class Standardise:
    """features::apply_normalisation_ with the run's training statistics."""

    def __init__(self, st):
        self.mode = st["mode"]
        if self.mode == "none":
            return
        mean = torch.tensor(st["mean"], dtype=torch.float64)
        std = torch.clamp(torch.tensor(st["std"], dtype=torch.float64), min=1e-6)
        if self.mode == "global":
            self.scale, self.shift = float(1.0 / std[0]), float(-mean[0] / std[0])
        elif self.mode == "per_band":  # one per row of [C*D]
            self.scale = (1.0 / std).float().view(1, -1, 1)
            self.shift = (-mean / std).float().view(1, -1, 1)
        else:
            raise Unsupported(f"standardisation mode {self.mode}")

    def __call__(self, x):
        if self.mode == "none":
            return x
        if self.mode == "global":
            return x * self.scale + self.shift
        b = x.shape
        return (x.reshape(b[0], -1, b[-1]) * self.scale + self.shift).reshape(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", help="run directory of run_experiment (config.yaml, metrics.json, "
                                "best_model.h5)")
    ap.add_argument("inputs", nargs="+", help="audio files and folders")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64, help="clips per batch (across files)")
    ap.add_argument("--csv", help="write one line per file here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)

    cfg = tm.load_experiment(os.path.join(a.run, "config.yaml"))
    with open(os.path.join(a.run, "metrics.json"), encoding="utf-8") as fh:
        metrics = json.load(fh)
    names = metrics["class_names"]
    data = cfg["data"]
    sr = int(data["sample_rate"])
    clip = int(round(float(data["clip_seconds"]) * sr))
    hop = int(round(float(data["clip_hop_seconds"]) * sr))
    features = Features(cfg.get("features", {}), sr)
    standardise = Standardise(metrics["data"]["standardisation"])
    shape = tuple(features(torch.zeros(1, clip)).shape[1:])
    model = tm.build_model(cfg["model"]["layers"], shape, len(names))
    tm.load_mgr_checkpoint(model, os.path.join(a.run, "best_model.h5"))
    model.eval()
    files = find_audio_files(a.inputs)
    print(f"torch classify: {len(files)} files, {cfg.get('name', '?')} network on "
          f"{cfg['features'].get('type', 'log_mel')} {'x'.join(map(str, shape))} clips, "
          f"{torch.get_num_threads()} threads, batch {a.batch}; torch {torch.__version__}, "
          f"torchaudio {torchaudio.__version__} ({torchaudio.get_audio_backend()})", flush=True)

    probs = [[] for _ in files]  # per file: [clips, classes] rows, in clip order
    pending, owners = [], []      # clips waiting for a batch, and their file index
    errors = 0

    def flush():
        x = standardise(features(torch.stack(pending)))
        p = torch.softmax(model(x), dim=1)
        for i, row in zip(owners, p):
            probs[i].append(row)
        pending.clear()
        owners.clear()

    t0 = time.perf_counter()
    clips_total = 0
    with torch.no_grad():
        for i, path in enumerate(files):
            try:
                wav, file_sr = torchaudio.load(path)
            except Exception as e:  # noqa: BLE001 (a bad file is one line, as in classify)
                print(f"torch classify: error: {path}: {e}", file=sys.stderr)
                errors += 1
                continue
            wav = wav.mean(dim=0)
            if file_sr != sr:
                wav = torchaudio.functional.resample(wav, file_sr, sr)
            if wav.numel() < clip:
                wav = torch.nn.functional.pad(wav, (0, clip - wav.numel()))
            for off in range(0, wav.numel() - clip + 1, hop):
                pending.append(wav[off: off + clip])
                owners.append(i)
                clips_total += 1
                if len(pending) >= a.batch:
                    flush()
        if pending:
            flush()
    secs = time.perf_counter() - t0
    done = len(files) - errors
    print(f"torch classify: {done} files ({clips_total} clips) in {secs:.2f} s: "
          f"{done / secs:.2f} files/s, {clips_total / secs:.1f} clips/s", flush=True)

    if a.csv:
        with open(a.csv, "w", encoding="utf-8") as out:
            out.write("path,clips,vote,top," + ",".join(names) + "\n")
            for path, rows in zip(files, probs):
                if not rows:
                    continue
                p = torch.stack(rows)
                mean = p.mean(dim=0)
                votes = torch.bincount(p.argmax(dim=1), minlength=len(names))
                best = max(range(len(names)), key=lambda c: (int(votes[c]), float(mean[c])))
                out.write(f"{path},{len(rows)},{names[best]},{names[int(mean.argmax())]},"
                          + ",".join(f"{float(v):.6f}" for v in mean) + "\n")
    return 0 if done > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
