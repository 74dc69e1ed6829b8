#!/usr/bin/env bash
# Parity goldens for the C++ model.layers graph: for each configuration here, what PyTorch computes
# (scripts/parity/torch_parity.py, torch's default init under a seed, batch norm randomised) is
# written to tests/data/parity/<arch>/ (manifest.json, input.bin, logits_*.bin, grad/, buffers_after/,
# weights.h5). Run from anywhere with Debian's python3-torch:  tests/data/parity/make_goldens.sh
# The per-architecture input shape, class count and batch are set below (and recorded in each
# manifest); the C++ test reads them from the manifest.
set -euo pipefail
cd "$(dirname "$0")/../../.."
py=${PYTHON:-/usr/bin/python3}
classes=5
batch=4

gen() {  # arch input-shape
  rm -rf "tests/data/parity/$1"
  "$py" scripts/parity/torch_parity.py "tests/data/parity/$1.yaml" --input-shape "$2" \
    --classes "$classes" --batch "$batch" --seed 1 --input-seed 1234 --out "tests/data/parity/$1"
}

gen crnn_gru             1,16,12
gen crnn_lstm            1,16,12
gen paper002_crnn        1,16,48
gen paper003_lstm        1,12,10
gen paper003_simple_cnn  1,10,10
gen paper003_complex_cnn 1,32,32
gen rcnn                 1,12,12
gen paper004_cnn         1,16,16
gen prcnn                1,12,16
gen mlp_vector           20
gen zoo                  2,16,28
gen winograd             1,15,21
