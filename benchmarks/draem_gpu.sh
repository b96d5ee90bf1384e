#!/usr/bin/env bash
# DRAEM on one GPU in one command that ends by itself (default: within 8.5 minutes).
#
#   benchmarks/draem_gpu.sh BOTTLE DTD [RUN_DIR]     # RUN_DIR default runs/draem_gpu (git-ignored)
#
# BOTTLE: an MVTec AD "bottle" folder (train/good, test/, ground_truth/); DTD: a folder of texture
# images. Copies resized to 256x256 decode ~12x faster than the 900x900 originals:
# benchmarks/draem_gpu_prep.py makes them. Needs a Python with torch, numba, OpenCV, scikit-learn,
# click, tqdm and Pillow; the checkout itself is put on PYTHONPATH (no install needed).
#
# 1. Probe: the full model (256x256, widths 128/64, batch 8) trains PROBE_STEPS steps; prints the
#    average steps/s (start-up and loader included) and the steady-state steps/s (after the first
#    epoch).
# 2. Training: the draem-code schedule (lr x0.2 at 80 % and 90 % of the epochs) compressed to as
#    many epochs as fit the time left (TOTAL_MINUTES minus what has elapsed minus EVAL_RESERVE
#    seconds), at the probe's steady rate; --time-limit stops it there in any case.
# 3. Evaluation on bottle's test split; one table row: epochs, steps, training wall time, image
#    AUROC, pixel AUROC, pixel AP, AUPRO (FPR 0.3).
#
# Environment (defaults = the full model): TOTAL_MINUTES (8.5), EVAL_RESERVE seconds (75),
# PROBE_STEPS (300), SIZE (256), RECON_WIDTH (128), DISC_WIDTH (64), BATCH (8), WORKERS
# (min(8, CPUs)), DEVICE (auto), PYTHON (python3), EXTRA (more train options, e.g. --sspcab).
# A tiny CPU configuration (tests/test_benchmark_scripts.py runs it):
#   TOTAL_MINUTES=0.4 EVAL_RESERVE=5 PROBE_STEPS=10 SIZE=32 RECON_WIDTH=4 DISC_WIDTH=4 \
#   WORKERS=0 DEVICE=cpu benchmarks/draem_gpu.sh BOTTLE DTD runs/tiny
set -euo pipefail
start=$(date +%s)
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if [ $# -lt 2 ]; then
    echo "usage: $0 BOTTLE DTD [RUN_DIR]" >&2
    exit 2
fi
BOTTLE=$1
DTD=$2
RUN=${3:-runs/draem_gpu}
PYTHON=${PYTHON:-python3}
TOTAL_MINUTES=${TOTAL_MINUTES:-8.5}
EVAL_RESERVE=${EVAL_RESERVE:-75}
PROBE_STEPS=${PROBE_STEPS:-300}
MODEL=(--size "${SIZE:-256}" --recon-width "${RECON_WIDTH:-128}"
       --disc-width "${DISC_WIDTH:-64}" --batch "${BATCH:-8}")
[ -n "${WORKERS:-}" ] && MODEL+=(--workers "$WORKERS")
read -r -a EXTRA_OPTIONS <<< "${EXTRA:-}"
COMMON=(--data "$BOTTLE/train/good" --textures "$DTD" --preset draem-code --seed 0
        --device "${DEVICE:-auto}" --save-every 1000000 --overwrite
        "${MODEL[@]}" "${EXTRA_OPTIONS[@]}")

sd() { "$PYTHON" -c 'from synthdefect.cli import main; main(prog_name="synthdefect")' "$@"; }
# "N steps in T s (A steps/s on average, S steps/s after the first epoch)" -> "N T A S"
rates() { sed -nE 's/^([0-9]+) steps in ([0-9.]+) s \(([0-9.]+) steps\/s on average(, ([0-9.]+) steps\/s after the first epoch)?\).*/\1 \2 \3 \5/p'; }

mkdir -p "$RUN"
"$PYTHON" -c 'import torch; print("torch", torch.__version__, "|",
  torch.cuda.get_device_name() if torch.cuda.is_available() else "no CUDA", "|", __import__("os").cpu_count(), "CPUs")'
echo "== probe: $PROBE_STEPS steps"
sd train "${COMMON[@]}" --out "$RUN/probe" --steps "$PROBE_STEPS" --time-limit 2 2>&1 \
    | tee "$RUN/probe.log"
read -r probe_steps probe_seconds probe_average probe_steady < <(rates < "$RUN/probe.log")
probe_steady=${probe_steady:-$probe_average}
echo "full-model probe: average ${probe_average} steps/s, steady state ${probe_steady} steps/s"

read -r epochs budget per_epoch < <("$PYTHON" - "$BOTTLE/train/good" "${BATCH:-8}" <<EOF
import math, sys, time
from reference_model.train import steps_per_epoch
from synthdefect.io import find_images
per_epoch = steps_per_epoch(len(find_images(sys.argv[1])), int(sys.argv[2]))
left = $TOTAL_MINUTES * 60 - (time.time() - $start) - $EVAL_RESERVE
startup = max(0.0, $probe_seconds - $probe_steps / $probe_steady)
epochs = max(1, math.floor(0.95 * (left - startup) * $probe_steady / per_epoch))
print(epochs, max(left, 1.0), per_epoch)
EOF
)
echo "== training: draem-code schedule over $epochs epochs ($((epochs * per_epoch)) steps)," \
     "stopped after ${budget%.*} s in any case"
train_start=$(date +%s)
sd train "${COMMON[@]}" --out "$RUN/train" --epochs "$epochs" \
    --time-limit "$("$PYTHON" -c "print($budget / 60)")" 2>&1 | tee "$RUN/train.log"
read -r steps seconds average steady < <(rates < "$RUN/train.log")
echo "training: $steps steps in $seconds s: average $average steps/s, steady state ${steady:-?} steps/s"

echo "== evaluation on $BOTTLE"
sd evaluate --checkpoint "$RUN/train/checkpoint.pt" --data "$BOTTLE" \
    --out "$RUN/metrics.json" --device "${DEVICE:-auto}"
"$PYTHON" - "$RUN/metrics.json" "$epochs" "$steps" "$seconds" "$per_epoch" <<'EOF'
import json, sys
metrics = json.load(open(sys.argv[1]))["metrics"]["overall"]
epochs, steps, seconds, per_epoch = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
done = f"{steps / per_epoch:g} of {epochs}" if steps < epochs * per_epoch else f"{epochs}"
cells = " | ".join(f"{100 * metrics[k]:.1f}" for k in ("image_auroc", "pixel_auroc", "pixel_ap", "aupro"))
print("| epochs | steps | training wall | image AUROC | pixel AUROC | pixel AP | AUPRO |")
print("| --- | --- | --- | --- | --- | --- | --- |")
print(f"| {done} | {steps:,} | {seconds / 60:.1f} min | {cells} |")
EOF
echo "total $(($(date +%s) - start)) s"
