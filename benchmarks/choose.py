"""Does synthetic validation rank recipes as the real defects do? (issue 17, item 4)

For each dataset, runs ``synthdefect choose`` (the small CPU configuration of
benchmarks/recipes.sh: 128 px, widths 16/16, batch 8), evaluates every finished candidate on
the real test defects, and prints per candidate the synthetic score beside the real pixel
AUROC and AUPRO, then the Spearman rank correlation between the synthetic score and the real
pixel AUROC, and the regret (best real score minus the recommended candidate's real score),
in pixel AUROC and in AUPRO (points).

    benchmarks/choose.py [RUN_DIR]        # default runs/choose (git-ignored)

Environment: DATA (default ../shared/data), DATASETS (default "bottle bottle-fg bsdata"),
CANDIDATES (default choose's), STEPS per candidate (default 250), SEED (0), SIZE (128),
WIDTH (16), SYNTHDEFECT (default .venv/bin/synthdefect), OMP_NUM_THREADS (default 1, as in
benchmarks/recipes.sh: torch's default of one thread per core, on a machine whose cores are
busy, made a step about 5x slower here). A rerun continues: choose keeps its
finished candidates and a candidate's real metrics.json is not computed again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOTS = {"bottle": "mvtec_ad/bottle", "bottle-fg": "mvtec_ad/bottle", "bsdata": "bsdata"}


def spearman(a: list[float], b: list[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); ``None`` below 3 pairs or for a
    constant side."""
    if len(a) < 3:
        return None
    ranks = [np.argsort(np.argsort(x, kind="stable"), kind="stable").astype(float) for x in (a, b)]
    for x, r in zip((a, b), ranks, strict=True):
        values = np.asarray(x)
        for value in np.unique(values):
            r[values == value] = r[values == value].mean()
    if ranks[0].std() == 0 or ranks[1].std() == 0:
        return None
    return float(np.corrcoef(ranks[0], ranks[1])[0, 1])


def _run(command: list[str], log: Path) -> None:
    with open(log, "w") as out:
        if subprocess.run(command, stdout=out, stderr=subprocess.STDOUT).returncode:
            sys.exit(f"failed: {' '.join(command)} (see {log})")


def main() -> None:
    env = os.environ
    env.setdefault("OMP_NUM_THREADS", "1")
    data = Path(env.get("DATA", "../shared/data"))
    run_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/choose")
    cli = env.get("SYNTHDEFECT", ".venv/bin/synthdefect")
    width = env.get("WIDTH", "16")
    for dataset in env.get("DATASETS", "bottle bottle-fg bsdata").split():
        root = data / ROOTS[dataset]
        out = run_dir / dataset
        out.mkdir(parents=True, exist_ok=True)
        command = [cli, "choose", "--data", str(root / "train/good"), "--out", str(out),
                   "--textures", str(data / "dtd_subset/images"), "--size", env.get("SIZE", "128"),
                   "--recon-width", width, "--disc-width", width, "--batch", "8",
                   "--steps", env.get("STEPS", "250"), "--seed", env.get("SEED", "0"),
                   "--workers", "0", "--device", "cpu"]  # fmt: skip
        if "CANDIDATES" in env:
            command += ["--candidates", env["CANDIDATES"]]
        if dataset == "bottle-fg":
            command += ["--foreground", "auto"]
        _run(command, out / "choose.txt")
        table = json.loads((out / "table.json").read_text())
        rows = []
        for row in table["rows"]:
            if row["status"] != "done":
                continue
            metrics = Path(row["run"]) / "metrics.json"
            if not metrics.is_file():
                _run([cli, "evaluate", "--checkpoint", str(Path(row["run"]) / "checkpoint.pt"),
                      "--data", str(root), "--out", str(metrics), "--device", "cpu"],
                     out / "evaluate.txt")  # fmt: skip
            real = json.loads(metrics.read_text())["metrics"]["overall"]
            rows.append((row["candidate"], row["score"], real["pixel_auroc"], real["aupro"]))
        print(f"{dataset}: {table['steps']} steps per candidate, score: synthetic "
              f"{table['metric']}, real: the test defects (%)")  # fmt: skip
        print(f"{'candidate':<24}{'synthetic':>10}{'pixel_AUROC':>12}{'AUPRO':>8}")
        for name, score, pixel, pro in rows:
            mark = " *" if name == table["recommended"] else ""
            print(f"{name + mark:<24}{100 * score:>10.1f}{100 * pixel:>12.1f}{100 * pro:>8.1f}")
        rho = spearman([r[1] for r in rows], [r[2] for r in rows])
        chosen = [r for r in rows if r[0] == table["recommended"]]
        if chosen:
            regret_pixel = 100 * (max(r[2] for r in rows) - chosen[0][2])
            regret_pro = 100 * (max(r[3] for r in rows) - chosen[0][3])
            regret = f"regret {regret_pixel:.1f} pixel AUROC, {regret_pro:.1f} AUPRO"
        else:
            regret = "no recommendation"
        print(f"{dataset}: Spearman {'-' if rho is None else f'{rho:.2f}'}, {regret}")


if __name__ == "__main__":
    main()
