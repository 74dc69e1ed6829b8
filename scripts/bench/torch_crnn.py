#!/usr/bin/env python3
"""PyTorch twin of the CRNN that tools/bench_crnn timed until 2026-12-01 (now bench_models with
scripts/bench/torch_models.py, which builds any YAML network): the crnn_gru.yaml model, Adam, batch 64, input 1x128x130.

Prints clips/s for a training step (forward + backward + Adam step) on CPU with N threads and,
when available, on CUDA. Run with Debian's python3-torch (python3 /usr/bin/python3) or any torch.
"""
import argparse
import time

import torch
import torch.nn as nn


class Crnn(nn.Module):
    def __init__(self, n_mels=128, frames=130, classes=10):
        super().__init__()
        self.block1 = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(32))
        self.block2 = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.BatchNorm2d(64))
        f = n_mels // 4
        self.gru = nn.GRU(64 * f, 64, batch_first=True)
        self.dense = nn.Linear(64, 64)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(64, classes)

    def forward(self, x):
        h = self.block2(self.block1(x))  # [B, C, F, T]
        b, c, f, t = h.shape
        h = h.permute(0, 3, 1, 2).reshape(b, t, c * f)
        seq, _ = self.gru(h)
        return self.out(self.drop(torch.relu(self.dense(seq[:, -1]))))


def bench(device, batch, steps, warmup):
    torch.manual_seed(1)
    model = Crnn().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    x = torch.randn(batch, 1, 128, 130, device=device)
    y = (torch.arange(batch) % 10).to(device)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        last = step().item()
    if device.type == "cuda":
        torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    print(f"torch crnn-train {str(device):<7} batch {batch} input 1x128x130: {secs / steps:.3f} s/step, "
          f"{batch * steps / secs:.1f} clips/s (last loss {last:.3f}) [torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--gpu-steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--devices", default="all", choices=["all", "cpu", "cuda"])
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.devices != "cuda":
        bench(torch.device("cpu"), a.batch, a.steps, a.warmup)
    if a.devices != "cpu":
        if torch.cuda.is_available():
            torch.backends.cudnn.benchmark = True
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            bench(torch.device("cuda"), a.batch, a.gpu_steps, a.warmup + 3)
        else:
            print("torch crnn-train cuda: not available, skipped")


if __name__ == "__main__":
    main()
