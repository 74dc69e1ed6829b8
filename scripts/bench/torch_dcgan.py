#!/usr/bin/env python3
"""PyTorch twin of tools/bench_gan for experiments/dcgan_mel.yaml: the DCGAN of the PyTorch DCGAN
tutorial on 1 x 64 x 64 inputs (nz 100, ngf = ndf = 64, bias-free convolutions, batch norm),
one training step = the discriminator on a real and a generated batch (BCE with logits, the fake
detached) and an Adam step, then the generator's non-saturating loss through the updated
discriminator and its Adam step (lr 2e-4, betas (0.5, 0.999)), what mgr's GanTask does.

    torch_dcgan.py [--batch 128] [--threads 2] [--steps 3] [--devices cpu|cuda|all]
"""
import argparse
import time

import torch
import torch.nn as nn


def generator(nz=100, ngf=64):
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())


def discriminator(ndf=64):
    return nn.Sequential(
        nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 8), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False), nn.Flatten())


def init(m):
    name = m.__class__.__name__
    if name.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif name.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def bench(device, batch, steps, warmup):
    torch.manual_seed(1)
    g, d = generator().to(device), discriminator().to(device)
    g.apply(init)
    d.apply(init)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 1, 64, 64, device=device) * 2 - 1
    ones = torch.ones(batch, 1, device=device)
    zeros = torch.zeros(batch, 1, device=device)

    def step():
        z = torch.randn(batch, 100, 1, 1, device=device)
        fake = g(z)
        opt_d.zero_grad()
        err_d = loss(d(real), ones) + loss(d(fake.detach()), zeros)
        err_d.backward()
        opt_d.step()
        opt_g.zero_grad()
        err_g = loss(d(fake), ones)
        err_g.backward()
        opt_g.step()
        return err_d.item() + err_g.item()  # both losses read back, as mgr's progress does

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    secs = time.perf_counter() - t0
    print(f"torch dcgan_mel                {str(device):<7} batch {batch:>3}: {secs / steps:.3f} s/step, "
          f"{batch * steps / secs:.1f} clips/s (torch {torch.__version__}, {torch.get_num_threads()} threads)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--gpu-steps", type=int, default=30)
    p.add_argument("--devices", default="cpu")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.devices in ("cpu", "all"):
        bench(torch.device("cpu"), a.batch, a.steps, 1)
    if a.devices in ("cuda", "all") and torch.cuda.is_available():
        bench(torch.device("cuda"), a.batch, a.gpu_steps, 4)


if __name__ == "__main__":
    main()
