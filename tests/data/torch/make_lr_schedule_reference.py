#!/usr/bin/python3
"""Writes lr_schedule_reference.json: the learning rates PyTorch 1.13's schedulers give before
each update, which tests/test_lr_schedule.cpp compares with mgr::optim::LrSchedule.

Run with Debian's interpreter (torch 1.13 lives there):
    /usr/bin/python3 tests/data/torch/make_lr_schedule_reference.py

The lr of iteration i (0: before the first update) is read from the optimiser's param group,
then optimizer.step() and scheduler.step() run, as a training loop does. mgr's kinds map to
linear -> LinearLR(start_factor=1, end_factor=0, total_iters=total), step -> StepLR,
cosine -> CosineAnnealingLR(T_max=total, eta_min=min_lr). torch evaluates them recursively
(each lr from the previous one), so they agree with mgr's closed forms up to rounding.
"""
import json
import os

import torch


def trajectory(make_scheduler, base_lr, iterations):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make_scheduler(opt)
    lrs = []
    for _ in range(iterations):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return lrs


S = torch.optim.lr_scheduler
cases = [
    {"kind": "linear", "base_lr": 0.002, "total_iterations": 10,
     "lr": trajectory(lambda o: S.LinearLR(o, 1.0, 0.0, total_iters=10), 0.002, 11)},
    {"kind": "step", "base_lr": 0.1, "gamma": 0.5, "step_iterations": 3, "total_iterations": 10,
     "lr": trajectory(lambda o: S.StepLR(o, step_size=3, gamma=0.5), 0.1, 10)},
    {"kind": "cosine", "base_lr": 0.1, "min_lr": 0.001, "total_iterations": 10,
     "lr": trajectory(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 0.1, 11)},
    {"kind": "cosine", "base_lr": 0.05, "min_lr": 0.0, "total_iterations": 7,
     "lr": trajectory(lambda o: S.CosineAnnealingLR(o, T_max=7), 0.05, 8)},
]
out = {"torch_version": torch.__version__, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lr_schedule_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
