"""Quality per minute: the series' recommended recipe against the seed's, at equal training time.

    python benchmarks/quality_per_minute.py                      # standard: 240 s per run, seeds 0-2
    python benchmarks/quality_per_minute.py --seconds 60 --seeds 0  # a quick look

The number a learner on a laptop feels: how good are the samples after the
same minutes of training? Both recipes train 64x64 generators on the same
stream of bundled ukiyo-e patches, from the same seeds:

- ``seed``: the seed project's DCGAN as it was (``dcgan-ukiyoe-64``: z=100,
  8x8x128 -> 64x64x3, transposed convolutions, Dropout in D, the
  non-saturating cross-entropy loss, Adam 2e-4 / beta_1 0.5 for both, batch 32);
- ``recommended``: ``dcgan-ukiyoe-64-stable``, the same networks with notebook
  05's stabilisation (hinge loss, spectral norm in D, DiffAugment colour +
  translation, generator EMA 0.999).

Each run gets the same *training* time (evaluation excluded,
:func:`artgan_utils.evaluation.train_for_time`) and is scored every ``--every``
steps and at the end on 1,000 held-out real patches: SWD (no network) and KID
on the offline random-CNN features (labelled ``[random-cnn]``; not comparable
to published Inception-based numbers). Prints means and standard deviations
over seeds and the recommended/seed ratios; writes
``benchmarks/results/quality_per_minute.csv`` and ``..._curves.csv``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401
from benchmarks._results import RESULTS, write_rows  # noqa: E402

RECIPES = {"seed": "dcgan-ukiyoe-64", "recommended": "dcgan-ukiyoe-64-stable"}


def main(argv: list[str] | None = None) -> int:
    from artgan_utils import evaluation
    from artgan_utils.evaluation import features
    from artgan_utils.gan import get_recipe

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=240.0, help="training seconds per run (standard: 240)")
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--every", type=int, default=250, help="steps between evaluations")
    p.add_argument("--n-eval", type=int, default=1000, help="real and generated images per evaluation")
    args = p.parse_args(argv)

    real = evaluation.held_out_real(get_recipe(RECIPES["seed"]), args.n_eval)
    extractor = features.random_cnn()
    evaluator = evaluation.Evaluator(real, extractor=extractor, n=args.n_eval)
    finals, curves = [], []
    for seed in args.seeds:
        for variant, name in RECIPES.items():  # interleaved, so that load drift hits both alike
            recipe = get_recipe(name).replace(seed=seed)
            t0 = time.perf_counter()
            _, history = evaluation.train_for_time(recipe, args.seconds, evaluator, args.every)
            last = history[-1]
            finals.append({"variant": variant, "recipe": name, "seed": seed, **last})
            curves += [{"variant": variant, "recipe": name, "seed": seed, **h} for h in history]
            print(f"{variant:<12} seed {seed}: {last['step']:>5} steps in {last['seconds']:.0f} s, "
                  f"{evaluator.describe(last)} ({time.perf_counter() - t0:.0f} s with evaluation)", flush=True)

    summary = {}
    print(f"\nAfter {args.seconds:.0f} s of training, {len(args.seeds)} seeds (mean ± std):")
    for variant in RECIPES:
        rows = [r for r in finals if r["variant"] == variant]
        summary[variant] = {k: statistics.mean(r[k] for r in rows) for k in ("swd", "kid", "step")}
        spread = {k: statistics.stdev(r[k] for r in rows) if len(rows) > 1 else 0.0 for k in ("swd", "kid")}
        print(f"  {variant:<12} SWD {summary[variant]['swd']:6.1f} ± {spread['swd']:5.1f}   "
              f"{extractor.label('KID')} {summary[variant]['kid']:.4f} ± {spread['kid']:.4f}   "
              f"({summary[variant]['step']:.0f} steps)")
    rec, seed_ = summary["recommended"], summary["seed"]
    print(f"  ratio recommended / seed: SWD {rec['swd'] / seed_['swd']:.2f}, KID {rec['kid'] / seed_['kid']:.2f} "
          f"(target: KID <= 0.5)")
    wins = sum(r["kid"] < s["kid"] for r, s in zip([r for r in finals if r["variant"] == "recommended"],
                                                     [r for r in finals if r["variant"] == "seed"]))
    print(f"  recommended has the lower KID on {wins} of {len(args.seeds)} seeds")

    for rows, suffix in ((finals, ""), (curves, "_curves")):
        write_rows(RESULTS / f"quality_per_minute{suffix}.csv", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
