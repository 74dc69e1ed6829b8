#!/usr/bin/env bash
# The one prepared command for a lent GPU machine (docs/gpu-validation.md). From the repository
# root, with .gpu-deps/debs carried (scripts/gpu/fetch_deps.sh, here):
#
#   run(command="scripts/gpu/first_contact.sh", carry=[".gpu-deps/debs"], timeout_s=580)
#
# In one call of at most MGR_BUDGET_S seconds (540: 9 minutes), in this order, each step in its
# own time box, writing to $OUT as it goes (8 files, no folders) so a call cut short still
# returns what it finished:
#   probe    GPU, driver, compilers, where cuDNN/cuBLAS/cuFFT/NVRTC are; stops at once when
#            something needed is missing                                     -> probe_build.log
#   build    only the targets the later steps run, sm_90 only, all cores     -> probe_build.log
#   cuda     every CUDA test case (ctest, one process each, a timeout each), JUnit XML, one line
#            per case; failures rerun (capped), first with CUDA_LAUNCH_BLOCKING=1
#                                                                -> cuda_tests.xml, cuda_tests.txt
#   bench    log-mel, MFCC, chroma against torchaudio on a device-resident batch; the training
#            step of crnn_gru, stft_rcnn and baseline_cnn against PyTorch eager   -> bench.md
#   real     crnn_gru for a few epochs on cuda beside the same on cpu, metrics compared
#                                                                              -> real_run.txt
#   rest     the rest of the suite                                           -> rest_tests.txt
#   sanitize compute-sanitizer memcheck over a set of CUDA cases, racecheck over the kernels
#            with shared memory                                                -> sanitize.txt
# and summary.txt: every step's time and verdict, written as each ends.
#
#   scripts/gpu/first_contact.sh [STEP...]      default: all, in the order above
# Knobs: MGR_BUDGET_S (540), MGR_JOBS (all cores), MGR_REAL_EPOCHS (3), MGR_RERUN_CAP (8 cases),
# MGR_CUDA_FILTER (ctest regex of the CUDA cases, default Cuda). MGR_REHEARSAL=1: no GPU expected
# (scripts/gpu/rehearse.sh): the CUDA cases skip instead of failing.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/gpu/env.sh
source scripts/gpu/env.sh

t0=$(date +%s)
# MGR_TIME_SCALE (rehearse.sh: 16 / the cores there) stretches the budget, every box and every
# per-case timeout alike; times are printed as measured and divided by the scale.
scale=${MGR_TIME_SCALE:-1}
budget=$((${MGR_BUDGET_S:-540} * scale))
deadline=$((t0 + budget))
jobs=${MGR_JOBS:-$(nproc)}
out=$(realpath -m "${OUT:-$PWD/gpu-out}")
mkdir -p "$out"
summary=$out/summary.txt
steps=("$@")
((${#steps[@]})) || steps=(probe build cuda bench real rest sanitize)
want() { local s; for s in "${steps[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }
elapsed() { echo $(($(date +%s) - t0)); }
scaled() { ((scale > 1)) && echo " (/$scale: $(($1 / scale)) s)"; }
note() { echo "[$(elapsed) s$(scaled "$(elapsed)")] $*" | tee -a "$summary"; }
since() { echo "$(($(date +%s) - $1)) s$(scaled $(($(date +%s) - $1)))"; }
left() { echo $((deadline - $(date +%s))); }
# The box a step gets: its own (times the scale), or what is left minus 8 s for the summary.
box() { local want=$(($1 * scale)) l; l=$(($(left) - 8 * scale)); ((l < want)) && want=$l; echo "$want"; }
: >"$summary"
note "first_contact: commit ${MGR_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo 'not given (MGR_COMMIT)')} on $(uname -n), budget ${budget} s, steps ${steps[*]}, $jobs jobs"

# run_boxed SECONDS LOG CMD...: CMD under `timeout`, output appended to LOG; returns its status
# (124: the box ran out).
run_boxed() {
  local secs=$1 logf=$2
  shift 2
  if ((secs < 5)); then echo "(no time left)" >>"$logf"; return 124; fi
  timeout --kill-after=5 "$secs" "$@" >>"$logf" 2>&1
}

# ---- probe ------------------------------------------------------------------------------------
pb=$out/probe_build.log
: >"$pb"
gpu_probe >>"$pb" 2>&1
probe_rc=$?
grep -E '^(probe|gpu|[A-Z].*, [0-9]+\.[0-9]+|cudnn|cublas |cufft|nvrtc|nvcc|torch|cores)' "$pb" | head -n 12 | sed 's/^/  /' >>"$summary"
if ((probe_rc != 0)); then
  note "probe: STOP: $(grep '^probe: STOP' "$pb" | sed 's/^probe: STOP: //')"
  exit 2
fi
note "probe: ok"
if [[ ${MGR_REHEARSAL:-0} != 1 ]]; then export MGR_EXPECT_CUDA=1; fi  # a GPU the runtime cannot see fails, not skips

# ---- build ------------------------------------------------------------------------------------
targets=(mgr_tests run_experiment classify sweep make_synthetic_corpus bench_features bench_augment bench_models)
if want build; then
  s=$(date +%s)
  if ! gpu_unpack_deps >>"$pb" 2>&1; then note "build: STOP: unpacking .gpu-deps failed (probe_build.log)"; exit 3; fi
  mapfile -t cargs < <(gpu_configure_args)
  echo "== configure: cmake -S . -B build-gpu ${cargs[*]}" >>"$pb"
  run_boxed "$(box 90)" "$pb" cmake -S . -B build-gpu "${cargs[@]}" ||
    { note "build: STOP: configure failed ($(sed -n '/^== configure/,$p' "$pb" | grep -m1 -E 'CMake Error|not found|No package'))"; exit 3; }
  echo "== build: ${targets[*]}" >>"$pb"
  run_boxed "$(box 330)" "$pb" cmake --build build-gpu -j"$jobs" --target "${targets[@]}"
  rc=$?
  if ((rc != 0)); then
    note "build: STOP: $( ((rc == 124)) && echo "out of time" || echo "failed"): $(sed -n '/^== build/,$p' "$pb" | grep -m1 -E 'error|Error' | cut -c1-200)"
    exit 3
  fi
  # Every library the programs load must resolve from the carried tree or the image: say which
  # does not, loudly, before anything runs.
  unresolved=$(for b in build-gpu/bin/*; do [[ -x $b && -f $b ]] && "${mgr_run[@]}" ldd "$b" | grep 'not found' | sed "s#^#$(basename "$b"): #"; done | sort -u)
  if [[ -n $unresolved ]]; then
    echo "$unresolved" >>"$pb"
    note "build: STOP: unresolved libraries: $(echo "$unresolved" | tr '\n' ' ' | cut -c1-300)"
    exit 3
  fi
  note "build: ok in $(since "$s") ($(ls build-gpu/bin | wc -l) programs)"
fi
if [[ ! -x build-gpu/bin/mgr_tests ]]; then note "STOP: no build-gpu/bin/mgr_tests"; exit 3; fi

# One line per case from ctest's progress lines: "PASS Name 0.52 s" (scripts/gpu/ctest_cases.py).
case_lines() { python3 scripts/gpu/ctest_cases.py "$1"; }
counts() { awk '{n[$1]++} END {for (k in n) printf "%s %d, ", k, n[k]}' "$1"; }

# ---- CUDA test cases ---------------------------------------------------------------------------
if want cuda; then
  s=$(date +%s)
  raw=$(mktemp)
  filter=${MGR_CUDA_FILTER:-Cuda}
  run_boxed "$(box 150)" "$raw" ctest --test-dir build-gpu -R "$filter" -j"$((jobs / 2 > 0 ? jobs / 2 : 1))" \
    --timeout $((90 * scale)) --output-on-failure --output-junit "$out/cuda_tests.xml"
  rc=$?
  {
    echo "== CUDA cases (ctest -R $filter), one line each"
    case_lines "$raw"
  } >"$out/cuda_tests.txt"
  note "cuda: $( ((rc == 124)) && echo "OUT OF TIME, ")$(case_lines "$raw" >"$raw.lines"; counts "$raw.lines")in $(since "$s")"
  # Reruns: at most MGR_RERUN_CAP failed cases, alone, first with CUDA_LAUNCH_BLOCKING=1 (pins an
  # asynchronous fault to its launch), then without it (tells a case broken by an earlier
  # case's sticky error from one that fails on its own).
  mapfile -t failed < <(awk '$1 != "PASS" && $1 != "SKIP" {print $2}' "$raw.lines" | head -n "${MGR_RERUN_CAP:-8}")
  if ((${#failed[@]})); then
    {
      echo
      echo "== reruns of ${#failed[@]} failed case(s), each alone"
      for t in "${failed[@]}"; do
        for blocking in 1 0; do
          r=$(mktemp)
          CUDA_LAUNCH_BLOCKING=$blocking run_boxed "$(box 45)" "$r" ctest --test-dir build-gpu -R "^${t}\$" --timeout $((40 * scale)) --output-on-failure
          echo "$(case_lines "$r" | cut -d' ' -f1 | head -n1) $t (CUDA_LAUNCH_BLOCKING=$blocking)"
          rm -f "$r"
        done
      done
    } >>"$out/cuda_tests.txt"
    note "cuda reruns: $(grep -c '^PASS' <(sed -n '/== reruns/,$p' "$out/cuda_tests.txt")) of $((2 * ${#failed[@]})) passed"
  fi
  { echo; echo "== ctest output"; cat "$raw"; } >>"$out/cuda_tests.txt"
  rm -f "$raw" "$raw.lines"
fi

# ---- benchmarks beside PyTorch -----------------------------------------------------------------
if want bench; then
  s=$(date +%s)
  bl=$(mktemp)
  {
    echo "== bench_features (mgr, cuda, 1000 clips x 30 s)"
    timeout "$(box 60)" "${mgr_run[@]}" build-gpu/bin/bench_features --device cuda --clips 1000 --repeat 3
    timeout "$(box 60)" "${mgr_run[@]}" build-gpu/bin/bench_augment --device cuda --batch 32 --seconds 3 --repeat 20
    echo "== torch_features.py (torchaudio, cuda, same workload)"
    timeout "$(box 60)" python3 scripts/bench/torch_features.py --device cuda --clips 1000 --batch 64 --threads "$jobs"
    echo "== training steps (mgr bench_models and PyTorch eager, cuda)"
    MGR_LD_LIBRARY_PATH=$gpu_nvidia_ld STEPS=2 GPU_STEPS=20 timeout "$(box 90)" \
      scripts/bench/run_model_benchmarks.sh build-gpu "$jobs" cuda experiments/crnn_gru.yaml \
      experiments/stft_rcnn.yaml experiments/baseline_cnn.yaml
  } >"$bl" 2>&1
  python3 scripts/gpu/bench_table.py "$bl" >"$out/bench.md" 2>&1 || echo "(bench_table.py failed)" >>"$out/bench.md"
  { echo; echo '## Raw output'; echo; echo '```'; cat "$bl"; echo '```'; } >>"$out/bench.md"
  rm -f "$bl"
  note "bench: $(grep -c '^| ' "$out/bench.md") table rows in $(since "$s")"
fi

# ---- one real run, cuda beside cpu -------------------------------------------------------------
if want real; then
  s=$(date +%s)
  rr=$out/real_run.txt
  epochs=${MGR_REAL_EPOCHS:-3}
  : >"$rr"
  # The corpus crnn_gru.yaml names, made once for both runs (they reuse it by its manifest).
  run_boxed "$(box 60)" "$rr" "${mgr_run[@]}" build-gpu/bin/make_synthetic_corpus --root data/synthetic-gtzan \
    --tracks-per-genre 30 --seconds 30 --sample-rate 22050 --seed 1
  rm -rf runs/first-contact-cuda runs/first-contact-cpu
  common=(experiments/crnn_gru.yaml --set "train.epochs=$epochs" --set features.cache=off)
  b=$(box 200)
  (OMP_NUM_THREADS=4 run_boxed "$b" runs-cuda.log "${mgr_run[@]}" build-gpu/bin/run_experiment "${common[@]}" \
    --device cuda --out runs/first-contact-cuda) &
  cuda_pid=$!
  (OMP_NUM_THREADS=$((jobs > 6 ? jobs - 4 : jobs)) run_boxed "$b" runs-cpu.log "${mgr_run[@]}" build-gpu/bin/run_experiment "${common[@]}" \
    --device cpu --out runs/first-contact-cpu) &
  cpu_pid=$!
  wait $cuda_pid; cuda_rc=$?
  wait $cpu_pid; cpu_rc=$?
  {
    echo "== crnn_gru.yaml, $epochs epochs, synthetic corpus: cuda exit $cuda_rc, cpu exit $cpu_rc"
    python3 scripts/gpu/compare_runs.py runs/first-contact-cuda runs/first-contact-cpu
    echo; echo "== cuda run output (last 40 lines)"; tail -n 40 runs-cuda.log
    echo; echo "== cpu run output (last 40 lines)"; tail -n 40 runs-cpu.log
  } >>"$rr" 2>&1
  rm -f runs-cuda.log runs-cpu.log
  note "real: cuda exit $cuda_rc, cpu exit $cpu_rc; $(grep -m1 '^agreement:' "$rr" || echo 'no comparison') in $(since "$s")"
fi

# ---- the rest of the suite ---------------------------------------------------------------------
if want rest; then
  s=$(date +%s)
  raw=$(mktemp)
  b=$(box 240)
  ((b > 60 * scale)) && b=$((b - 50 * scale))  # leave the sanitizer its minute when time is short
  run_boxed "$b" "$raw" ctest --test-dir build-gpu -E "${MGR_CUDA_FILTER:-Cuda}" -j"$jobs" --timeout $((120 * scale)) --output-on-failure
  rc=$?
  { echo "== the rest of the suite (ctest -E ${MGR_CUDA_FILTER:-Cuda}), one line each"; case_lines "$raw"; echo; echo "== ctest output (failures)"; grep -v -E '^ *[0-9]+/[0-9]+ Test .*Passed' "$raw"; } >"$out/rest_tests.txt"
  note "rest: $( ((rc == 124)) && echo "OUT OF TIME, ")$(case_lines "$raw" >"$raw.lines"; counts "$raw.lines")in $(since "$s")"
  rm -f "$raw" "$raw.lines"
fi

# ---- compute-sanitizer -------------------------------------------------------------------------
if want sanitize; then
  s=$(date +%s)
  sl=$out/sanitize.txt
  : >"$sl"
  if ! command -v compute-sanitizer >/dev/null; then
    note "sanitize: skipped (no compute-sanitizer)"
  else
    mem='Tensor.Cuda*:FeaturesCuda.*:FeaturesStftCuda.*:ChromaCuda.*:SoftmaxCrossEntropy.Cuda*:BatchNorm2dOp.CudaMatchesCpuTraining:MaxPool2dOp.CudaMatchesCpu:Conv2dOp.CudaMatchesCpu:RnnCuda.MatchesCpuGru:Adam.CudaMatchesCpu:Index.CudaMatchesCpu:DevicePipelineCuda.*'
    race='SpectralCuda.*:BeatTrackCuda.*:BandNormCuda.*:FeaturesCuda.MelProjectionMatchesCpu:RealMusicTuningCuda.*:PitchHistogramCuda.*:SoftmaxCrossEntropy.CudaMatchesCpu:BatchNorm2dOp.CudaMatchesCpuTraining'
    half=$(( $(box 600) / 2 ))
    echo "== memcheck: $mem" >>"$sl"
    MGR_CUDA_NO_CACHE=1 run_boxed "$half" "$sl" "${mgr_run[@]}" compute-sanitizer --tool memcheck --leak-check no \
      --error-exitcode 3 build-gpu/bin/mgr_tests --gtest_brief=1 --gtest_filter="$mem"
    m_rc=$?
    echo "== racecheck: $race" >>"$sl"
    run_boxed "$(box 600)" "$sl" "${mgr_run[@]}" compute-sanitizer --tool racecheck --error-exitcode 3 \
      build-gpu/bin/mgr_tests --gtest_brief=1 --gtest_filter="$race"
    r_rc=$?
    note "sanitize: memcheck exit $m_rc, racecheck exit $r_rc (3: reports, 124: out of time), $(grep -c -E '^========= (Invalid|Race|Error)' "$sl") reports, in $(since "$s")"
  fi
fi

note "done in $(elapsed) s of $budget"
