#!/usr/bin/python3
"""Reference values for mgr's lrn op (tests/test_lrn.cpp), computed by PyTorch.

Run with Debian's python (torch 1.13):  /usr/bin/python3 tests/data/torch/make_lrn_golden.py
Each case draws x [N,C,H,W] and R (the output seed) from a fixed numpy seed as float32, runs
torch.nn.functional.local_response_norm(x, size, alpha, beta, k) in float64 and backpropagates
loss = sum(y * R). Everything goes to one JSON file, lrn_golden.json: per case the parameters
and flat float lists in row-major order plus shapes. The inputs are float32 exactly, the
outputs float64 rounded to float32, so the C++ float32 op can be compared at ~1e-6 relative.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

# (name, shape, size, alpha, beta, k, input range)
CASES = [
    ("alexnet", (2, 7, 3, 4), 5, 1e-4, 0.75, 2.0, 1.0),     # Krizhevsky et al.'s constants
    ("strong", (2, 6, 3, 3), 3, 2.0, 0.75, 1.0, 2.0),       # alpha large enough to matter
    ("wide_window", (1, 4, 2, 5), 7, 1.5, 0.5, 0.5, 1.5),   # window wider than C: edges only
    ("size1", (2, 3, 2, 2), 1, 0.9, 1.25, 1.0, 1.0),        # each channel on its own
    ("max_size", (1, 17, 2, 3), 15, 3.0, 0.9, 1e-5, 1.0),   # cuDNN's largest odd window, tiny k
]


def f32(a):
    return np.asarray(a, dtype=np.float32)


def entry(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "data": [float(v) for v in f32(a).ravel()]}


def make_case(name, shape, size, alpha, beta, k, scale, seed):
    rng = np.random.default_rng(seed)
    x = f32(rng.uniform(-scale, scale, size=shape))
    r = f32(rng.uniform(-1, 1, size=shape))
    xt = torch.from_numpy(x.astype(np.float64)).requires_grad_(True)
    y = F.local_response_norm(xt, size, alpha=alpha, beta=beta, k=k)
    (y * torch.from_numpy(r.astype(np.float64))).sum().backward()
    return {"name": name, "size": size, "alpha": alpha, "beta": beta, "k": k, "x": entry(x),
            "R": entry(r), "y": entry(y.detach().numpy()), "grad_x": entry(xt.grad.numpy())}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    cases = [make_case(*c, seed=200 + i) for i, c in enumerate(CASES)]
    with open(os.path.join(here, "lrn_golden.json"), "w") as f:
        json.dump({"torch_version": torch.__version__, "cases": cases}, f, separators=(",", ":"))
    print("wrote lrn_golden.json (%d cases)" % len(cases))


if __name__ == "__main__":
    main()
