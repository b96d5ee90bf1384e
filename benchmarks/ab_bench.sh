#!/usr/bin/env bash
# Interleaved A/B of `synthdefect bench` between two revisions: old, new, old, new, ... on one
# thread, then the median of every figure per revision. Machines are shared and noisy; only
# figures taken in turns in one session compare.
#
#   benchmarks/ab_bench.sh OLD NEW [BENCH OPTIONS...]
#
# OLD and NEW are git revisions (bd9c610, main, HEAD~3, ...). Each is exported with `git archive`
# into a temporary folder and run from there with PYTHONPATH set to it, so neither the working
# tree nor the repository changes. Without BENCH OPTIONS: MVTec AD bottle and the DTD textures
# when DATA holds them, else the built-in images. Environment: PAIRS (default 3), BENCH_SECONDS per
# figure (default 2), DATA (default ../shared/data), PYTHON (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: benchmarks/ab_bench.sh OLD NEW [BENCH OPTIONS...]" >&2; exit 2; }
old=$1 new=$2
shift 2
PAIRS=${PAIRS:-3}
DATA=${DATA:-../shared/data}
PYTHON=${PYTHON:-.venv/bin/python}
PYTHON="$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")"  # absolute, links kept (a venv)
options=("$@")
if [ ${#options[@]} -eq 0 ] && [ -d "$DATA/mvtec_ad/bottle/train/good" ]; then
    options=(--images "$(realpath "$DATA/mvtec_ad/bottle/train/good")"
             --textures "$(realpath "$DATA/dtd_subset/images")")
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for side in old new; do
    revision=${!side}
    mkdir "$work/$side"
    git archive "$revision" | tar -x -C "$work/$side" \
        || { echo "not a revision: $revision" >&2; exit 2; }
done
echo "old $old ($(git rev-parse --short "$old")), new $new ($(git rev-parse --short "$new")):" \
    "$PAIRS pairs, started $(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg)"
for pair in $(seq "$PAIRS"); do
    for side in old new; do
        (cd "$work/$side" && OMP_NUM_THREADS=1 PYTHONPATH="$work/$side" "$PYTHON" -c \
            "from synthdefect.cli import main; main()" bench --seconds "${BENCH_SECONDS:-2}" \
            "${options[@]}") > "$work/$side.$pair.txt"
    done
done
"$PYTHON" - "$work" "$PAIRS" <<'EOF'
import re
import statistics
import sys

work, pairs = sys.argv[1], int(sys.argv[2])
figures: dict[str, dict[str, list[float]]] = {}
for side in ("old", "new"):
    for pair in range(1, pairs + 1):
        for line in open(f"{work}/{side}.{pair}.txt"):
            match = re.match(r"(.+?)\s{2,}([\d.]+)\s", line)
            if match:
                figures.setdefault(match[1].strip(), {}).setdefault(side, []).append(float(match[2]))
print(f"{'benchmark (synthdefect column, median)':<40}{'old':>10}{'new':>10}{'new/old':>9}")
for name, sides in figures.items():
    old, new = (statistics.median(sides[s]) if s in sides else None for s in ("old", "new"))
    ratio = f"{new / old:.2f}" if old and new else "-"
    show = [f"{v:>10.1f}" if v is not None else f"{'-':>10}" for v in (old, new)]
    print(f"{name:<40}{show[0]}{show[1]}{ratio:>9}")
EOF
