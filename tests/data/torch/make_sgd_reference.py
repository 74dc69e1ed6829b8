#!/usr/bin/python3
"""Writes sgd_reference.json: torch.optim.SGD (PyTorch 1.13) trajectories that
tests/test_sgd.cpp replays with mgr::optim::SGD.

Run with Debian's interpreter (torch 1.13 lives there):
    /usr/bin/python3 tests/data/torch/make_sgd_reference.py

Hyperparameters are float32-representable values (mgr keeps them as float), passed to torch as
the exact doubles those floats hold. Gradients are fixed random tensors per step (stored), not
computed from a loss, so the file pins the optimiser alone. A null gradient means the parameter
has no gradient at that step (p.grad = None): torch skips it, and its momentum buffer starts at
the first step where it has one.
"""
import json
import os

import numpy as np
import torch

torch.manual_seed(0)


def f32(x):
    return float(np.float32(x))


def trajectory(lr, momentum, weight_decay, nesterov, steps, shapes, missing=()):
    """missing: (step, param index) pairs without a gradient."""
    params = [torch.randn(*s, dtype=torch.float32) * 0.5 for s in shapes]
    init = [p.clone() for p in params]
    params = [torch.nn.Parameter(p) for p in params]
    opt = torch.optim.SGD(params, lr=f32(lr), momentum=f32(momentum), dampening=0.0,
                          weight_decay=f32(weight_decay), nesterov=nesterov, foreach=False)
    grads, after = [], []
    for step in range(steps):
        g = [torch.randn(*s, dtype=torch.float32) * 0.1 for s in shapes]
        step_grads = []
        for k, (p, gi) in enumerate(zip(params, g)):
            if (step, k) in missing:
                p.grad = None
                step_grads.append(None)
            else:
                p.grad = gi.clone()
                step_grads.append(gi.flatten().tolist())
        opt.step()
        grads.append(step_grads)
        after.append([p.detach().flatten().tolist() for p in params])
    return {
        "options": {"lr": f32(lr), "momentum": f32(momentum), "weight_decay": f32(weight_decay),
                    "nesterov": nesterov},
        "shapes": [list(s) for s in shapes],
        "init": [p.flatten().tolist() for p in init],
        "grads": grads,
        "params_after_step": after,
    }


cases = [
    trajectory(0.1, 0.0, 0.0, False, 4, [(3, 4), (5,)]),
    trajectory(0.1, 0.0, 0.05, False, 4, [(2, 3), (4,)]),
    trajectory(0.05, 0.9, 0.0, False, 5, [(3, 4), (5,)]),
    trajectory(0.05, 0.9, 0.01, True, 5, [(2, 3), (4,)]),
    # The second parameter first gets a gradient at step 2 (its buffer starts there), and misses
    # one again at step 3 (its buffer is left as it is).
    trajectory(0.02, 0.8, 0.0, False, 5, [(4,), (3,)], missing={(0, 1), (1, 1), (3, 1)}),
    trajectory(0.02, 0.8, 0.02, True, 5, [(4,), (3,)], missing={(0, 1), (3, 1)}),
]
out = {"torch_version": torch.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sgd_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
