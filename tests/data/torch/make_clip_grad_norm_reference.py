#!/usr/bin/python3
"""Writes clip_grad_norm_reference.json: torch.nn.utils.clip_grad_norm_ (PyTorch 1.13, norm 2)
on fixed gradients, which tests/test_clip_grad.cpp replays with mgr::optim::clip_grad_norm.

Run with Debian's interpreter (torch 1.13 lives there):
    /usr/bin/python3 tests/data/torch/make_clip_grad_norm_reference.py

A null gradient is a parameter without one (p.grad = None): torch leaves it out of the norm.
"""
import json
import os

import numpy as np
import torch

torch.manual_seed(0)


def case(shapes, max_norm, grad_scale, missing=()):
    params = [torch.nn.Parameter(torch.zeros(*s)) for s in shapes]
    before = []
    for k, (p, s) in enumerate(zip(params, shapes)):
        if k in missing:
            before.append(None)
            continue
        p.grad = torch.randn(*s, dtype=torch.float32) * grad_scale
        before.append(p.grad.flatten().tolist())
    total = torch.nn.utils.clip_grad_norm_(params, float(np.float32(max_norm)))
    return {
        "shapes": [list(s) for s in shapes],
        "max_norm": float(np.float32(max_norm)),
        "grads": before,
        "total_norm": float(total),
        "grads_after": [None if p.grad is None else p.grad.flatten().tolist() for p in params],
    }


cases = [
    case([(3, 4), (5,), (2, 3, 2)], 1.0, 1.0),              # total ~ 5.5: clipped
    case([(3, 4), (5,), (2, 3, 2)], 100.0, 1.0),            # not clipped
    case([(4, 70), (300,), (1,)], 0.5, 0.1, missing={2}),   # rows of 70, a 1-D tensor > 256
    case([(6,), (2, 2)], 0.25, 0.01),                       # total ~ 0.03: not clipped
]
out = {"torch_version": torch.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "clip_grad_norm_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
