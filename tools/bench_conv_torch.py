"""PyTorch twin of tools/bench_conv.cpp: the CRNN's convolutional front end at batch 64 on the
CPU, same shapes and rows. Run with Debian's python (torch 1.13):
  /usr/bin/python3 tools/bench_conv_torch.py [--threads 2]"""
import argparse
import resource
import time

import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--batch", type=int, default=64)
ap.add_argument("--reps", type=int, default=5)
a = ap.parse_args()
torch.set_num_threads(a.threads)
B = a.batch
x = torch.rand(B, 1, 128, 130) * 2 - 1
w1 = ((torch.rand(32, 1, 3, 3) * 2 - 1) * 0.5).requires_grad_()
b1 = torch.zeros(32, requires_grad=True)
w2 = ((torch.rand(64, 32, 3, 3) * 2 - 1) * 0.05).requires_grad_()
b2 = torch.zeros(64, requires_grad=True)
g1, be1 = torch.ones(32, requires_grad=True), torch.zeros(32, requires_grad=True)
g2, be2 = torch.ones(64, requires_grad=True), torch.zeros(64, requires_grad=True)
rm1, rv1, rm2, rv2 = torch.zeros(32), torch.ones(32), torch.zeros(64), torch.ones(64)
p1 = (torch.rand(B, 32, 64, 65) * 2 - 1).requires_grad_()


def bn(h, g, b, rm, rv):
    return F.batch_norm(h, rm, rv, g, b, training=True, momentum=0.1, eps=1e-5)


rows = [
    ("conv1 1->32 on [B,1,128,130] (x no grad)", lambda: F.conv2d(x, w1, b1, padding=1)),
    ("conv2 32->64 on [B,32,64,65] (x grad)", lambda: F.conv2d(p1, w2, b2, padding=1)),
    ("maxpool 2x2 on [B,32,64,65]", lambda: F.max_pool2d(p1, 2)),
    ("batchnorm train on [B,32,64,65]", lambda: bn(p1, g1, be1, rm1, rv1)),
    ("conv1+pool+conv2",
     lambda: F.conv2d(F.max_pool2d(F.conv2d(x, w1, b1, padding=1), 2), w2, b2, padding=1)),
    ("front end: conv+bn+relu+pool x2",
     lambda: F.max_pool2d(F.relu(bn(F.conv2d(F.max_pool2d(F.relu(bn(
         F.conv2d(x, w1, b1, padding=1), g1, be1, rm1, rv1)), 2), w2, b2, padding=1),
         g2, be2, rm2, rv2)), 2)),
    ("front end without ReLU: conv+bn+pool x2",
     lambda: F.max_pool2d(bn(F.conv2d(F.max_pool2d(bn(
         F.conv2d(x, w1, b1, padding=1), g1, be1, rm1, rv1), 2), w2, b2, padding=1),
         g2, be2, rm2, rv2), 2)),
]


def cpu_ms():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return (u.ru_utime + u.ru_stime) * 1e3


def min_ms(fn, reps):
    """Minimum wall time of `reps` runs after one warm-up, and mean CPU time per run, as
    tools/bench_conv.cpp reports."""
    fn()
    t = []
    c0 = cpu_ms()
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append((time.perf_counter() - t0) * 1e3)
    return min(t), (cpu_ms() - c0) / reps


def fwd_bwd(f):
    y = f()
    y.backward(torch.ones_like(y))


def fwd_only(f):
    with torch.no_grad():
        f()


print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {B}, "
      f"min of {a.reps} (ms)")
for name, f in rows:
    tf, cf = min_ms(lambda: fwd_only(f), a.reps)
    tfb, cfb = min_ms(lambda: fwd_bwd(f), a.reps)
    print(f"{name:<44} fwd {tf:8.1f}  fwd+bwd {tfb:8.1f}  (cpu ms/run: fwd {cf:7.1f}, "
          f"fwd+bwd {cfb:7.1f})")
