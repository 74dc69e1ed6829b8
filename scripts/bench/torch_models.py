#!/usr/bin/env python3
"""PyTorch twin of mgr's training-speed benchmark for any `model.layers` network.

    torch_models.py EXPERIMENT.yaml --input-shape C,D,T --classes N --batch B \
        [--threads 2] [--steps K] [--devices cpu|cuda|all]

Builds the YAML's network with scripts/parity/torch_model.py and prints clips/s of a training step
(forward + backward + optimiser step: the YAML's train.optimizer, Adam with eps 1e-7 as mgr's or SGD
with the YAML's momentum, lr = the YAML's train.lr or 1e-3) on the
CPU with N threads and, when available, on CUDA, one line per device in torch_crnn.py's format
with the experiment's name. The input shape is per clip (C,D,T, or D for a vector feature); the
C++ bench prints it for each experiment. Run with Debian's python3-torch (/usr/bin/python3) or any
torch with PyYAML.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
import torch_model as tm  # noqa: E402


def make_optimizer(params, train, lr):
    if train.get("optimizer", "adam") == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=float(train.get("momentum", 0.9)),
                               nesterov=bool(train.get("nesterov", False)))
    return torch.optim.Adam(params, lr=lr, eps=1e-7)


def bench(device, name, layers, shape, classes, batch, lr, steps, warmup, train=None):
    torch.manual_seed(1)
    model = tm.build_model(layers, shape, classes).to(device)
    model.train()
    opt = make_optimizer(model.parameters(), train or {}, lr)
    x = torch.randn(batch, *shape, device=device)
    y = (torch.arange(batch) % classes).to(device)
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
    dims = "x".join(str(d) for d in shape)
    print(f"torch {name}-train {str(device):<7} batch {batch} input {dims}: {secs / steps:.3f} s/step, "
          f"{batch * steps / secs:.1f} clips/s (last loss {last:.3f}) [torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads]", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("experiment")
    ap.add_argument("--input-shape", required=True, help="per clip: C,D,T or D")
    ap.add_argument("--classes", type=int, required=True)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--gpu-steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--devices", default="all", choices=["all", "cpu", "cuda"])
    a = ap.parse_args()
    shape = tuple(int(v) for v in a.input_shape.split(","))
    try:
        doc = tm.load_experiment(a.experiment)
        layers = tm.load_layers(a.experiment)
        tm.parse_layers(layers, shape, a.classes)  # fail here, with the layer named, not mid-run
    except tm.ModelSpecError as e:
        sys.exit(f"torch_models.py: {e}")
    name = doc.get("name") or os.path.splitext(os.path.basename(a.experiment))[0]
    train = doc.get("train") if isinstance(doc.get("train"), dict) else {}
    lr = float(train.get("lr", 1e-3))
    torch.set_num_threads(a.threads)
    if a.devices != "cuda":
        bench(torch.device("cpu"), name, layers, shape, a.classes, a.batch, lr, a.steps, a.warmup, train)
    if a.devices != "cpu":
        if torch.cuda.is_available():
            torch.backends.cudnn.benchmark = True
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            bench(torch.device("cuda"), name, layers, shape, a.classes, a.batch, lr, a.gpu_steps,
                  a.warmup + 3, train)
        else:
            print(f"torch {name}-train cuda: not available, skipped")


if __name__ == "__main__":
    main()
