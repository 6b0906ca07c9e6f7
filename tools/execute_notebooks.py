"""Re-execute notebooks and store their outputs the way the test harness runs them.

Stored outputs must come from a fresh kernel started under pytest (as nbval
starts it: no C++ log capture, 80-column terminal, the conftest environment),
executed top to bottom. This script does exactly that with nbmake, then
normalises the files with nbstripout (keeping outputs, counts, ids and widget
state; dropping per-cell timing metadata).

Readers see the outputs of the ``standard`` profile (recognisable results);
cells whose output depends on the profile carry the tag ``nbval-ignore-output``
and CI re-runs everything in the ``quick`` profile.

    python tools/execute_notebooks.py                       # all notebooks, standard profile
    python tools/execute_notebooks.py notebooks/02_*.ipynb  # some
    python tools/execute_notebooks.py --profile quick --time-only   # measure, keep stored outputs

Prints each notebook's wall time, which is how the README's run-time table is measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def execute(paths: list[Path], profile: str, timeout: int, store: bool = True) -> dict[str, float]:
    env = dict(os.environ, ARTGAN_PROFILE=profile, COLUMNS="80")
    times: dict[str, float] = {}
    for original in paths:
        path = original
        if not store:  # execute a scratch copy beside the original (same relative paths), then delete it
            path = original.with_name(f"_timing_{original.name}")
            shutil.copyfile(original, path)
        start = time.perf_counter()
        cmd = [sys.executable, "-m", "pytest", "-o", "addopts=", "-p", "no:cacheprovider", "-q",
               "--nbmake", "--overwrite", f"--nbmake-timeout={timeout}", str(path)]
        try:
            result = subprocess.run(cmd, cwd=ROOT, env=env)
        finally:
            if not store:
                path.unlink()
        times[original.name] = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"{original.name} failed to execute (see above); outputs were not all stored.")
        if not store:
            print(f"{original.name}: executed in the {profile} profile in {times[original.name]:.0f} s (not stored)")
            continue
        subprocess.run(
            [sys.executable, "-m", "nbstripout", "--keep-output", "--keep-count", "--keep-id",
             "--keep-metadata-keys", "metadata.widgets", str(path)],
            cwd=ROOT, check=True,
        )
        print(f"{path.name}: executed in the {profile} profile in {times[path.name]:.0f} s", flush=True)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--profile", default="standard", choices=("quick", "standard", "full"))
    parser.add_argument("--time-only", action="store_true",
                        help="execute a scratch copy and report the time; leave the stored outputs alone")
    parser.add_argument("--timeout", type=int, default=1800, help="per-cell timeout in seconds")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    times = execute(paths, args.profile, args.timeout, store=not args.time_only)
    print("\n| notebook | profile | wall time |\n|---|---|---|")
    for name, t in times.items():
        print(f"| {name} | {args.profile} | {f'{t:.0f} s' if t < 120 else f'{t / 60:.1f} min'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
