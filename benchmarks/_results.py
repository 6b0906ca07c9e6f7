"""Writing benchmark results: one CSV per benchmark in ``benchmarks/results/``."""

from __future__ import annotations

import csv
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_rows(path: Path, rows: list[dict], append: bool = False) -> None:
    """Write ``rows`` (dicts with the same keys) to ``path``; with ``append``, add them below earlier runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not append or not path.is_file()
    with path.open("a" if append else "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        if new:
            writer.writeheader()
        writer.writerows(rows)
