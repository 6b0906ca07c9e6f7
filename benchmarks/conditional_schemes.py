"""Which conditioning scheme to keep (notebook 10): concat, AC-GAN and projection at equal wall-clock time.

    python benchmarks/conditional_schemes.py                        # 90 s per run, seeds 0 and 1, 32 px
    python benchmarks/conditional_schemes.py --seconds 20 --seeds 0 # a quick look

Each scheme (``artgan_utils.gan.conditional.SCHEMES``) trains a fresh
``build_conditional_gan`` (notebook 05's stabilisation: hinge, spectral norm,
DiffAugment, EMA) on the balanced five-class stream of ``artgan_utils.artworks.styles``
for ``--seconds`` of wall-clock time, from each seed, runs interleaved by seed.
Each run is then scored by one ``StyleCheck`` (EfficientNet-Lite0 features; a
logistic-regression style classifier trained on real patches only): the mean
accuracy of the classifier on the samples over the classes with enough works (the
style-consistency number), and the mean per-class KID[effnet-lite0] and SWD. Run it on
an otherwise idle core (``taskset -c 1``); results go to
``benchmarks/results/conditional_schemes.csv``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401  (quiet TF logs before TF loads)
from benchmarks._results import RESULTS, write_rows  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    import tensorflow as tf

    from artgan_utils.artworks import styles
    from artgan_utils.gan import conditional

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=90.0)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--n-test", type=int, default=100, help="held-out real patches and samples per class")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    check = styles.StyleCheck(args.size, n_train=200, n_test=args.n_test)
    ok = check.counted
    print(f"real held-out patches: mean accuracy {np.mean(np.diag(check.real_confusion)[ok]):.2f} "
          f"over the {ok.sum()} counted classes", flush=True)
    rows = []
    for seed in args.seeds:
        for scheme in conditional.SCHEMES:
            gan = conditional.build_conditional_gan(len(styles.STYLE_CLASSES), scheme, args.size, seed=seed)
            start = time.perf_counter()
            while time.perf_counter() - start < args.seconds:
                step = int(gan.step.numpy())
                gan.fit(styles.style_stream(args.size, args.batch, seed, start_batch=step), steps_per_epoch=10,
                        verbose=0)
            seconds = time.perf_counter() - start
            r = check.report(gan, args.n_test)
            row = {"scheme": scheme, "seed": seed, "steps": int(gan.step.numpy()), "seconds": round(seconds, 1),
                   "accuracy_counted": round(float(np.mean(r["accuracy"][ok])), 3),
                   **{f"acc_{n.replace(' ', '_')}": round(float(a), 3) for n, a in zip(check.names, r["accuracy"])},
                   "kid_effnet_counted": round(float(np.mean(np.array(r["kid"])[ok])), 4),
                   "swd_counted": round(float(np.mean(np.array(r["swd"])[ok])), 1),
                   "size": args.size, "batch": args.batch, "threads": args.threads, "cpu_count": os.cpu_count()}
            rows.append(row)
            print(f"seed {seed} {scheme:10} {row['steps']:4d} steps: style accuracy {row['accuracy_counted']:.2f}, "
                  f"KID {row['kid_effnet_counted']:.3f}, SWD {row['swd_counted']:.0f}", flush=True)
    print("\nmeans over seeds (counted classes):")
    for scheme in conditional.SCHEMES:
        mine = [r for r in rows if r["scheme"] == scheme]
        acc = [r["accuracy_counted"] for r in mine]
        kid = [r["kid_effnet_counted"] for r in mine]
        print(f"{scheme:10} accuracy {np.mean(acc):.2f} ± {np.std(acc):.2f}   KID {np.mean(kid):.3f} ± {np.std(kid):.3f}")
    write_rows(RESULTS / "conditional_schemes.csv", rows, append=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
