#!/usr/bin/env bash
# Wall time and peak memory of `synthdefect generate` on MVTec AD bottle + DTD textures.
#
#   benchmarks/generate.sh            # N=10000 with 2 and 1 workers, N=2000 with 2 workers
#   N=2000 WORKERS="2" benchmarks/generate.sh
#
# Prints one line per run: N, workers, wall time (summary.json's, and the whole process's with
# start-up), samples/s, CPU seconds (user + system, all processes), peak RSS in MiB (GNU time:
# the largest single process of the tree, main or worker) and the 1-minute load average at the
# end (other jobs on the machine inflate the wall time, not the CPU time). Outputs go to a
# temporary folder that is removed afterwards.
set -euo pipefail

cd "$(dirname "$0")/.."
SYNTHDEFECT=${SYNTHDEFECT:-.venv/bin/synthdefect}
DATA=${DATA:-../shared/data}
IMAGES="$DATA/mvtec_ad/bottle/train/good"
TEXTURES="$DATA/dtd_subset/images"
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

run() {  # run N WORKERS
    local n=$1 workers=$2 out="$SCRATCH/out-$1-$2" log="$SCRATCH/time-$1-$2.txt"
    /usr/bin/time -v "$SYNTHDEFECT" generate --n "$n" --size 256 --images "$IMAGES" \
        --textures "$TEXTURES" --format png --workers "$workers" --out "$out" --quiet \
        2> "$log" > /dev/null
    local wall rss
    wall=$(python3 -c "import json; print(json.load(open('$out/summary.json'))['wall_time_s'])")
    rss=$(awk -F': ' '/Maximum resident set size/ {print int($2 / 1024)}' "$log")
    elapsed=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    cpu=$(awk -F': ' '/(User|System) time/ {s += $2} END {printf "%.1f", s}' "$log")
    printf 'N=%-6s workers=%s  wall=%s (process %s)  %s samples/s  CPU %ss  peak RSS %s MiB  load %s\n' \
        "$n" "$workers" "${wall}s" "$elapsed" \
        "$(python3 -c "print(round($n / $wall, 1))")" "$cpu" "$rss" "$(cut -d' ' -f1 /proc/loadavg)"
    rm -rf "$out"
}

for n in ${N:-10000 2000}; do
    for workers in ${WORKERS:-2 1}; do
        if [[ $n == 2000 && -z ${WORKERS:-} && $workers == 1 ]]; then continue; fi
        run "$n" "$workers"
    done
done
