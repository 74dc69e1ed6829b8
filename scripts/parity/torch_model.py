#!/usr/bin/python3
"""The PyTorch twin of mgr's `model.layers` graph (the contract: /work/spec/layers-spec.md, kept
in the repository as the `model.layers` section of docs/config.md once the C++ side lands).

    from torch_model import load_layers, build_model, load_mgr_checkpoint
    model = build_model(load_layers("experiments/x.yaml"), input_shape=(1, 128, 130), num_classes=10)
    load_mgr_checkpoint(model, "runs/x/best_model.h5")
    logits = model(torch.from_numpy(batch))          # batch: [B, C, D, T] (or [B, D])

`build_model` validates the list as strictly as the C++ side does (unknown type or key, wrong
value type or range, bad `in`, shape errors, last layer not [num_classes]); every error is a
ModelSpecError whose message names the layer (`layer 3 'c2' (conv2d): ...`).

The model holds an nn.ModuleDict `layers` keyed by layer name, so `model.layers.state_dict()`
has exactly mgr's parameter / buffer names (`c1.weight`, `gru.weight_ih_l0`, `r1.feed.bias`,
`bn1.running_mean`, ...; BatchNorm's num_batches_tracked is not one of them). `mgr_parameters`
and `mgr_buffers` give those names. Shapes in the YAML and in `Layer.out_shape` are per clip;
tensors in forward are batched ([B, ...]).

Run with Debian's python3 (torch 1.13, python3-yaml, python3-h5py).
"""
import math
import re
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import yaml


class ModelSpecError(ValueError):
    """A model.layers list the spec does not allow."""


class CheckpointError(ValueError):
    """An HDF5 checkpoint that does not fit the model."""


# ----------------------------------------------------------------------------------------------
# YAML: YAML 1.2 numbers (PyYAML follows YAML 1.1, which reads `1e-4` as a string; yaml-cpp, which
# the C++ side uses, reads it as a number).

class _Loader(yaml.SafeLoader):
    pass


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                    |\.[0-9_]+(?:[eE][-+][0-9]+)?
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."))


def load_yaml_text(text):
    return yaml.load(text, Loader=_Loader)


def load_experiment(path):
    """The whole experiment file as a dict."""
    with open(path, encoding="utf-8") as f:
        doc = load_yaml_text(f.read())
    if not isinstance(doc, dict):
        raise ModelSpecError(f"{path}: not a YAML map")
    return doc


def load_layers(path):
    """`model.layers` of an experiment YAML (the rest of the file is the C++ config's business)."""
    doc = load_experiment(path)
    model = doc.get("model")
    if not isinstance(model, dict) or "layers" not in model:
        raise ModelSpecError(f"{path}: no model.layers list (a `model: {{type: ...}}` section of the "
                             f"old fixed-architecture form cannot be built here)")
    layers = model["layers"]
    if not isinstance(layers, list) or not layers:
        raise ModelSpecError(f"{path}: model.layers must be a non-empty list of maps")
    return layers


# ----------------------------------------------------------------------------------------------
# The schema: per type, its keys and their defaults (REQUIRED: no default).

REQUIRED = object()
COMMON_KEYS = ("name", "type", "in")

SCHEMA = {
    "conv2d": {"channels": REQUIRED, "kernel": 3, "stride": 1, "padding": "same", "dilation": 1,
               "bias": True},
    "max_pool": {"size": 2, "stride": None},   # stride None: = size
    "avg_pool": {"size": 2, "stride": None},
    "global_max_pool": {},
    "global_avg_pool": {},
    "batch_norm": {"momentum": 0.1, "eps": 1e-5},
    "relu": {},
    "leaky_relu": {"slope": 0.01},
    "elu": {"alpha": 1.0},
    "tanh": {},
    "sigmoid": {},
    "dropout": {"rate": 0.5},
    "lrn": {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 1.0},
    "flatten": {},
    "to_sequence": {},
    "gru": {"units": REQUIRED, "layers": 1, "bidirectional": False, "return": "last"},
    "lstm": {"units": REQUIRED, "layers": 1, "bidirectional": False, "return": "last"},
    "rnn": {"units": REQUIRED, "layers": 1, "bidirectional": False, "return": "last"},
    "dense": {"units": REQUIRED, "bias": True},
    "concat": {"axis": -1},
    "rcl": {"channels": REQUIRED, "kernel": 3, "iterations": 3, "lrn_size": 5, "lrn_alpha": 0.001,
            "lrn_beta": 0.75, "lrn_k": 1.0},
}

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Layer:
    """One validated layer: its options with defaults applied, its inputs and per-clip shapes."""
    index: int
    name: str
    type: str
    inputs: list
    opts: dict
    in_shapes: list = field(default_factory=list)
    out_shape: tuple = ()

    def where(self):
        return f"layer {self.index} '{self.name}' ({self.type})"


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v):
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


class _Checker:
    def __init__(self, where):
        self.where = where

    def fail(self, key, msg):
        raise ModelSpecError(f"{self.where}: {key}: {msg}")

    def int_(self, key, v, lo=None, hi=None):
        if not _is_int(v):
            self.fail(key, f"expected an integer, got {v!r}")
        if lo is not None and v < lo:
            self.fail(key, f"must be >= {lo}, got {v}")
        if hi is not None and v > hi:
            self.fail(key, f"must be <= {hi}, got {v}")
        return v

    def float_(self, key, v, lo=None, hi=None, lo_open=False, hi_open=False):
        if not _is_num(v):
            self.fail(key, f"expected a number, got {v!r}")
        v = float(v)
        if lo is not None and (v < lo or (lo_open and v == lo)):
            self.fail(key, f"must be {'>' if lo_open else '>='} {lo}, got {v}")
        if hi is not None and (v > hi or (hi_open and v == hi)):
            self.fail(key, f"must be {'<' if hi_open else '<='} {hi}, got {v}")
        return v

    def bool_(self, key, v):
        if not isinstance(v, bool):
            self.fail(key, f"expected true or false, got {v!r}")
        return v

    def pair(self, key, v, lo=1):
        """int or [a, b] -> (a, b)."""
        if _is_int(v):
            v = [v, v]
        if not (isinstance(v, list) and len(v) == 2 and all(_is_int(x) for x in v)):
            self.fail(key, f"expected an integer or a list of two integers, got {v!r}")
        for x in v:
            if x < lo:
                self.fail(key, f"each value must be >= {lo}, got {v}")
        return (v[0], v[1])

    def enum(self, key, v, allowed):
        if v not in allowed:
            self.fail(key, f"expected one of {{{', '.join(allowed)}}}, got {v!r}")
        return v

    def units(self, key, v, num_classes):
        # A tree node's `children` is its class count: the caller passes it as num_classes (a
        # node's children, or the genres for the tree's flat baseline).
        if v in ("num_classes", "children"):
            return num_classes
        return self.int_(key, v, lo=1)


def _validate_options(layer_map, where, t, num_classes):
    """Applies defaults and checks every key's type and range."""
    ck = _Checker(where)
    schema = SCHEMA[t]
    for k in layer_map:
        if k not in COMMON_KEYS and k not in schema:
            allowed = ", ".join(list(COMMON_KEYS) + list(schema))
            raise ModelSpecError(f"{where}: unknown key '{k}' (keys of {t}: {allowed})")
    o = {}
    for k, default in schema.items():
        if k in layer_map:
            o[k] = layer_map[k]
        elif default is REQUIRED:
            raise ModelSpecError(f"{where}: missing required key '{k}'")
        else:
            o[k] = default
    if t == "conv2d":
        o["channels"] = ck.int_("channels", o["channels"], lo=1)
        o["kernel"] = ck.pair("kernel", o["kernel"])
        o["stride"] = ck.pair("stride", o["stride"])
        o["dilation"] = ck.pair("dilation", o["dilation"])
        o["bias"] = ck.bool_("bias", o["bias"])
        p = o["padding"]
        if p == "same":
            for axis, (k, s, d) in enumerate(zip(o["kernel"], o["stride"], o["dilation"])):
                if s != 1:
                    ck.fail("padding", f"'same' needs stride 1 (axis {axis} has stride {s})")
                if (d * (k - 1)) % 2:
                    ck.fail("padding", f"'same' needs dilation*(kernel-1) even (axis {axis}: "
                                       f"{d}*({k}-1) = {d * (k - 1)})")
            o["pad"] = tuple(d * (k - 1) // 2 for k, d in zip(o["kernel"], o["dilation"]))
        elif p == "valid":
            o["pad"] = (0, 0)
        elif isinstance(p, str):
            ck.fail("padding", f"expected same, valid, an integer or a list of two integers, got {p!r}")
        else:
            o["pad"] = ck.pair("padding", p, lo=0)
    elif t in ("max_pool", "avg_pool"):
        o["size"] = ck.pair("size", o["size"])
        # mgr writes the default as 0 ("the window size") in a resolved config.yaml; per axis.
        if o["stride"] is None or o["stride"] == 0:
            o["stride"] = o["size"]
        else:
            st = ck.pair("stride", o["stride"], lo=0)
            o["stride"] = tuple(o["size"][a] if st[a] == 0 else st[a] for a in range(2))
    elif t == "batch_norm":
        o["momentum"] = ck.float_("momentum", o["momentum"], 0.0, 1.0)
        o["eps"] = ck.float_("eps", o["eps"], 0.0, lo_open=True)
    elif t == "leaky_relu":
        o["slope"] = ck.float_("slope", o["slope"])
    elif t == "elu":
        o["alpha"] = ck.float_("alpha", o["alpha"])
    elif t == "dropout":
        o["rate"] = ck.float_("rate", o["rate"], 0.0, 1.0, hi_open=True)
    elif t == "lrn":
        o["size"] = ck.int_("size", o["size"], 1, 16)
        if o["size"] % 2 == 0:
            ck.fail("size", f"must be odd, got {o['size']}")
        o["alpha"] = ck.float_("alpha", o["alpha"])
        o["beta"] = ck.float_("beta", o["beta"])
        o["k"] = ck.float_("k", o["k"])
    elif t in ("gru", "lstm", "rnn"):
        o["units"] = ck.units("units", o["units"], num_classes)
        o["layers"] = ck.int_("layers", o["layers"], lo=1)
        o["bidirectional"] = ck.bool_("bidirectional", o["bidirectional"])
        o["return"] = ck.enum("return", o["return"], ("last", "sequence"))
    elif t == "dense":
        o["units"] = ck.units("units", o["units"], num_classes)
        o["bias"] = ck.bool_("bias", o["bias"])
    elif t == "concat":
        o["axis"] = ck.int_("axis", o["axis"])
    elif t == "rcl":
        o["channels"] = ck.int_("channels", o["channels"], lo=1)
        o["kernel"] = ck.int_("kernel", o["kernel"], lo=1)
        if o["kernel"] % 2 == 0:
            ck.fail("kernel", f"must be odd ('same' padding), got {o['kernel']}")
        o["iterations"] = ck.int_("iterations", o["iterations"], lo=1)
        o["lrn_size"] = ck.int_("lrn_size", o["lrn_size"], 1, 16)
        if o["lrn_size"] % 2 == 0:
            ck.fail("lrn_size", f"must be odd, got {o['lrn_size']}")
        o["lrn_alpha"] = ck.float_("lrn_alpha", o["lrn_alpha"])
        o["lrn_beta"] = ck.float_("lrn_beta", o["lrn_beta"])
        o["lrn_k"] = ck.float_("lrn_k", o["lrn_k"])
    return o


def _infer_shape(ly):
    """The per-clip output shape of a validated layer from its per-clip input shapes."""
    t, o = ly.type, ly.opts

    def need_rank(ranks, what):
        r = len(ly.in_shapes[0])
        if r not in ranks:
            raise ModelSpecError(f"{ly.where()}: needs {what} input, got per-clip shape "
                                 f"{list(ly.in_shapes[0])} from '{ly.inputs[0]}'")

    def positive(shape, why):
        if any(d < 1 for d in shape):
            raise ModelSpecError(f"{ly.where()}: output shape {list(shape)} is empty ({why}; input "
                                 f"{list(ly.in_shapes[0])})")
        return tuple(shape)

    s = ly.in_shapes[0]
    if t == "conv2d":
        need_rank((3,), "a [C, H, W]")
        out = [o["channels"]]
        for a in range(2):
            k, st, d, p = o["kernel"][a], o["stride"][a], o["dilation"][a], o["pad"][a]
            out.append((s[1 + a] + 2 * p - d * (k - 1) - 1) // st + 1)
        return positive(out, "the kernel is larger than the padded input")
    if t in ("max_pool", "avg_pool"):
        need_rank((3,), "a [C, H, W]")
        out = [s[0]] + [(s[1 + a] - o["size"][a]) // o["stride"][a] + 1 for a in range(2)]
        return positive(out, "the window is larger than the input")
    if t in ("global_max_pool", "global_avg_pool"):
        need_rank((3,), "a [C, H, W]")
        return (s[0],)
    if t == "batch_norm":
        need_rank((1, 3), "a [C, H, W] or [F]")
        return s
    if t in ("relu", "leaky_relu", "elu", "tanh", "sigmoid", "dropout"):
        return s
    if t == "lrn":
        need_rank((3,), "a [C, H, W]")
        return s
    if t == "flatten":
        return (int(np.prod(s)),)
    if t == "to_sequence":
        need_rank((3,), "a [C, F, T]")
        return (s[2], s[0] * s[1])
    if t in ("gru", "lstm", "rnn"):
        need_rank((2,), "a [T, F]")
        dirs = 2 if o["bidirectional"] else 1
        if o["return"] == "sequence":
            return (s[0], o["units"] * dirs)
        return (o["units"] * dirs,)
    if t == "dense":
        need_rank((1, 2), "an [F] or [T, F]")
        return s[:-1] + (o["units"],)
    if t == "concat":
        r = len(s)
        ax = o["axis"]
        if not -r <= ax < r:
            raise ModelSpecError(f"{ly.where()}: axis {ax} is out of range for rank-{r} inputs")
        ax %= r
        for n, si in zip(ly.inputs, ly.in_shapes):
            if len(si) != r or any(si[i] != s[i] for i in range(r) if i != ax):
                shapes = ", ".join(f"'{a}' {list(b)}" for a, b in zip(ly.inputs, ly.in_shapes))
                raise ModelSpecError(f"{ly.where()}: shapes must agree except on axis {o['axis']}: "
                                     f"{shapes}")
        out = list(s)
        out[ax] = sum(si[ax] for si in ly.in_shapes)
        return tuple(out)
    if t == "rcl":
        need_rank((3,), "a [C, H, W]")
        return (o["channels"], s[1], s[2])
    raise AssertionError(t)


def parse_layers(layers, input_shape, num_classes):
    """Validates a model.layers list; returns [Layer] with options and per-clip shapes."""
    input_shape = tuple(int(d) for d in input_shape)
    if len(input_shape) not in (1, 3) or any(d < 1 for d in input_shape):
        raise ModelSpecError(f"input shape must be [C, D, T] or [D] with positive sizes, got "
                             f"{list(input_shape)}")
    if not _is_int(num_classes) or num_classes < 1:
        raise ModelSpecError(f"num_classes must be a positive integer, got {num_classes!r}")
    if not isinstance(layers, list) or not layers:
        raise ModelSpecError("model.layers must be a non-empty list")
    shapes = {"input": input_shape}
    order = {"input": -1}
    out = []
    for i, m in enumerate(layers):
        if not isinstance(m, dict):
            raise ModelSpecError(f"layer {i}: expected a map with name and type, got {m!r}")
        name = m.get("name")
        if not isinstance(name, str):
            raise ModelSpecError(f"layer {i}: missing or non-string 'name' ({m!r})")
        where = f"layer {i} '{name}'"
        if not NAME_RE.match(name):
            raise ModelSpecError(f"{where}: name must match [A-Za-z_][A-Za-z0-9_]*")
        if name == "input":
            raise ModelSpecError(f"{where}: 'input' is reserved for the feature tensor")
        if name in order:
            raise ModelSpecError(f"{where}: duplicate name (layer {order[name]} is also '{name}')")
        t = m.get("type")
        if t not in SCHEMA:
            raise ModelSpecError(f"{where}: unknown type {t!r} (types: {', '.join(SCHEMA)})")
        where = f"layer {i} '{name}' ({t})"
        opts = _validate_options(m, where, t, num_classes)
        # in
        if t == "concat":
            if "in" not in m:
                raise ModelSpecError(f"{where}: 'in' is required (a list of >= 2 layer names)")
            ins = m["in"]
            if not (isinstance(ins, list) and len(ins) >= 2):
                raise ModelSpecError(f"{where}: in: expected a list of >= 2 layer names, got {ins!r}")
        else:
            default = out[-1].name if out else "input"
            ins = m.get("in", default)
            if not isinstance(ins, str):
                raise ModelSpecError(f"{where}: in: expected one layer name (a list is for concat), "
                                     f"got {ins!r}")
            ins = [ins]
        for src in ins:
            if not isinstance(src, str):
                raise ModelSpecError(f"{where}: in: expected layer names, got {src!r}")
            if src == name:
                raise ModelSpecError(f"{where}: in: a layer cannot read its own output (cycle)")
            if src not in order:
                later = [j for j, lm in enumerate(layers) if isinstance(lm, dict) and lm.get("name") == src]
                if later:
                    raise ModelSpecError(f"{where}: in: '{src}' is declared later (layer {later[0]}); "
                                         f"forward references are not allowed")
                raise ModelSpecError(f"{where}: in: no layer named '{src}'")
        ly = Layer(i, name, t, list(ins), opts, [shapes[s] for s in ins])
        ly.out_shape = _infer_shape(ly)
        shapes[name] = ly.out_shape
        order[name] = i
        out.append(ly)
    last = out[-1]
    if last.out_shape != (num_classes,):
        raise ModelSpecError(f"{last.where()}: the last layer is the model's output and must be "
                             f"[num_classes] = [{num_classes}], got {list(last.out_shape)}")
    return out


# ----------------------------------------------------------------------------------------------
# Modules. Each holds exactly the parameters mgr names (a torch class or a subclass of one, so no
# extra name level appears).

class GlobalPool(nn.Module):
    def __init__(self, mode):
        super().__init__()
        self.mode = mode

    def forward(self, x):
        return x.amax(dim=(2, 3)) if self.mode == "max" else x.mean(dim=(2, 3))

    def extra_repr(self):
        return self.mode


class Flatten(nn.Module):
    def forward(self, x):
        return torch.flatten(x, 1)


class ToSequence(nn.Module):
    """[B, C, F, T] -> [B, T, C*F], feature index c*F + f."""

    def forward(self, x):
        b, c, f, t = x.shape
        return x.permute(0, 3, 1, 2).reshape(b, t, c * f)


class Concat(nn.Module):
    def __init__(self, axis):
        super().__init__()
        self.axis = axis  # per-clip axis

    def forward(self, xs):
        return torch.cat(xs, dim=self.axis + 1 if self.axis >= 0 else self.axis)

    def extra_repr(self):
        return f"axis={self.axis}"


class _Recurrent:
    """Zero initial state; `last` = the final hidden state of each direction of the last layer,
    forward first ([B, dirs*units]); `sequence` = torch's output [B, T, dirs*units]."""

    def forward(self, x):
        out, h = super().forward(x)
        if self.mgr_return == "sequence":
            return out
        if isinstance(h, tuple):  # LSTM: (h_n, c_n)
            h = h[0]
        dirs = 2 if self.bidirectional else 1
        return h[-dirs:].permute(1, 0, 2).reshape(x.shape[0], dirs * self.hidden_size)

    def extra_repr(self):
        return super().extra_repr() + f", return={self.mgr_return}"


class Gru(_Recurrent, nn.GRU):
    pass


class Lstm(_Recurrent, nn.LSTM):
    pass


class Rnn(_Recurrent, nn.RNN):
    pass


class Rcl(nn.Module):
    """Recurrent convolutional layer (Liang & Hu 2015): x_0 = LRN(relu(f)), x_t = LRN(relu(f +
    recurrent(x_{t-1}))), f = feed(u); output x_T. Params feed.weight, feed.bias, recurrent.weight."""

    def __init__(self, c_in, o):
        super().__init__()
        k = o["kernel"]
        self.iterations = o["iterations"]
        self.feed = nn.Conv2d(c_in, o["channels"], k, padding=k // 2, bias=True)
        self.recurrent = nn.Conv2d(o["channels"], o["channels"], k, padding=k // 2, bias=False)
        self.lrn = nn.LocalResponseNorm(o["lrn_size"], o["lrn_alpha"], o["lrn_beta"], o["lrn_k"])

    def forward(self, u):
        f = self.feed(u)
        x = self.lrn(torch.relu(f))
        for _ in range(self.iterations):
            x = self.lrn(torch.relu(f + self.recurrent(x)))
        return x

    def extra_repr(self):
        return f"iterations={self.iterations}"


def _make_module(ly):
    t, o = ly.type, ly.opts
    s = ly.in_shapes[0]
    if t == "conv2d":
        return nn.Conv2d(s[0], o["channels"], o["kernel"], o["stride"], o["pad"], o["dilation"],
                         bias=o["bias"])
    if t == "max_pool":
        return nn.MaxPool2d(o["size"], o["stride"])
    if t == "avg_pool":
        return nn.AvgPool2d(o["size"], o["stride"])
    if t == "global_max_pool":
        return GlobalPool("max")
    if t == "global_avg_pool":
        return GlobalPool("avg")
    if t == "batch_norm":
        cls = nn.BatchNorm2d if len(s) == 3 else nn.BatchNorm1d
        return cls(s[0], eps=o["eps"], momentum=o["momentum"])
    if t == "relu":
        return nn.ReLU()
    if t == "leaky_relu":
        return nn.LeakyReLU(o["slope"])
    if t == "elu":
        return nn.ELU(o["alpha"])
    if t == "tanh":
        return nn.Tanh()
    if t == "sigmoid":
        return nn.Sigmoid()
    if t == "dropout":
        return nn.Dropout(o["rate"])
    if t == "lrn":
        return nn.LocalResponseNorm(o["size"], o["alpha"], o["beta"], o["k"])
    if t == "flatten":
        return Flatten()
    if t == "to_sequence":
        return ToSequence()
    if t in ("gru", "lstm", "rnn"):
        cls = {"gru": Gru, "lstm": Lstm, "rnn": Rnn}[t]
        kw = {"nonlinearity": "tanh"} if t == "rnn" else {}
        m = cls(s[1], o["units"], o["layers"], batch_first=True, bidirectional=o["bidirectional"], **kw)
        m.mgr_return = o["return"]
        return m
    if t == "dense":
        return nn.Linear(s[-1], o["units"], bias=o["bias"])
    if t == "concat":
        return Concat(o["axis"])
    if t == "rcl":
        return Rcl(s[0], o)
    raise AssertionError(t)


class MgrModel(nn.Module):
    """The layer graph, evaluated in declaration order. `layers`: nn.ModuleDict keyed by name."""

    def __init__(self, specs, input_shape, num_classes):
        super().__init__()
        self.specs = specs
        self.input_shape = tuple(input_shape)
        self.num_classes = num_classes
        self.layers = nn.ModuleDict()
        for ly in specs:
            # Straight into _modules: add_module refuses names that are attributes of ModuleDict
            # ('forward', 'training', 'keys', ...), which the spec allows as layer names.
            self.layers._modules[ly.name] = _make_module(ly)
        self.record_outputs = False
        self.outputs = {}

    def forward(self, x):
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"model input: expected [B, {', '.join(map(str, self.input_shape))}], "
                             f"got {list(x.shape)}")
        vals = {"input": x}
        for ly in self.specs:
            m = self.layers[ly.name]
            if ly.type == "concat":
                vals[ly.name] = m([vals[n] for n in ly.inputs])
            else:
                vals[ly.name] = m(vals[ly.inputs[0]])
        if self.record_outputs:
            self.outputs = vals
        return vals[self.specs[-1].name]

    def mgr_parameters(self):
        """{mgr name: parameter}, in registration order."""
        return dict(self.layers.named_parameters())

    def mgr_buffers(self):
        """{mgr name: buffer} (running_mean, running_var; not num_batches_tracked)."""
        return {n: b for n, b in self.layers.named_buffers() if not n.endswith("num_batches_tracked")}

    def summary(self):
        lines = [f"input {list(self.input_shape)}"]
        for ly in self.specs:
            n = sum(p.numel() for p in self.layers[ly.name].parameters())
            src = ",".join(ly.inputs)
            lines.append(f"{ly.name:<12} {ly.type:<16} <- {src:<16} {str(list(ly.out_shape)):<16} "
                         f"{n} params")
        return "\n".join(lines)


def build_model(layers, input_shape, num_classes):
    """An MgrModel for a model.layers list (list of dicts), per-clip input shape [C, D, T] or [D]."""
    return MgrModel(parse_layers(layers, input_shape, num_classes), input_shape, num_classes)


def set_parity_mode(model):
    """Training mode (batch norm uses batch statistics and updates its running ones) with every
    dropout layer as identity. model.train() / model.eval() leave this mode."""
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    return model


def labels(batch, num_classes):
    """The parity labels y_i = i % num_classes."""
    return torch.arange(batch) % num_classes


# ----------------------------------------------------------------------------------------------
# Checkpoints (framework/engine/checkpoint.cpp): float32 datasets parameters/<name>, buffers/<name>,
# file attributes epoch and validation_accuracy (float64 scalars).

def _entries(model):
    return ([("parameters/" + n, p) for n, p in model.mgr_parameters().items()] +
            [("buffers/" + n, b) for n, b in model.mgr_buffers().items()])


def save_mgr_checkpoint(model, path, epoch=0, validation_accuracy=0.0):
    import h5py
    with h5py.File(path, "w") as f:
        for key, t in _entries(model):
            f.create_dataset(key, data=t.detach().cpu().float().numpy().astype("<f4"))
        f.attrs["epoch"] = np.float64(epoch)
        f.attrs["validation_accuracy"] = np.float64(validation_accuracy)


def load_mgr_checkpoint(model, path, strict=True):
    """Copies every parameter and buffer from an mgr checkpoint. All problems (missing entry,
    wrong shape, and with strict=True entries the model does not have) are reported in one
    CheckpointError. Returns {'epoch', 'validation_accuracy'}."""
    import h5py
    problems = []
    with h5py.File(path, "r") as f:
        expected = _entries(model)
        for key, t in expected:
            if key not in f or not isinstance(f[key], h5py.Dataset):
                problems.append(f"no entry '{key}' (the model expects shape {list(t.shape)})")
                continue
            shape = tuple(f[key].shape)
            if shape != tuple(t.shape):
                problems.append(f"'{key}' has shape {list(shape)}, the model expects {list(t.shape)}")
        if strict:
            want = {k for k, _ in expected}
            for group in ("parameters", "buffers"):
                if group in f:
                    for n in f[group]:
                        if f"{group}/{n}" not in want:
                            problems.append(f"unexpected entry '{group}/{n}' (not in the model)")
        if problems:
            raise CheckpointError(f"{path}: does not fit the model ({len(problems)} problem"
                                  f"{'s' if len(problems) > 1 else ''}; was it saved from another "
                                  f"model or input shape?):\n  " + "\n  ".join(problems))
        with torch.no_grad():
            for key, t in expected:
                t.copy_(torch.from_numpy(np.asarray(f[key][...], dtype=np.float32)))
        info = {k: float(f.attrs[k]) if k in f.attrs else 0.0 for k in ("epoch", "validation_accuracy")}
    return info
