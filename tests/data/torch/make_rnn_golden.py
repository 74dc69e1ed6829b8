#!/usr/bin/python3
"""Reference values for mgr's GRU/LSTM/tanh-RNN op (tests/test_rnn.cpp), computed by PyTorch.

Run with Debian's python (torch 1.13):  /usr/bin/python3 tests/data/torch/make_rnn_golden.py
For each case it builds torch.nn.GRU / torch.nn.LSTM / torch.nn.RNN(nonlinearity='tanh',
batch_first=True) with weights drawn from a
fixed numpy seed, runs x through it (zero initial state) and backpropagates
loss = sum(output * R) + sum(h_n * Rh) for fixed R, Rh. Everything is written to one JSON file per
case (rnn_<mode>_l<layers>_<uni|bi>.json): flat float lists in row-major order plus shapes.
Computation is in float64 and stored as float32-rounded values; the inputs are float32 exactly,
so the C++ float32 op can be compared at ~1e-5 relative.
"""
import json
import os

import numpy as np
import torch

B, T, IN, H = 2, 4, 5, 3
# The "rnn" cases come last so that the seeds (100 + index) of the GRU/LSTM cases are unchanged.
CASES = [(mode, layers, bi) for mode in ("gru", "lstm", "rnn") for layers, bi in
         ((1, False), (1, True), (2, False), (2, True))]
CLASSES = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}


def f32(a):
    return np.asarray(a, dtype=np.float32)


def make_case(mode, layers, bi, seed):
    rng = np.random.default_rng(seed)
    kwargs = {"nonlinearity": "tanh"} if mode == "rnn" else {}
    net = CLASSES[mode](IN, H, num_layers=layers, bidirectional=bi, batch_first=True,
                        **kwargs).double()
    params = {}
    with torch.no_grad():
        for name, p in net.named_parameters():
            v = f32(rng.uniform(-0.6, 0.6, size=tuple(p.shape)))
            p.copy_(torch.from_numpy(v.astype(np.float64)))
            params[name] = v
    x = f32(rng.uniform(-1, 1, size=(B, T, IN)))
    xt = torch.from_numpy(x.astype(np.float64)).requires_grad_(True)
    out, hn = net(xt)
    if mode == "lstm":
        hn = hn[0]
    r = f32(rng.uniform(-1, 1, size=tuple(out.shape)))
    rh = f32(rng.uniform(-1, 1, size=tuple(hn.shape)))
    loss = (out * torch.from_numpy(r.astype(np.float64))).sum() + \
        (hn * torch.from_numpy(rh.astype(np.float64))).sum()
    loss.backward()

    def entry(a):
        a = np.asarray(a)
        return {"shape": list(a.shape), "data": [float(v) for v in f32(a).ravel()]}

    case = {"mode": mode, "num_layers": layers, "bidirectional": bi, "batch": B, "time": T,
            "input_size": IN, "hidden": H, "x": entry(x), "R": entry(r), "Rh": entry(rh),
            "output": entry(out.detach().numpy()), "h_n": entry(hn.detach().numpy()),
            "grad_x": entry(xt.grad.numpy()), "params": {}, "grads": {}}
    for name, p in net.named_parameters():
        case["params"][name] = entry(params[name])
        case["grads"][name] = entry(p.grad.numpy())
    return case


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for i, (mode, layers, bi) in enumerate(CASES):
        case = make_case(mode, layers, bi, seed=100 + i)
        name = "rnn_%s_l%d_%s.json" % (mode, layers, "bi" if bi else "uni")
        with open(os.path.join(here, name), "w") as f:
            json.dump(case, f, separators=(",", ":"))
        print("wrote", name)


if __name__ == "__main__":
    main()
