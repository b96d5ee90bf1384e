#!/usr/bin/env bash
# The DRAEM reference model on a CPU: a small configuration trained on MVTec AD "bottle" with
# DTD textures for at most ~60 minutes, then evaluated on bottle's test split (83 images), with
# heat-map overlays of the test images. One torch thread (OMP_NUM_THREADS=1): on a 2-core
# machine shared with other jobs, two OpenMP threads spin-wait for each other and run 2-3x
# slower than one.
#
#   benchmarks/draem_cpu.sh [RUN_DIR]        # default RUN_DIR: runs/draem_cpu (git-ignored)
#
# Environment: DATA (default ../shared/data), STEPS (default 1000), TIME_LIMIT in minutes
# (default 60; training stops there with a checkpoint even if STEPS is not reached).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-../shared/data}
RUN=${1:-runs/draem_cpu}
STEPS=${STEPS:-1000}
TIME_LIMIT=${TIME_LIMIT:-60}
SYNTHDEFECT=${SYNTHDEFECT:-.venv/bin/synthdefect}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

mkdir -p "$RUN"
echo "start $(date -u +%FT%TZ) on $(nproc --all) CPU cores, OMP_NUM_THREADS=$OMP_NUM_THREADS"
start=$(date +%s)
"$SYNTHDEFECT" train \
    --data "$DATA/mvtec_ad/bottle/train/good" --textures "$DATA/dtd_subset/images" \
    --out "$RUN" --preset draem-code --size 128 --recon-width 16 --disc-width 16 \
    --batch 8 --steps "$STEPS" --time-limit "$TIME_LIMIT" --save-every 200 \
    --workers 0 --device cpu --seed 0 --overwrite
trained=$(date +%s)
"$SYNTHDEFECT" evaluate --checkpoint "$RUN/checkpoint.pt" --data "$DATA/mvtec_ad/bottle" \
    --out "$RUN/metrics.json" --device cpu
evaluated=$(date +%s)
"$SYNTHDEFECT" predict --checkpoint "$RUN/checkpoint.pt" --images "$DATA/mvtec_ad/bottle/test" \
    --out "$RUN/predict" --device cpu
echo "train_seconds=$((trained - start)) evaluate_seconds=$((evaluated - trained))" \
    "total_seconds=$(($(date +%s) - start))"
