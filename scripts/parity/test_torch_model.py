#!/usr/bin/python3
"""Tests of the PyTorch twin (torch_model.py, torch_parity.py, ../bench/torch_models.py).

    /usr/bin/python3 scripts/parity/test_torch_model.py [-v]

Every parity configuration in tests/data/parity/ is built with the input shape, class count and
batch recorded in its golden manifest; shapes, parameter names, gradients, the committed goldens,
the checkpoint round trip, the validation errors and the semantics of to_sequence, `last`, rcl,
concat and parity mode are checked against plain torch code.
"""
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PARITY = os.path.join(REPO, "tests", "data", "parity")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "scripts", "bench"))
import torch_model as tm  # noqa: E402

torch.set_num_threads(1)


def configs():
    """(arch, layers, manifest) for every golden folder."""
    out = []
    for m in sorted(glob.glob(os.path.join(PARITY, "*", "manifest.json"))):
        arch = os.path.basename(os.path.dirname(m))
        with open(m) as f:
            man = json.load(f)
        out.append((arch, tm.load_layers(os.path.join(PARITY, arch + ".yaml")), man))
    return out


def read_bin(d, man, key):
    a = man["arrays"][key]
    return np.fromfile(os.path.join(d, a["file"]), dtype="<f4").reshape(a["shape"])


def build(layers, shape=(1, 8, 6), classes=3):
    return tm.build_model(layers, shape, classes)


class Configs(unittest.TestCase):
    def test_every_yaml_has_goldens(self):
        yamls = {os.path.basename(p)[:-5] for p in glob.glob(os.path.join(PARITY, "*.yaml"))}
        dirs = {a for a, _, _ in configs()}
        self.assertEqual(yamls, dirs)
        self.assertGreaterEqual(len(yamls), 10)

    def test_shapes_names_and_gradients(self):
        for arch, layers, man in configs():
            with self.subTest(arch=arch):
                shape, classes, batch = tuple(man["input_shape"]), man["classes"], man["batch"]
                torch.manual_seed(0)
                model = tm.build_model(layers, shape, classes)
                model.record_outputs = True
                tm.set_parity_mode(model)
                x = torch.randn(batch, *shape)
                out = model(x)
                self.assertEqual(tuple(out.shape), (batch, classes))
                # every layer's actual output has the inferred per-clip shape (and the manifest's)
                for ly in model.specs:
                    self.assertEqual(tuple(model.outputs[ly.name].shape), (batch,) + ly.out_shape,
                                     ly.name)
                    self.assertEqual(list(ly.out_shape), man["layer_shapes"][ly.name])
                # names: <layer>.<param>, exactly the manifest's; state_dict of the dict = them
                names = {ly.name for ly in model.specs}
                params = model.mgr_parameters()
                for n in params:
                    self.assertIn(n.split(".")[0], names)
                self.assertEqual({n: list(p.shape) for n, p in params.items()}, man["parameters"])
                self.assertEqual({n: list(b.shape) for n, b in model.mgr_buffers().items()},
                                 man["buffers"])
                sd = set(model.layers.state_dict())
                self.assertEqual({k for k in sd if not k.endswith("num_batches_tracked")},
                                 set(params) | set(model.mgr_buffers()))
                nn.functional.cross_entropy(out, tm.labels(batch, classes)).backward()
                zero = set(man["f64_check"]["grads"]["zero_in_exact_arithmetic"])
                for n, p in params.items():
                    self.assertIsNotNone(p.grad, f"{arch}: {n} has no gradient")
                    self.assertTrue(torch.isfinite(p.grad).all(), n)
                    if n not in zero:
                        self.assertGreater(float(p.grad.abs().max()), 0.0, f"{arch}: {n} grad is 0")

    def test_goldens_reproduce(self):
        """The committed goldens are what the model computes from the committed weights.h5."""
        for arch, layers, man in configs():
            with self.subTest(arch=arch):
                d = os.path.join(PARITY, arch)
                model = tm.build_model(layers, tuple(man["input_shape"]), man["classes"])
                tm.load_mgr_checkpoint(model, os.path.join(d, man["weights"]))
                x = torch.from_numpy(read_bin(d, man, "input").copy())
                self.assertEqual(list(x.shape), [man["batch"]] + man["input_shape"])
                model.eval()
                with torch.no_grad():
                    np.testing.assert_allclose(model(x).numpy(), read_bin(d, man, "logits_eval"),
                                               rtol=0, atol=1e-6)
                tm.set_parity_mode(model)
                logits = model(x)
                np.testing.assert_allclose(logits.detach().numpy(), read_bin(d, man, "logits_train"),
                                           rtol=0, atol=1e-6)
                loss = nn.functional.cross_entropy(logits, torch.tensor(man["labels"]))
                self.assertAlmostEqual(float(loss), man["loss"], delta=1e-6)
                loss.backward()
                for n, p in model.mgr_parameters().items():
                    np.testing.assert_allclose(p.grad.numpy(), read_bin(d, man, "grad/" + n),
                                               rtol=0, atol=1e-6, err_msg=n)
                for n, b in model.mgr_buffers().items():
                    np.testing.assert_allclose(b.numpy(), read_bin(d, man, "buffers_after/" + n),
                                               rtol=0, atol=1e-6, err_msg=n)
                self.assertEqual(man["unused_parameters"], [])
                self.assertLess(man["f64_check"]["grads"]["max_rel_diff"], 1e-3)
                self.assertEqual(tm.load_yaml_text(man["yaml"])["model"]["layers"], layers)

    def test_golden_sizes(self):
        total = 0
        for arch, _, _ in configs():
            size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(PARITY, arch, "**"),
                                                             recursive=True) if os.path.isfile(p))
            self.assertLess(size, 100_000, arch)
            total += size
        self.assertLess(total, 2_000_000)


class Checkpoint(unittest.TestCase):
    LAYERS = tm.load_layers(os.path.join(PARITY, "zoo.yaml"))
    SHAPE = (2, 16, 28)

    def model(self, seed):
        torch.manual_seed(seed)
        m = tm.build_model(self.LAYERS, self.SHAPE, 5)
        with torch.no_grad():
            for b in m.mgr_buffers().values():
                b.uniform_(0.5, 1.5)
        return m

    def test_round_trip(self):
        a, b = self.model(1), self.model(2)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "ck.h5")
            tm.save_mgr_checkpoint(a, path, epoch=7, validation_accuracy=0.25)
            with h5py.File(path) as f:
                names = set(f["parameters"]) | {"#" + n for n in f["buffers"]}
                self.assertEqual(names, set(a.mgr_parameters()) | {"#" + n for n in a.mgr_buffers()})
                self.assertIn("c1.weight" if "c1.weight" in f["parameters"] else "z1.weight",
                              f["parameters"])
                self.assertEqual(f["parameters/z1.weight"].dtype, np.dtype("<f4"))
                self.assertEqual(f["parameters/z1.weight"].shape, (4, 2, 3, 5))
                self.assertNotIn("bn.num_batches_tracked", f["buffers"])
                self.assertEqual(f.attrs["epoch"].dtype, np.float64)
            info = tm.load_mgr_checkpoint(b, path)
            self.assertEqual(info, {"epoch": 7.0, "validation_accuracy": 0.25})
        for (n, p), (_, q) in zip(a.layers.state_dict().items(), b.layers.state_dict().items()):
            self.assertTrue(torch.equal(p, q), n)
        x = torch.randn(3, *self.SHAPE)
        a.eval(), b.eval()
        self.assertTrue(torch.equal(a(x), b(x)))

    def test_errors_name_every_problem(self):
        a = self.model(1)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "ck.h5")
            tm.save_mgr_checkpoint(a, path)
            with h5py.File(path, "r+") as f:
                del f["parameters/z3.bias"]
                del f["parameters/hid.weight"]
                f.create_dataset("parameters/hid.weight", data=np.zeros((10, 37), "<f4"))
                f.create_dataset("parameters/extra.weight", data=np.zeros(3, "<f4"))
                del f["buffers/bn.running_var"]
            with self.assertRaises(tm.CheckpointError) as e:
                tm.load_mgr_checkpoint(self.model(2), path)
            msg = str(e.exception)
            for s in ("no entry 'parameters/z3.bias'", "'parameters/hid.weight' has shape [10, 37], "
                      "the model expects [10, 38]", "unexpected entry 'parameters/extra.weight'",
                      "no entry 'buffers/bn.running_var'", "4 problems"):
                self.assertIn(s, msg)
            # non-strict ignores extra entries (as the C++ loader does) but not the others
            with self.assertRaises(tm.CheckpointError) as e:
                tm.load_mgr_checkpoint(self.model(2), path, strict=False)
            self.assertNotIn("extra.weight", str(e.exception))


class Validation(unittest.TestCase):
    BASE = [{"name": "flat", "type": "flatten"}, {"name": "out", "type": "dense", "units": 3}]

    def rejects(self, layers, *fragments, shape=(1, 8, 6), classes=3):
        with self.assertRaises(tm.ModelSpecError) as e:
            tm.build_model(layers, shape, classes)
        for s in fragments:
            self.assertIn(s, str(e.exception))
        return str(e.exception)

    def conv(self, **kw):
        return [dict(dict(name="c", type="conv2d", channels=2), **kw)] + self.BASE

    def test_accepts_base(self):
        build(self.BASE)

    def test_names(self):
        self.rejects([{"name": "1x", "type": "flatten"}] + self.BASE[1:], "layer 0 '1x'", "name must")
        self.rejects([{"name": "input", "type": "flatten"}] + self.BASE[1:], "'input' is reserved")
        self.rejects([{"name": "out", "type": "flatten"}] + self.BASE[1:], "duplicate name")
        self.rejects([{"type": "flatten"}] + self.BASE[1:], "layer 0", "name")
        self.rejects([{"name": "a.b", "type": "flatten"}] + self.BASE[1:], "'a.b'")

    def test_type_and_keys(self):
        self.rejects([{"name": "f", "type": "conv3d"}] + self.BASE, "layer 0 'f'", "unknown type 'conv3d'")
        self.rejects([{"name": "f", "type": "flatten", "axis": 1}] + self.BASE[1:],
                     "layer 0 'f' (flatten)", "unknown key 'axis'")
        self.rejects(self.conv(kernal=3), "layer 0 'c' (conv2d)", "unknown key 'kernal'")
        self.rejects([{"name": "c", "type": "conv2d"}] + self.BASE, "'c'", "missing required key 'channels'")
        self.rejects(self.BASE[:1] + [{"name": "out", "type": "dense"}], "'out'", "'units'")

    def test_values(self):
        self.rejects(self.conv(channels=0), "'c'", "channels", ">= 1")
        self.rejects(self.conv(channels=2.0), "'c'", "channels", "integer")
        self.rejects(self.conv(kernel=[3, 3, 3]), "'c'", "kernel")
        self.rejects(self.conv(bias="yes"), "'c'", "bias")
        self.rejects(self.conv(padding="full"), "'c'", "padding")
        self.rejects(self.conv(padding=-1), "'c'", "padding")
        self.rejects(self.conv(stride=2), "'c'", "'same' needs stride 1 (axis 0")
        self.rejects(self.conv(kernel=[3, 2]), "'c'", "'same' needs dilation*(kernel-1) even (axis 1")
        self.rejects(self.conv(kernel=9, padding="valid"), "'c'", "empty")
        build(self.conv(kernel=2, dilation=2))  # 2*(2-1) even: same is fine
        build(self.conv(kernel=[2, 4], stride=[2, 3], padding="valid"))
        self.rejects([{"name": "d", "type": "dropout", "rate": 1.0}] + self.BASE, "'d'", "rate", "< 1.0")
        self.rejects([{"name": "n", "type": "lrn", "size": 4}] + self.BASE, "'n'", "odd")
        self.rejects([{"name": "n", "type": "lrn", "size": 17}] + self.BASE, "'n'", "<= 16")
        self.rejects([{"name": "b", "type": "batch_norm", "eps": 0}] + self.BASE, "'b'", "eps")
        self.rejects([{"name": "b", "type": "batch_norm", "momentum": 1.5}] + self.BASE, "'b'", "momentum")
        self.rejects([{"name": "r", "type": "rcl", "channels": 2, "kernel": 4}] + self.BASE, "'r'", "odd")
        self.rejects([{"name": "r", "type": "rcl", "channels": 2, "iterations": 0}] + self.BASE, "'r'")
        self.rejects([{"name": "p", "type": "max_pool", "size": 9}] + self.BASE, "'p'", "empty")

    def test_in(self):
        self.rejects([{"name": "f", "type": "flatten", "in": "out"}] + self.BASE[1:],
                     "layer 0 'f'", "declared later", "forward references")
        self.rejects([{"name": "f", "type": "flatten", "in": "f"}] + self.BASE[1:], "'f'", "cycle")
        self.rejects([{"name": "f", "type": "flatten", "in": "nope"}] + self.BASE[1:], "no layer named 'nope'")
        self.rejects([{"name": "f", "type": "flatten", "in": ["input"]}] + self.BASE[1:], "'f'", "concat")
        self.rejects(self.BASE[:1] + [{"name": "cat", "type": "concat", "in": ["flat"]},
                                      {"name": "out", "type": "dense", "units": 3}], "'cat'", ">= 2")
        self.rejects(self.BASE[:1] + [{"name": "cat", "type": "concat"},
                                      {"name": "out", "type": "dense", "units": 3}], "'cat'", "required")
        self.rejects([{"name": "c", "type": "conv2d", "channels": 2},
                      {"name": "cat", "type": "concat", "in": ["c", "input"], "axis": 1}] + self.BASE,
                     "'cat'", "shapes must agree except on axis 1")
        self.rejects([{"name": "g", "type": "global_avg_pool"},
                      {"name": "cat", "type": "concat", "in": ["g", "g"], "axis": 1},
                      {"name": "out", "type": "dense", "units": 3}], "'cat'", "axis 1 is out of range")

    def test_ranks_and_output(self):
        self.rejects([{"name": "g", "type": "gru", "units": 4}] + self.BASE, "'g' (gru)", "[T, F]")
        self.rejects([{"name": "d", "type": "dense", "units": 4}] + self.BASE, "'d' (dense)", "[F] or [T, F]")
        self.rejects([{"name": "s", "type": "to_sequence"}, {"name": "b", "type": "batch_norm"}] + self.BASE,
                     "'b' (batch_norm)", "[C, H, W] or [F]")
        self.rejects(self.BASE + [{"name": "s", "type": "to_sequence"}], "'s'", "[C, F, T]")
        self.rejects(self.BASE + [{"name": "p", "type": "max_pool"}], "'p'")
        self.rejects(self.BASE[:1] + [{"name": "out", "type": "dense", "units": 4}],
                     "layer 1 'out' (dense)", "must be [num_classes] = [3], got [4]")
        self.rejects(self.BASE[:1], "'flat'", "[num_classes]")
        self.rejects([{"name": "s", "type": "to_sequence"}, {"name": "g", "type": "gru", "units": 3,
                                                             "return": "sequence"}], "'g'", "got [6, 3]")
        self.rejects([{"name": "s", "type": "to_sequence"}, {"name": "g", "type": "gru", "units": 3,
                                                             "return": "first"}], "'g'", "return")
        self.rejects(self.BASE[:1] + [{"name": "out", "type": "dense", "units": "children"}],
                     "'out'", "not supported yet")
        self.rejects(self.BASE, "input shape", shape=(1, 8))

    def test_placeholders_yaml_numbers_and_odd_names(self):
        text = """
model:
  layers:
    - {name: forward, type: lrn, alpha: 1e-3, k: 1}
    - {name: training, type: to_sequence}
    - {name: keys, type: gru, units: num_classes}
"""
        layers = tm.load_yaml_text(text)["model"]["layers"]
        self.assertEqual(layers[0]["alpha"], 1e-3)
        m = tm.build_model(layers, (1, 8, 6), 4)
        self.assertEqual(set(m.mgr_parameters()), {f"keys.{w}_{k}_l0" for w in ("weight", "bias")
                                                    for k in ("ih", "hh")})
        self.assertEqual(tuple(m(torch.randn(2, 1, 8, 6)).shape), (2, 4))
        self.assertTrue(m.training)
        self.assertEqual(m.layers["keys"].hidden_size, 4)


class Semantics(unittest.TestCase):
    def test_to_sequence_order(self):
        m = build([{"name": "s", "type": "to_sequence"}, {"name": "f", "type": "flatten"},
                   {"name": "out", "type": "dense", "units": 3}], shape=(2, 3, 4))
        m.record_outputs = True
        x = torch.arange(24.).reshape(1, 2, 3, 4)
        m(x)
        s = m.outputs["s"][0]
        for c in range(2):
            for f in range(3):
                for t in range(4):
                    self.assertEqual(float(s[t, c * 3 + f]), float(x[0, c, f, t]))

    def test_bidirectional_last(self):
        for typ in ("gru", "lstm", "rnn"):
            for nl in (1, 2):
                m = build([{"name": "s", "type": "to_sequence"},
                           {"name": "r", "type": typ, "units": 3, "layers": nl, "bidirectional": True}],
                          shape=(1, 5, 7), classes=6)
                x = torch.randn(2, 1, 5, 7)
                rnn = m.layers["r"]
                seq = x.permute(0, 3, 1, 2).reshape(2, 7, 5)
                out, _ = type(rnn).__bases__[1].forward(rnn, seq)  # torch's own GRU/LSTM/RNN
                want = torch.cat([out[:, -1, :3], out[:, 0, 3:]], dim=1)  # fwd end, bwd end (t=0)
                self.assertTrue(torch.allclose(m(x), want, atol=1e-6), (typ, nl))
                m2 = build([{"name": "s", "type": "to_sequence"},
                            {"name": "r", "type": typ, "units": 3, "layers": nl}], shape=(1, 5, 7), classes=3)
                r2 = m2.layers["r"]
                out2, _ = type(r2).__bases__[1].forward(r2, seq)
                self.assertTrue(torch.allclose(m2(x), out2[:, -1], atol=1e-6))

    def test_dense_per_step_and_concat_axes(self):
        m = build([{"name": "s", "type": "to_sequence"}, {"name": "d", "type": "dense", "units": 2},
                   {"name": "cat", "type": "concat", "in": ["d", "d"], "axis": 0},
                   {"name": "cat2", "type": "concat", "in": ["cat", "cat"]},
                   {"name": "f", "type": "flatten"}, {"name": "out", "type": "dense", "units": 3}],
                  shape=(1, 4, 5))
        m.record_outputs = True
        x = torch.randn(2, 1, 4, 5)
        m(x)
        d = m.outputs["d"]
        lin = m.layers["d"]
        for t in range(5):
            self.assertTrue(torch.allclose(d[:, t], lin(m.outputs["s"][:, t])))
        self.assertEqual(tuple(m.outputs["cat"].shape), (2, 10, 2))
        self.assertEqual(tuple(m.outputs["cat2"].shape), (2, 10, 4))
        self.assertTrue(torch.equal(m.outputs["cat"][:, 5:], d))

    def test_rcl(self):
        m = build([{"name": "r", "type": "rcl", "channels": 3, "kernel": 3, "iterations": 2,
                    "lrn_size": 3, "lrn_alpha": 0.01, "lrn_beta": 0.5, "lrn_k": 2.0},
                   {"name": "g", "type": "global_max_pool"}], shape=(2, 6, 5))
        r = m.layers["r"]
        self.assertEqual({n: tuple(p.shape) for n, p in m.mgr_parameters().items()},
                         {"r.feed.weight": (3, 2, 3, 3), "r.feed.bias": (3,), "r.recurrent.weight": (3, 3, 3, 3)})
        u = torch.randn(2, 2, 6, 5)

        def lrn(v):  # b_c = a_c / (k + alpha/n * sum over the n channels around c of a^2)^beta
            sq = nn.functional.pad(v * v, (0, 0, 0, 0, 1, 1))
            s = sq[:, :-2] + sq[:, 1:-1] + sq[:, 2:]
            return v / (2.0 + 0.01 / 3 * s) ** 0.5

        f = nn.functional.conv2d(u, r.feed.weight, r.feed.bias, padding=1)
        x = lrn(torch.relu(f))
        for _ in range(2):
            x = lrn(torch.relu(f + nn.functional.conv2d(x, r.recurrent.weight, padding=1)))
        self.assertTrue(torch.allclose(m(u), x.amax(dim=(2, 3)), atol=1e-6))

    def test_same_padding_keeps_shape(self):
        for k, d in ((3, 1), (5, 1), (3, 2), (2, 2), ([3, 5], [1, 3])):
            m = build([{"name": "c", "type": "conv2d", "channels": 2, "kernel": k, "dilation": d},
                       {"name": "g", "type": "global_avg_pool"}, {"name": "out", "type": "dense", "units": 3}],
                      shape=(1, 9, 11))
            m.record_outputs = True
            m(torch.randn(1, 1, 9, 11))
            self.assertEqual(tuple(m.outputs["c"].shape), (1, 2, 9, 11), (k, d))

    def test_parity_mode(self):
        m = build([{"name": "f", "type": "flatten"}, {"name": "b", "type": "batch_norm"},
                   {"name": "d", "type": "dropout", "rate": 0.9}, {"name": "out", "type": "dense", "units": 3}])
        x = torch.randn(8, 1, 8, 6)
        tm.set_parity_mode(m)
        y1 = m(x)
        y2 = m(x)
        self.assertTrue(torch.allclose(y1, y2))  # dropout identity, batch statistics both times
        self.assertTrue(m.layers["b"].training)
        bn = m.layers["b"]
        self.assertFalse(torch.equal(bn.running_mean, torch.zeros(48)))  # running stats updated
        h = torch.flatten(x, 1)
        want = m.layers["out"]((h - h.mean(0)) / torch.sqrt(h.var(0, unbiased=False) + 1e-5) * bn.weight
                               + bn.bias)
        self.assertTrue(torch.allclose(y1, want, atol=1e-5))
        m.train()
        self.assertFalse(torch.allclose(m(x), y1))  # real dropout again

    def test_matches_torch_crnn(self):
        """The CRNN of scripts/bench/torch_crnn.py, written as layers, computes the same."""
        import torch_crnn
        # torch_crnn's block order is conv -> relu -> pool -> bn; widths 32/64, GRU 64, dense 64
        layers = [
            {"name": "c1", "type": "conv2d", "channels": 32}, {"name": "a1", "type": "relu"},
            {"name": "p1", "type": "max_pool"}, {"name": "bn1", "type": "batch_norm"},
            {"name": "c2", "type": "conv2d", "channels": 64}, {"name": "a2", "type": "relu"},
            {"name": "p2", "type": "max_pool"}, {"name": "bn2", "type": "batch_norm"},
            {"name": "seq", "type": "to_sequence"}, {"name": "gru", "type": "gru", "units": 64},
            {"name": "fc", "type": "dense", "units": 64}, {"name": "a3", "type": "relu"},
            {"name": "drop", "type": "dropout", "rate": 0.3}, {"name": "out", "type": "dense", "units": 10}]
        torch.manual_seed(3)
        ref = torch_crnn.Crnn(n_mels=16, frames=12)
        torch.manual_seed(3)
        m = tm.build_model(layers, (1, 16, 12), 10)
        for (n1, p1), (n2, p2) in zip(ref.named_parameters(), m.named_parameters()):
            self.assertEqual(p1.shape, p2.shape, (n1, n2))
            self.assertTrue(torch.equal(p1, p2), (n1, n2))  # same init order, same draws
        x = torch.randn(4, 1, 16, 12)
        tm.set_parity_mode(m)
        ref.train()
        ref.drop.eval()
        self.assertTrue(torch.allclose(ref(x), m(x), atol=1e-6))


class Tools(unittest.TestCase):
    def test_parity_cli_from_checkpoint(self):
        """torch_parity.py --checkpoint on a golden's weights.h5 reproduces that golden."""
        arch = "prcnn"
        d = os.path.join(PARITY, arch)
        with open(os.path.join(d, "manifest.json")) as f:
            man = json.load(f)
        with tempfile.TemporaryDirectory() as out:
            subprocess.run([sys.executable, os.path.join(HERE, "torch_parity.py"),
                            os.path.join(PARITY, arch + ".yaml"), "--input-shape",
                            ",".join(map(str, man["input_shape"])), "--classes", str(man["classes"]),
                            "--batch", str(man["batch"]), "--checkpoint", os.path.join(d, "weights.h5"),
                            "--out", out], check=True, capture_output=True)
            with open(os.path.join(out, "manifest.json")) as f:
                got = json.load(f)
            self.assertEqual(got["init"]["source"], "checkpoint")
            self.assertEqual(set(got["arrays"]), set(man["arrays"]))
            for k in man["arrays"]:
                np.testing.assert_allclose(read_bin(out, got, k), read_bin(d, man, k), rtol=0, atol=1e-6,
                                           err_msg=k)

    def test_parity_cli_rejects_with_layer_name(self):
        with tempfile.TemporaryDirectory() as out:
            y = os.path.join(out, "bad.yaml")
            with open(y, "w") as f:
                f.write("model:\n  layers:\n    - {name: c1, type: conv2d, channels: 4, kernal: 3}\n")
            r = subprocess.run([sys.executable, os.path.join(HERE, "torch_parity.py"), y,
                                "--input-shape", "1,8,8", "--classes", "3", "--batch", "2", "--out", out],
                               capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("layer 0 'c1' (conv2d): unknown key 'kernal'", r.stderr)

    def test_bench_runs(self):
        r = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "bench", "torch_models.py"),
                            os.path.join(PARITY, "rcnn.yaml"), "--input-shape", "1,12,12", "--classes", "5",
                            "--batch", "4", "--steps", "1", "--warmup", "0", "--devices", "cpu",
                            "--threads", "1"], capture_output=True, text=True, check=True)
        self.assertRegex(r.stdout, r"^torch rcnn-train cpu +batch 4 input 1x12x12: [0-9.]+ s/step, "
                                   r"[0-9.]+ clips/s \(last loss [0-9.]+\) \[torch .*, 1 threads\]")


if __name__ == "__main__":
    unittest.main()
