#!/usr/bin/env python3
"""One Markdown table from the raw output of first_contact.sh's bench step: mgr beside PyTorch
on the same GPU in the same call, as ratios.

Reads the lines printed by tools/bench_features.cpp ("gpu    log_mel  123.4 audio-s/s
device-resident ..."), scripts/bench/torch_features.py ("torch  log_mel  123.4 audio-s/s ..."),
tools/bench_models.cpp ("mgr   crnn_gru  cuda  batch 64 ...: 0.012 s/step, ...") and
scripts/bench/torch_models.py ("torch crnn_gru-train cuda batch 64 ...: 0.015 s/step, ...").

  python3 scripts/gpu/bench_table.py bench-raw.log > bench.md
"""
import re
import sys

MGR_FEAT = re.compile(r"^gpu\s+(\w+)\s+([\d.]+) audio-s/s\s+device-resident")
MGR_HOST = re.compile(r"^gpu\s+(\w+)\s+([\d.]+) audio-s/s\s+from host, (\w+) upload")
TORCH_FEAT = re.compile(r"^torch\s+(\w+)\s+([\d.]+) audio-s/s")
MGR_STEP = re.compile(r"^mgr\s+(\S+)\s+(cuda\S*|cpu)\s+batch\s+(\d+).*?: ([\d.]+) s/step")
TORCH_STEP = re.compile(r"^torch (\S+)-train (\S+)\s+batch (\d+).*?: ([\d.]+) s/step")
GPU_LINE = re.compile(r"^gpu\s+(.*SMs.*)$")
TORCH_VERSION = re.compile(r"^torch (\S+), torchaudio (\S+), device")


def main(path):
    feat, host, tfeat, step, tstep = {}, {}, {}, {}, {}
    gpu, versions = "", ""
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if m := MGR_FEAT.match(line):
                feat[m[1]] = max(feat.get(m[1], 0.0), float(m[2]))
            elif m := MGR_HOST.match(line):
                host[(m[1], m[3])] = float(m[2])
            elif m := TORCH_FEAT.match(line):
                tfeat[m[1]] = float(m[2])
            elif m := MGR_STEP.match(line):
                step[(m[1], m[2].split(":")[0], int(m[3]))] = float(m[4])
            elif m := TORCH_STEP.match(line):
                tstep[(m[1], m[2].split(":")[0], int(m[3]))] = float(m[4])
            elif m := GPU_LINE.match(line):
                gpu = m[1]
            elif m := TORCH_VERSION.match(line):
                versions = f"torch {m[1]}, torchaudio {m[2]}"
    print("# GPU benchmarks, mgr beside PyTorch (same GPU, same call)\n")
    if gpu:
        print(f"GPU: {gpu}  ")
    if versions:
        print(f"PyTorch: {versions}  ")
    print("\n| workload | mgr | PyTorch | mgr / PyTorch (higher: mgr faster) |")
    print("|---|---|---|---|")
    rows = 0
    for name in sorted(set(feat) | set(tfeat)):
        a, b = feat.get(name), tfeat.get(name)
        ratio = f"{a / b:.2f}x" if a and b else "-"
        print(f"| {name}, 1000 clips x 30 s, device-resident | "
              f"{f'{a:,.0f} audio-s/s' if a else 'missing'} | "
              f"{f'{b:,.0f} audio-s/s' if b else 'missing'} | {ratio} |")
        rows += 1
    for (name, upload), a in sorted(host.items()):
        print(f"| {name}, from host ({upload} upload, overlapped) | {a:,.0f} audio-s/s | - | - |")
        rows += 1
    for key in sorted(set(step) | set(tstep)):
        name, dev, batch = key
        a, b = step.get(key), tstep.get(key)
        ratio = f"{b / a:.2f}x" if a and b else "-"
        print(f"| {name} training step, {dev}, batch {batch} | "
              f"{f'{a * 1000:.2f} ms' if a else 'missing'} | "
              f"{f'{b * 1000:.2f} ms' if b else 'missing'} | {ratio} |")
        rows += 1
    if rows == 0:
        print("| (no benchmark line was printed: see the raw output) | - | - | - |")


if __name__ == "__main__":
    main(sys.argv[1])
