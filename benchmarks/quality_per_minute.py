"""Quality per minute: the series' recommended recipe against the 2019 article's, at equal training time.

    python benchmarks/quality_per_minute.py                      # standard: 240 s per run, seeds 0-2
    python benchmarks/quality_per_minute.py --seconds 60 --seeds 0  # a quick look
    python benchmarks/quality_per_minute.py --variants stable=dcgan-ukiyoe-32-stable \
        resize=dcgan-ukiyoe-32-stable:upsample=resize --features effnet-lite0 --name recipe_32  # any recipes

With ``--variants``, any named recipes (optionally changed, ``name:key=value,...``)
are compared the same way; the first is the baseline of the ratios, and the real
images come from its stream. ``--features effnet-lite0`` scores KID on ImageNet
EfficientNet-Lite0 features (labelled ``KID[effnet-lite0]``; still not comparable
to published Inception numbers). ``--threads 1`` pins TensorFlow to one thread.

The number a learner on a laptop feels: how good are the samples after the
same minutes of training? Both recipes train 64x64 generators on the same
stream of bundled ukiyo-e patches, from the same seeds:

- ``article``: the 2019 article's DCGAN as it was (``dcgan-ukiyoe-64``: z=100,
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

RECIPES = {"article": "dcgan-ukiyoe-64", "recommended": "dcgan-ukiyoe-64-stable"}


def parse_variant(text: str):
    """``label=recipe`` or ``label=recipe:key=value,key=value`` -> (label, Recipe)."""
    from artgan_utils.gan import get_recipe

    label, _, spec = text.partition("=")
    name, _, changes = spec.partition(":")
    recipe = get_recipe(name)
    fields = recipe.to_dict()
    updates = {}
    for item in filter(None, changes.split(",")):
        key, _, value = item.partition("=")
        if key not in fields:
            raise SystemExit(f"{key!r} is not a recipe setting ({', '.join(sorted(fields))})")
        kind = type(fields[key])
        updates[key] = value.lower() in {"1", "true", "yes"} if kind is bool else kind(value)
    return label, recipe.replace(name=spec, **updates)  # the name records the changes


def main(argv: list[str] | None = None) -> int:
    from artgan_utils import evaluation
    from artgan_utils.evaluation import features
    from artgan_utils.gan import get_recipe

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=240.0, help="training seconds per run (standard: 240)")
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--every", type=int, default=250, help="steps between evaluations")
    p.add_argument("--n-eval", type=int, default=1000, help="real and generated images per evaluation")
    p.add_argument("--variants", nargs="*", default=None,
                   help="label=recipe[:key=value,...] ...; default: article and recommended at 64x64")
    p.add_argument("--features", choices=["random-cnn", "effnet-lite0"], default="random-cnn")
    p.add_argument("--name", default="quality_per_minute", help="results file stem in benchmarks/results/")
    p.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0 = its default)")
    args = p.parse_args(argv)
    if args.threads:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)

    if args.variants:
        variants = dict(parse_variant(v) for v in args.variants)
    else:
        variants = {label: get_recipe(name) for label, name in RECIPES.items()}
    labels = list(variants)
    real = evaluation.held_out_real(variants[labels[0]], args.n_eval)
    if args.features == "effnet-lite0":
        from artgan_utils.pretrained import effnet

        extractor = effnet.feature_extractor()
    else:
        extractor = features.random_cnn()
    evaluator = evaluation.Evaluator(real, extractor=extractor, n=args.n_eval)
    finals, curves = [], []
    for seed in args.seeds:
        for variant, base in variants.items():  # interleaved, so that load drift hits all alike
            recipe, name = base.replace(seed=seed), base.name
            t0 = time.perf_counter()
            _, history = evaluation.train_for_time(recipe, args.seconds, evaluator, args.every)
            last = history[-1]
            finals.append({"variant": variant, "recipe": name, "seed": seed, **last})
            curves += [{"variant": variant, "recipe": name, "seed": seed, **h} for h in history]
            print(f"{variant:<12} seed {seed}: {last['step']:>5} steps in {last['seconds']:.0f} s, "
                  f"{evaluator.describe(last)} ({time.perf_counter() - t0:.0f} s with evaluation)", flush=True)

    summary = {}
    print(f"\nAfter {args.seconds:.0f} s of training, {len(args.seeds)} seeds (mean ± std):")
    for variant in labels:
        rows = [r for r in finals if r["variant"] == variant]
        summary[variant] = {k: statistics.mean(r[k] for r in rows) for k in ("swd", "kid", "step")}
        spread = {k: statistics.stdev(r[k] for r in rows) if len(rows) > 1 else 0.0 for k in ("swd", "kid")}
        print(f"  {variant:<12} SWD {summary[variant]['swd']:6.1f} ± {spread['swd']:5.1f}   "
              f"{extractor.label('KID')} {summary[variant]['kid']:.4f} ± {spread['kid']:.4f}   "
              f"({summary[variant]['step']:.0f} steps)")
    base = labels[0]
    for variant in labels[1:]:
        rec, seed_ = summary[variant], summary[base]
        print(f"  ratio {variant} / {base}: SWD {rec['swd'] / seed_['swd']:.2f}, KID {rec['kid'] / seed_['kid']:.2f}")
        wins = sum(r["kid"] < s["kid"] for r, s in zip([r for r in finals if r["variant"] == variant],
                                                         [r for r in finals if r["variant"] == base]))
        print(f"  {variant} has the lower KID on {wins} of {len(args.seeds)} seeds")

    for row in finals + curves:
        row["features"] = extractor.name
    for rows, suffix in ((finals, ""), (curves, "_curves")):
        write_rows(RESULTS / f"{args.name}{suffix}.csv", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
