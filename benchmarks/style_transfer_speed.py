"""Style transfer speed and memory: every method of notebooks 07-09 at 256 and 512 px.

    python benchmarks/style_transfer_speed.py                    # 256 and 512 px, 200 Gatys steps
    python benchmarks/style_transfer_speed.py --sizes 256 --gatys-steps 50 --threads 1   # a quick look

Every (method, size) runs in its own Python process, so that each peak memory is
its own: ``peak_rss_mb`` is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the
end (the process's peak resident memory, TensorFlow runtime included) and
``base_rss_mb`` the same just before the first stylisation (after imports and
loading the networks), so ``peak - base`` is what stylising itself needs.
(tracemalloc would miss TensorFlow's and onnxruntime's C++ allocations.)

Measured, for the windmill photo (longer side = size) and the Great Wave as style:

* ``gatys``: seconds per Adam step (median over steps 3..N, tracing excluded) and
  seconds to a finished image (``--gatys-steps`` steps, tracing included), default settings;
* ``adain``: seconds per image (median of 5 after a warm-up), the shipped decoder
  (``checkpoints/adain-decoder``; if absent, an untrained one of the same shape:
  same cost, labelled in ``notes``);
* ``magenta``: seconds per image (median of 5 after a warm-up); the network runs at
  384 px whatever the size, plus resizing;
* ``pix2pix``, ``cyclegan``: the shipped ukiyo-e translators (notebooks 08, 09), seconds
  per image (median of 5 after a warm-up); pix2pix includes the photo's HED drawing;
* ``reinhard``, ``histogram``: the classical baselines of notebook 09 (NumPy), the same way.

Threads: ``--threads`` TensorFlow intra-op threads and onnxruntime intra-op threads
(0 = all cores). The 1-minute load average when the run started and after each
measurement is recorded: run it with nothing else busy. Results: ``benchmarks/results/style_transfer_speed.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401  (quiet TF logs before TF loads)
from benchmarks._results import RESULTS, write_rows  # noqa: E402

PHOTO = "windmill-on-fano.jpg"
STYLE = "hokusai-the-great-wave-off-kanagawa.jpg"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def run_one(method: str, size: int, threads: int, gatys_steps: int) -> dict:
    """One measurement in this process (called in a subprocess by :func:`main`)."""
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    from artgan_utils.transfer.stylize import load_input

    photo, style = load_input(PHOTO, size), load_input(STYLE, size)
    row = dict(method=method, size=size, height=photo.shape[0], width=photo.shape[1], threads=threads or os.cpu_count(),
               s_per_step="", steps="", s_per_image="", base_rss_mb=0.0, peak_rss_mb=0.0, notes="")
    if method == "gatys":
        from artgan_utils.pretrained.vgg import vgg16_hed
        from artgan_utils.transfer.gatys import CONTENT_LAYER, STYLE_LAYERS, gatys

        vgg16_hed(STYLE_LAYERS + (CONTENT_LAYER,))
        row["base_rss_mb"] = _rss_mb()
        t0 = time.perf_counter()
        result = gatys(photo, style, size=None, steps=gatys_steps)
        row["s_per_image"] = time.perf_counter() - t0
        t = result.history["seconds"]
        row["s_per_step"] = statistics.median(b - a for a, b in zip(t[2:], t[3:]))
        row["steps"] = gatys_steps
        row["notes"] = "default weights (gatys.DEFAULTS), Adam; s_per_image includes tracing"
    elif method == "adain":
        from artgan_utils.transfer import adain

        try:
            st, row["notes"] = adain.load_adain(), "shipped decoder"
        except FileNotFoundError:
            st, row["notes"] = adain.AdaINStylizer(adain.make_decoder(0.5)), "untrained decoder (width 0.5): timing only"
        st.stylize(photo, style)
        row["base_rss_mb"] = _rss_mb()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            st.stylize(photo, style)
            times.append(time.perf_counter() - t0)
        row["s_per_image"] = statistics.median(times)
    elif method in ("pix2pix", "cyclegan", "reinhard", "histogram"):
        from artgan_utils.transfer import classical, cyclegan, pix2pix

        fn = {"pix2pix": lambda: pix2pix.load_pix2pix("ukiyo-e").render,
              "cyclegan": lambda: cyclegan.load_cyclegan("ukiyo-e").to_painting,
              "reinhard": lambda: lambda p: classical.reinhard(p, style),
              "histogram": lambda: lambda p: classical.histogram_match(p, style)}[method]()
        fn(photo)
        row["base_rss_mb"] = _rss_mb()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            fn(photo)
            times.append(time.perf_counter() - t0)
        row["s_per_image"] = statistics.median(times)
        row["notes"] = {"pix2pix": "shipped ukiyo-e generator; HED drawing included",
                        "cyclegan": "shipped ukiyo-e G (photo -> painting)"}.get(method, "NumPy, one style image")
    elif method == "magenta":
        from artgan_utils.pretrained.magenta import MagentaStylizer

        net = MagentaStylizer(threads=threads or None)
        net.stylize(photo, style)
        row["base_rss_mb"] = _rss_mb()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            net.stylize(photo, style)  # style vector + transformer + resizing
            times.append(time.perf_counter() - t0)
        row["s_per_image"] = statistics.median(times)
        row["notes"] = "onnxruntime CPU; the transformer runs at 384x384"
    else:
        raise ValueError(method)
    row["peak_rss_mb"] = _rss_mb()
    for k in ("s_per_step", "s_per_image"):
        if row[k] != "":
            row[k] = round(float(row[k]), 4)
    row["base_rss_mb"], row["peak_rss_mb"] = round(row["base_rss_mb"]), round(row["peak_rss_mb"])
    return row


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    p.add_argument("--methods", nargs="+",
                   default=["gatys", "adain", "magenta", "pix2pix", "cyclegan", "reinhard", "histogram"])
    p.add_argument("--gatys-steps", type=int, default=200)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--append", action="store_true")
    p.add_argument("--one", nargs=2, metavar=("METHOD", "SIZE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(run_one(args.one[0], int(args.one[1]), args.threads, args.gatys_steps)))
        return
    load = os.getloadavg()[0]
    rows = []
    for size in args.sizes:
        for method in args.methods:
            cmd = [sys.executable, __file__, "--one", method, str(size), "--threads", str(args.threads),
                   "--gatys-steps", str(args.gatys_steps)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            row = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
            row |= dict(load_avg_at_start=round(load, 2), load_avg_after=round(os.getloadavg()[0], 2),
                        machine=f"{platform.machine()}, {os.cpu_count()} CPUs", date=time.strftime("%Y-%m-%d"))
            rows.append(row)
            print({k: row[k] for k in ("method", "size", "s_per_step", "s_per_image", "peak_rss_mb")}, flush=True)
    write_rows(RESULTS / "style_transfer_speed.csv", rows, append=args.append)


if __name__ == "__main__":
    main()
