#!/usr/bin/env python3
"""Writes datasets/gtzan/fault_filtered_split.tsv from torchaudio's GTZAN module.

The fault-filtered split of GTZAN (Kereliuk, Sturm & Larsen 2015) ships in torchaudio as three
Python lists (filtered_train, filtered_valid, filtered_test in torchaudio/datasets/gtzan.py).
This reads them from a torchaudio wheel without importing torchaudio (no PyTorch needed):

    pip download torchaudio==2.5.1 --no-deps -d /tmp/ta
    python3 datasets/gtzan/extract_fault_filtered.py /tmp/ta/torchaudio-2.5.1-*.whl
"""
import ast
import hashlib
import pathlib
import sys
import zipfile

HEADER = """# GTZAN's fault-filtered split (Kereliuk, Sturm & Larsen 2015, "Deep learning and music
# adversaries", IEEE Trans. Multimedia 17(11)): 443 training, 197 validation and 290 test
# excerpts, with GTZAN's repetitions removed and no artist on two sides.
# Source of these lists: torchaudio 2.5.1, torchaudio/datasets/gtzan.py (filtered_train,
# filtered_valid, filtered_test; sha256 of that file
# {sha}), which took them from
# github.com/jordipons/sklearn-audio-transfer-learning. Regenerate with
# datasets/gtzan/extract_fault_filtered.py. Used by data.split: gtzan_fault_filtered.
id\tsplit
"""


def main() -> None:
    wheel = sys.argv[1]
    with zipfile.ZipFile(wheel) as z:
        src = z.read("torchaudio/datasets/gtzan.py")
    lists = {}
    for node in ast.parse(src).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
            lists[node.targets[0].id] = [e.value for e in node.value.elts]
    parts = (("filtered_train", "train"), ("filtered_valid", "validation"), ("filtered_test", "test"))
    sizes = [len(lists[k]) for k, _ in parts]
    if sizes != [443, 197, 290]:
        sys.exit(f"unexpected list sizes {sizes} (expected 443 / 197 / 290)")
    out = pathlib.Path(__file__).with_name("fault_filtered_split.tsv")
    with out.open("w") as f:
        f.write(HEADER.format(sha=hashlib.sha256(src).hexdigest()))
        for key, name in parts:
            for track in lists[key]:
                f.write(f"{track}\t{name}\n")
    print(f"wrote {out}: {sum(sizes)} tracks")


if __name__ == "__main__":
    main()
