"""``summary.json``: what a finished run made, and the one-line report printed at the end."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthdefect import __version__

__all__ = ["RunReport"]


@dataclass(frozen=True)
class RunReport:
    """Outcome of a run (or a merge of shards).

    ``samples``: samples in the manifest (earlier attempts included), ``anomalous`` of them with
    label 1; ``made``: samples made by this attempt in ``wall_s`` seconds; ``skipped``:
    unreadable normal-image and texture files met (skipped, their indices served by the next
    readable file).
    """

    out: Path
    config: dict[str, Any]
    samples: int
    anomalous: int
    made: int
    wall_s: float
    skipped: tuple[str, ...] = ()

    @property
    def normal(self) -> int:
        return self.samples - self.anomalous

    @property
    def rate(self) -> float:
        """Samples made per second by this attempt."""
        return self.made / self.wall_s if self.wall_s > 0 else 0.0

    def line(self) -> str:
        """``generated N samples (A anomalous) in T s (R samples/s) -> DIR``."""
        return (
            f"generated {self.samples} samples ({self.anomalous} anomalous) in {self.wall_s:.1f} s "
            f"({self.rate:.1f} samples/s) -> {self.out}"
        )

    def to_json(self) -> dict[str, Any]:
        """The content of ``summary.json``."""
        return {
            "synthdefect_version": __version__,
            "config": self.config,
            "seed": self.config["seed"],
            "counts": {
                "samples": self.samples,
                "anomalous": self.anomalous,
                "normal": self.normal,
                "skipped_inputs": len(self.skipped),
            },
            "skipped_inputs": list(self.skipped),
            "made_this_attempt": self.made,
            "wall_time_s": round(self.wall_s, 3),
            "samples_per_s": round(self.rate, 2),
        }
