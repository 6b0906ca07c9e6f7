"""Writing benchmark results: one CSV per benchmark in ``benchmarks/results/``."""

from __future__ import annotations

import csv
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def write_rows(path: Path, rows: list[dict], append: bool = False) -> None:
    """Write ``rows`` (dicts with the same keys) to ``path``; with ``append``, add them below earlier runs.

    When the new rows have columns the file lacks (a benchmark that records more than it
    used to), the file is rewritten with every column, earlier rows left empty in the new ones.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fields = list(rows[0])
    if append and path.is_file():
        with path.open(newline="") as f:
            reader = csv.DictReader(f)
            old_fields, old_rows = list(reader.fieldnames or []), list(reader)
        if set(fields) <= set(old_fields):
            with path.open("a", newline="") as f:
                csv.DictWriter(f, fieldnames=old_fields).writerows(rows)
            return
        fields = old_fields + [k for k in fields if k not in old_fields]
        rows = old_rows + rows
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, restval="")
        writer.writeheader()
        writer.writerows(rows)
