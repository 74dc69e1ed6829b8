#!/usr/bin/python3
"""Writes adam_reference.json: torch.optim.Adam (PyTorch 1.13) trajectories that
tests/test_adam.cpp replays with mgr::optim::Adam.

Run with Debian's interpreter (torch 1.13 lives there):
    /usr/bin/python3 tests/data/torch/make_adam_reference.py

Hyperparameters are float32-representable values (mgr keeps them as float), passed to torch as
the exact doubles those floats hold, so both sides compute the same bias corrections. Gradients
are fixed random tensors per step (stored), not computed from a loss, so the file pins the
optimiser alone.
"""
import json
import os

import numpy as np
import torch

torch.manual_seed(0)


def f32(x):
    return float(np.float32(x))


def trajectory(lr, beta1, beta2, eps, weight_decay, steps, shapes):
    params = [torch.randn(*s, dtype=torch.float32) * 0.5 for s in shapes]
    init = [p.clone() for p in params]
    params = [torch.nn.Parameter(p) for p in params]
    opt = torch.optim.Adam(params, lr=f32(lr), betas=(f32(beta1), f32(beta2)), eps=f32(eps),
                           weight_decay=f32(weight_decay), foreach=False)
    grads, after = [], []
    for _ in range(steps):
        g = [torch.randn(*s, dtype=torch.float32) * 0.1 for s in shapes]
        for p, gi in zip(params, g):
            p.grad = gi.clone()
        opt.step()
        grads.append([gi.flatten().tolist() for gi in g])
        after.append([p.detach().flatten().tolist() for p in params])
    return {
        "options": {"lr": f32(lr), "beta1": f32(beta1), "beta2": f32(beta2), "eps": f32(eps),
                    "weight_decay": f32(weight_decay)},
        "shapes": [list(s) for s in shapes],
        "init": [p.flatten().tolist() for p in init],
        "grads": grads,
        "params_after_step": after,
    }


cases = [
    trajectory(1e-2, 0.9, 0.999, 1e-7, 0.0, 6, [(3, 4), (5,)]),
    trajectory(3e-3, 0.8, 0.99, 1e-8, 0.05, 6, [(2, 3), (4,)]),
]
out = {"torch_version": torch.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "adam_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
