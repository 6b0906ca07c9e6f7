"""Benchmark CSVs: appending keeps columns aligned, also when a benchmark starts recording a new column."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._results import write_rows  # noqa: E402


def _read(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_append_with_a_new_column_rewrites_the_header_and_keeps_old_rows(tmp_path):
    path = tmp_path / "r.csv"
    write_rows(path, [{"variant": "a", "ms": 1.0, "date": "d1"}])
    write_rows(path, [{"variant": "a", "ms": 2.0, "share": 0.0, "date": "d2"}], append=True)
    rows = _read(path)
    assert [r["date"] for r in rows] == ["d1", "d2"]  # every value under its own column
    assert rows[0]["share"] == "" and rows[1]["share"] == "0.0" and rows[1]["ms"] == "2.0"


def test_append_with_the_same_columns_in_another_order_maps_by_name(tmp_path):
    path = tmp_path / "r.csv"
    write_rows(path, [{"a": 1, "b": 2}])
    write_rows(path, [{"b": 4, "a": 3}], append=True)
    assert _read(path)[1] == {"a": "3", "b": "4"}
    write_rows(path, [{"a": 5, "b": 6}])  # without append: a fresh file
    assert _read(path) == [{"a": "5", "b": "6"}]
