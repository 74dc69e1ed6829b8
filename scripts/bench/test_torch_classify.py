#!/usr/bin/python3
"""Tests of scripts/bench/torch_classify.py: its torchaudio features are the ones mgr computes
(librosa's, checked against the librosa goldens that tests/test_features_librosa.cpp and
tests/test_features_mfcc*.cpp use, to the tolerances docs/features.md gives mgr: mel power
relative 1e-4, dB absolute 1e-3 dB), its standardisation is features::apply_normalisation_'s,
and its file list is classify's. Without this the benchmark's PyTorch side could be doing less
work than mgr's.

    /usr/bin/python3 scripts/bench/test_torch_classify.py
"""
import json
import os
import sys
import tempfile
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_classify as tc  # noqa: E402

GOLDEN = os.path.join(HERE, "..", "..", "tests", "data", "librosa")
SR = 22050


def golden(folder, name):
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        arrays = json.load(f)["arrays"]
    meta = arrays[name]
    data = np.fromfile(os.path.join(folder, meta["file"]), dtype="<f4").reshape(meta["shape"])
    return torch.from_numpy(data), meta


class FeaturesMatchLibrosa(unittest.TestCase):
    CASES = ["default_chirp_tones", "default_quiet_odd", "htk_1024_chirp_tones",
             "reflect_hamming_quiet_odd", "nocenter_power1_chirp_tones"]

    def test_log_mel_power_and_db(self):
        for case in self.CASES:
            with self.subTest(case=case):
                db_ref, meta = golden(GOLDEN, "db_" + case)
                mel_ref, _ = golden(GOLDEN, "mel_" + case)
                audio, _ = golden(GOLDEN, meta["signal"])
                f = tc.Features(dict(meta["params"], type="log_mel"), SR)
                x = audio.unsqueeze(0)
                mel = f.mel(x)[0]
                rel = float((mel - mel_ref).abs().max() / mel_ref.abs().max())
                self.assertLessEqual(rel, 1e-4)
                db = f(x)
                self.assertEqual(tuple(db.shape), (1, 1, *db_ref.shape))
                # 2e-3 dB: torch's float32 STFT reaches 1.4e-3 dB on the quietest bins of
                # reflect_hamming_quiet_odd (mgr: under 1e-3); 1e-3 dB is 2.3e-4 in power.
                self.assertLessEqual(float((db[0, 0] - db_ref).abs().max()), 2e-3)

    def test_db_reference_and_floor_are_per_clip(self):
        # A clip whose first half is 100 dB quieter than the rest (so the top_db floor acts), and
        # the same clip 40 dB louder, in one batch: each gets its own peak as 0 dB and its own
        # floor at -80 dB (torchaudio's AmplitudeToDB has ref 1 and, on [B, mels, frames], takes
        # the floor over the whole batch).
        _, meta = golden(GOLDEN, "db_default_chirp_tones")
        audio, _ = golden(GOLDEN, meta["signal"])
        audio = audio.clone()
        audio[: audio.numel() // 2] *= 1e-5
        f = tc.Features({"type": "log_mel"}, SR)
        alone = f(audio.unsqueeze(0))
        self.assertAlmostEqual(float(alone.amin()), -80.0, places=3)
        both = f(torch.stack([audio, 100.0 * audio]))
        for i in range(2):
            self.assertLessEqual(float((both[i] - alone[0]).abs().max()), 1e-3)
            self.assertAlmostEqual(float(both[i].amax()), 0.0, places=5)

    def test_mfcc_dct_matches_librosa(self):
        folder = os.path.join(GOLDEN, "stft_mfcc")
        for name in ["mfcc_mel128_clip2s_13_l0", "mfcc_mel128_clip2s_20_l0", "mfcc_mel40_short_40_l0"]:
            with self.subTest(name=name):
                ref, meta = golden(folder, name)
                db, _ = golden(folder, meta["input"])
                f = tc.Features({"type": "mfcc", "n_mels": db.shape[0], "n_mfcc": meta["n_mfcc"]}, SR)
                got = f.mfcc_from_db(db.unsqueeze(0))[0]
                self.assertLessEqual(float((got - ref).abs().max() / ref.abs().max()), 1e-5)

    def test_refuses_what_it_does_not_compute(self):
        for bad in ({"type": "chroma"}, {"type": "mfcc", "lifter": 22}, {"type": "mfcc", "deltas": 1},
                    {"type": "log_mel", "crop_frames": 100}):
            with self.subTest(bad=bad), self.assertRaises(tc.Unsupported):
                tc.Features(bad, SR)


class StandardiseAndFiles(unittest.TestCase):
    def test_global_and_per_band(self):
        x = torch.arange(2 * 1 * 3 * 4, dtype=torch.float32).reshape(2, 1, 3, 4)
        g = tc.Standardise({"mode": "global", "mean": [5.0], "std": [2.0]})
        self.assertTrue(torch.allclose(g(x), (x - 5.0) / 2.0))
        p = tc.Standardise({"mode": "per_band", "mean": [1.0, 2.0, 3.0], "std": [1.0, 0.5, 0.0]})
        want = x.clone()
        want[:, :, 0] = x[:, :, 0] - 1.0
        want[:, :, 1] = (x[:, :, 1] - 2.0) / 0.5
        want[:, :, 2] = (x[:, :, 2] - 3.0) / 1e-6  # the C++ side floors the std at 1e-6
        self.assertTrue(torch.allclose(p(x), want, rtol=1e-5))
        self.assertTrue(torch.equal(tc.Standardise({"mode": "none", "mean": [], "std": []})(x), x))

    def test_file_list_is_classifys(self):
        with tempfile.TemporaryDirectory() as d:
            for rel in ["b/x.WAV", "a.mp3", "b/a/y.flac", "notes.txt", "c.ogg"]:
                os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
                open(os.path.join(d, rel), "w").close()
            got = [os.path.relpath(p, d) for p in tc.find_audio_files([d, "loose.txt"])[:-1]]
            self.assertEqual(got, ["a.mp3", "b/a/y.flac", "b/x.WAV", "c.ogg"])
            self.assertEqual(tc.find_audio_files([d, "loose.txt"])[-1], "loose.txt")


if __name__ == "__main__":
    unittest.main()
