#!/usr/bin/env bash
# Which recipe trains the better detector? Trains the reference DRAEM model's small CPU
# configuration (benchmarks/draem_cpu.sh's: 128 px, widths 16/16, batch 8) with every preset,
# the same number of steps and the same seed, on MVTec AD bottle without and with
# --foreground auto, and on BSData (pitting on a metal surface, non-square images), then
# evaluates each run on the real test defects and prints one row per preset and dataset with
# the four metrics (percent).
#
#   benchmarks/recipes.sh [RUN_DIR]          # default RUN_DIR: runs/recipes (git-ignored)
#
# Environment: DATA (default ../shared/data), STEPS per run (default 250: 24 runs in about
# 2.5 hours on a 2-core machine), SEED (default 0), SIZE (training side, default 128),
# PRESETS (default: all eight), DATASETS (default: "bottle bottle-fg bsdata"), SYNTHDEFECT
# (default .venv/bin/synthdefect), PYTHON (default .venv/bin/python, for the table). A
# finished run (RUN_DIR/<dataset>/<preset>/metrics.json) is not trained again, so an
# interrupted benchmark continues where it stopped; an unfinished one is trained anew. Textures: DTD for the Perlin-mask recipes, the normal images
# themselves for nsa and fpi (their patches come from another normal image), none for cutpaste,
# cutout, intensity-disc and fractal. A PRESETS entry that names a file (a recipe file, JSON or
# TOML) is trained with --recipe FILE, its runs named after the file without its extension, its
# --textures the normal images (RECIPE_TEXTURES: another folder).
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-../shared/data}
RUN=${1:-runs/recipes}
STEPS=${STEPS:-250}
SEED=${SEED:-0}
SIZE=${SIZE:-128}
PRESETS=${PRESETS:-"draem-code paper cutpaste cutpaste-scar nsa memseg glass destseg"}
DATASETS=${DATASETS:-"bottle bottle-fg bsdata"}
SYNTHDEFECT=${SYNTHDEFECT:-.venv/bin/synthdefect}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

root_of() {  # dataset name -> MVTec-layout root
    case "$1" in
        bottle | bottle-fg) echo "$DATA/mvtec_ad/bottle" ;;
        bsdata) echo "$DATA/bsdata" ;;
        *) echo "unknown dataset $1 (bottle, bottle-fg, bsdata)" >&2; exit 2 ;;
    esac
}

run_name() {  # preset or recipe file -> the name of its runs
    if [ -f "$1" ]; then basename "${1%.*}"; else echo "$1"; fi
}

recipe_args() {  # preset or recipe file -> --preset or --recipe arguments
    if [ -f "$1" ]; then echo "--recipe $1"; else echo "--preset $1"; fi
}

texture_args() {  # preset or recipe file, train folder -> --textures arguments
    [ -f "$1" ] && { echo "--textures ${RECIPE_TEXTURES:-$2}"; return; }
    case "$1" in
        cutpaste | cutpaste-scar | cutout | intensity-disc | fractal) ;;
        nsa | nsa-logistic | fpi) echo "--textures $2" ;;
        *) echo "--textures $DATA/dtd_subset/images" ;;
    esac
}

echo "start $(date -u +%FT%TZ) on $(nproc --all) CPU cores, OMP_NUM_THREADS=$OMP_NUM_THREADS," \
    "STEPS=$STEPS, SEED=$SEED, SIZE=$SIZE, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
for dataset in $DATASETS; do
    root=$(root_of "$dataset")
    foreground=()
    [ "$dataset" = bottle-fg ] && foreground=(--foreground auto)
    for preset in $PRESETS; do
        out="$RUN/$dataset/$(run_name "$preset")"
        [ -f "$out/metrics.json" ] && continue
        rm -rf "$out"  # an unfinished run: train it anew
        mkdir -p "$out"
        run_start=$(date +%s)
        # shellcheck disable=SC2046  # texture_args and recipe_args give zero or two words
        "$SYNTHDEFECT" train --data "$root/train/good" $(texture_args "$preset" "$root/train/good") \
            "${foreground[@]}" --out "$out" $(recipe_args "$preset") --size "$SIZE" --recon-width 16 \
            --disc-width 16 --batch 8 --steps "$STEPS" --save-every "$STEPS" --workers 0 \
            --device cpu --seed "$SEED" > "$out/train.txt" 2>&1 || { tail -3 "$out/train.txt"; exit 1; }
        trained=$(date +%s)
        "$SYNTHDEFECT" evaluate --checkpoint "$out/checkpoint.pt" --data "$root" \
            --out "$out/metrics.json" --device cpu > "$out/evaluate.txt" 2>&1 \
            || { tail -3 "$out/evaluate.txt"; exit 1; }
        echo "$dataset $preset: train $((trained - run_start)) s, evaluate $(($(date +%s) - trained)) s"
    done
done

printf '%-10s %-14s %12s %12s %9s %7s\n' dataset preset image_AUROC pixel_AUROC pixel_AP AUPRO
for dataset in $DATASETS; do
    for preset in $PRESETS; do
        file="$RUN/$dataset/$(run_name "$preset")/metrics.json"
        [ -f "$file" ] || continue
        "${PYTHON:-.venv/bin/python}" - "$file" "$dataset" "$(run_name "$preset")" <<'EOF'
import json
import sys

path, dataset, preset = sys.argv[1:]
overall = json.load(open(path))["metrics"]["overall"]
cells = [
    "-" if overall[k] is None else f"{100 * overall[k]:.1f}"
    for k in ("image_auroc", "pixel_auroc", "pixel_ap", "aupro")
]
print(f"{dataset:<10} {preset:<14} {cells[0]:>12} {cells[1]:>12} {cells[2]:>9} {cells[3]:>7}")
EOF
    done
done
echo "end $(date -u +%FT%TZ)"
