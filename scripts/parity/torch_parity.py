#!/usr/bin/python3
"""Parity goldens: what PyTorch computes for an mgr `model.layers` network.

    torch_parity.py EXPERIMENT.yaml --input-shape C,D,T --classes N --batch B \
        [--checkpoint ours.h5 | --seed S] [--input-seed S] --out DIR

Builds the network of EXPERIMENT.yaml's model.layers (scripts/parity/torch_model.py). Weights come
from an mgr checkpoint (--checkpoint, e.g. a run's best_model.h5) or from torch's default init
under --seed, with the batch-norm parameters and running statistics then drawn at random too (torch
starts them at weight 1, bias 0, mean 0, var 1, values that hide a missing or swapped term).
Either way the weights are written back in mgr's checkpoint layout to DIR/weights.h5.

A fixed input x [B, C, D, T] (or [B, D]) is drawn from numpy's default_rng(--input-seed) standard
normal, in float32. Then, all in float32 as the framework computes:
  - eval mode (dropout identity, batch norm with the running statistics): logits_eval
  - parity mode (training mode, batch norm with batch statistics, every dropout as identity):
    logits_train, the loss = mean softmax cross-entropy against y_i = i % N, the gradient of
    every parameter, and the batch-norm running statistics after that one forward pass.
The same is computed in float64 from the same float32 weights and input; the largest
|float32 - float64| per array is recorded in the manifest (f64_check) so that a test can pick an
honest tolerance. Files: DIR/manifest.json, input.bin, logits_train.bin, logits_eval.bin,
grad/<param>.bin, buffers_after/<buffer>.bin (raw little-endian float32, row-major), weights.h5.
"""
import argparse
import copy
import json
import os
import shlex
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_model as tm  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def parse_shape(s):
    try:
        shape = tuple(int(v) for v in s.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected C,D,T or D, got {s!r}")
    if len(shape) not in (1, 3) or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected C,D,T or D with positive sizes, got {s!r}")
    return shape


def randomise_batch_norm(model, seed):
    """Draws batch-norm weight, bias, running_mean and running_var (deterministic by seed)."""
    g = torch.Generator().manual_seed(seed + 7919)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                n = m.num_features
                m.weight.copy_(torch.rand(n, generator=g) + 0.5)           # [0.5, 1.5)
                m.bias.copy_(torch.rand(n, generator=g) - 0.5)             # [-0.5, 0.5)
                m.running_mean.copy_(torch.rand(n, generator=g) - 0.5)     # [-0.5, 0.5)
                m.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)  # [0.5, 2.0)


def compute(model, x, y):
    """(logits_eval, logits_train, loss, {param: grad}, {buffer: after}) of one model, its dtype."""
    model.eval()
    with torch.no_grad():
        logits_eval = model(x).detach().clone()
    tm.set_parity_mode(model)
    model.zero_grad(set_to_none=True)
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    grads = {n: (p.grad if p.grad is not None else torch.zeros_like(p)).detach().clone()
             for n, p in model.mgr_parameters().items()}
    unused = [n for n, p in model.mgr_parameters().items() if p.grad is None]
    buffers = {n: b.detach().clone() for n, b in model.mgr_buffers().items()}
    model.eval()
    return logits_eval, logits.detach(), loss.detach(), grads, buffers, unused


def diff(a32, a64):
    a = a32.double().cpu()
    b = a64.cpu()
    return {"max_abs_diff": float((a - b).abs().max()) if b.numel() else 0.0,
            "max_abs": float(b.abs().max()) if b.numel() else 0.0}


def rel_path(p):
    ap = os.path.abspath(p)
    return os.path.relpath(ap, REPO) if ap.startswith(REPO + os.sep) else p


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("experiment", help="an experiment YAML (or any YAML with model.layers)")
    ap.add_argument("--input-shape", type=parse_shape, required=True, help="per clip: C,D,T or D")
    ap.add_argument("--classes", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--checkpoint", help="an mgr checkpoint (HDF5) to load the weights from")
    src.add_argument("--seed", type=int, help="torch init seed (default 1 without --checkpoint)")
    ap.add_argument("--input-seed", type=int, default=1234, help="numpy seed of the input (1234)")
    ap.add_argument("--out", required=True, help="output folder (created)")
    a = ap.parse_args(argv)
    if a.batch < 1 or a.classes < 1:
        ap.error("--batch and --classes must be >= 1")

    torch.set_num_threads(1)  # one summation order, whatever the machine
    with open(a.experiment, encoding="utf-8") as f:
        yaml_text = f.read()
    layers = tm.load_layers(a.experiment)
    seed = None
    if a.checkpoint is None:
        seed = 1 if a.seed is None else a.seed
        torch.manual_seed(seed)
    model = tm.build_model(layers, a.input_shape, a.classes)
    if a.checkpoint is not None:
        tm.load_mgr_checkpoint(model, a.checkpoint)
    else:
        randomise_batch_norm(model, seed)

    os.makedirs(os.path.join(a.out, "grad"), exist_ok=True)
    tm.save_mgr_checkpoint(model, os.path.join(a.out, "weights.h5"))

    rng = np.random.default_rng(a.input_seed)
    x_np = rng.standard_normal((a.batch,) + a.input_shape).astype(np.float32)
    y = tm.labels(a.batch, a.classes)

    model64 = copy.deepcopy(model).double()  # before any forward pass changes the running stats
    x = torch.from_numpy(x_np)
    le, lt, loss, grads, bufs, unused = compute(model, x, y)
    le64, lt64, loss64, grads64, bufs64, _ = compute(model64, x.double(), y)

    arrays = {}

    def write(key, t, kind):
        a_np = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
        path = os.path.join(a.out, key + ".bin")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        a_np.tofile(path)
        arrays[key] = {"file": key + ".bin", "kind": kind, "shape": list(a_np.shape)}

    write("input", x, "input")
    write("logits_train", lt, "logits_train")
    write("logits_eval", le, "logits_eval")
    for n, g in grads.items():
        write(f"grad/{n}", g, "grad")
    for n, b in bufs.items():
        write(f"buffers_after/{n}", b, "buffer_after_train_forward")

    grad_checks = {n: diff(grads[n], grads64[n]) for n in grads}
    worst = max(grad_checks, key=lambda n: grad_checks[n]["max_abs_diff"]) if grad_checks else None
    # Gradients that are zero in exact arithmetic (e.g. the bias of a conv or dense layer whose
    # output goes through training-mode batch norm, which removes any per-channel shift): float32
    # leaves rounding noise there, so only an absolute tolerance makes sense for them.
    scale = max((c["max_abs"] for c in grad_checks.values()), default=0.0)
    zero = sorted(n for n, c in grad_checks.items() if c["max_abs"] <= 1e-9 * scale)
    rel = [c["max_abs_diff"] / c["max_abs"] for n, c in grad_checks.items() if n not in zero]
    f64 = {
        "logits_train": diff(lt, lt64),
        "logits_eval": diff(le, le64),
        "loss": {"max_abs_diff": abs(float(loss) - float(loss64)), "max_abs": abs(float(loss64))},
        "grads": {"max_abs_diff": grad_checks[worst]["max_abs_diff"] if worst else 0.0,
                  "worst": worst,
                  "max_abs": scale,
                  "max_rel_diff": max(rel, default=0.0),
                  "zero_in_exact_arithmetic": zero,
                  "per_parameter": grad_checks},
        "buffers_after": {n: diff(bufs[n], bufs64[n]) for n in bufs},
        "loss_f64": float(loss64),
    }

    specs = {ly.name: ly for ly in model.specs}
    manifest = {
        "kind": "torch_parity",
        "experiment": rel_path(a.experiment),
        "yaml": yaml_text,
        "input_shape": list(a.input_shape),
        "classes": a.classes,
        "batch": a.batch,
        "labels": y.tolist(),
        "loss": float(loss),
        "init": ({"source": "checkpoint", "path": rel_path(a.checkpoint)} if a.checkpoint else
                 {"source": "seed", "seed": seed, "torch_default_init": True,
                  "batch_norm_randomised": True}),
        "input_seed": a.input_seed,
        "input": "numpy default_rng(input_seed).standard_normal((batch, *input_shape)), float32",
        "parity_mode": "training mode (batch norm: batch statistics, biased variance; running "
                       "statistics updated with the unbiased one), every dropout the identity; "
                       "loss = mean softmax cross-entropy vs y_i = i % classes",
        "weights": "weights.h5",
        "parameters": {n: list(p.shape) for n, p in model.mgr_parameters().items()},
        "buffers": {n: list(b.shape) for n, b in model.mgr_buffers().items()},
        "unused_parameters": unused,
        "layer_shapes": {n: list(specs[n].out_shape) for n in specs},
        "arrays": arrays,
        "f64_check": f64,
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "command": " ".join(shlex.quote(s) for s in
                            ["scripts/parity/torch_parity.py"] + [rel_path(v) if os.path.exists(v) else v
                                                                   for v in (argv if argv is not None else sys.argv[1:])]),
    }
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{rel_path(a.out)}: loss {float(loss):.6f}; f32 vs f64: logits {f64['logits_train']['max_abs_diff']:.2e}, "
          f"grads {f64['grads']['max_abs_diff']:.2e} ({worst})"
          + (f"; unused parameters: {', '.join(unused)}" if unused else ""))


if __name__ == "__main__":
    try:
        main()
    except (tm.ModelSpecError, tm.CheckpointError) as e:
        sys.exit(f"torch_parity.py: {e}")
