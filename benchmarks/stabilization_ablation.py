"""Ablation: the baseline DCGAN vs stabilised variants on the bundled ukiyo-e patches, at equal training time.

    python benchmarks/stabilization_ablation.py --profile standard            # the table in README / notebook 05
    python benchmarks/stabilization_ablation.py --variants baseline recommended --seeds 0 --seconds 60

Every run trains the named recipe (``dcgan-ukiyoe-32`` with the variant's
changes) for the same *training* time budget (evaluation excluded), scoring
the sampler every ``--every`` steps on held-out real patches: SWD (no network),
KID and FD on the offline random-CNN features (labelled ``[random-cnn]``, not
comparable to published FID), precision and recall. Writes
``benchmarks/results/stabilization_<profile>.csv`` (final scores per variant and
seed) and ``..._curves.csv`` (scores over training).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401
from benchmarks._results import RESULTS, write_rows  # noqa: E402

#: Variant name -> changes to the base recipe. "recommended" is RECIPES["dcgan-ukiyoe-32-stable"].
VARIANTS: dict[str, dict] = {
    "baseline": {},
    "hinge+SN": dict(loss="hinge", spectral_norm=True),
    "WGAN-GP": dict(loss="wasserstein", gp_weight=10.0, n_critic=2, dropout=0.0, g_lr=1e-4, d_lr=1e-4, beta_1=0.0),
    "R1": dict(r1_gamma=1.0),
    "DiffAugment": dict(augment="color,translation,cutout"),
    "EMA": dict(ema_decay=0.999),
    "TTUR": dict(g_lr=1e-4, d_lr=4e-4),
}

#: per profile: training seconds per run, evaluation interval (steps), real/fake images per evaluation
PROFILE = {"quick": (30, 100, 256), "standard": (150, 500, 1000), "full": (900, 1000, 2000)}


def run(variant: str, changes: dict, seed: int, seconds: float, every: int, n_eval: int, real, extractor):
    from artgan_utils import evaluation
    from artgan_utils.gan import get_recipe

    if variant == "recommended":
        recipe = get_recipe("dcgan-ukiyoe-32-stable").replace(seed=seed)
    else:
        recipe = get_recipe("dcgan-ukiyoe-32").replace(seed=seed, **changes)
    return evaluation.train_for_time(recipe, seconds, evaluation.Evaluator(real, extractor=extractor, n=n_eval),
                                     every)[1]


def main(argv: list[str] | None = None) -> int:
    from artgan_utils import evaluation
    from artgan_utils.evaluation import features
    from artgan_utils.gan import get_recipe

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--profile", default="standard", choices=list(PROFILE))
    p.add_argument("--variants", nargs="*", default=["baseline", "recommended"] + [v for v in VARIANTS if v != "baseline"])
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--seconds", type=float, help="training seconds per run (default: the profile's)")
    args = p.parse_args(argv)
    seconds, every, n_eval = PROFILE[args.profile]
    seconds = args.seconds or seconds
    real = evaluation.held_out_real(get_recipe("dcgan-ukiyoe-32"), n_eval)
    extractor = features.random_cnn()
    final_rows, curve_rows = [], []
    for variant in args.variants:
        for seed in args.seeds:
            t0 = time.perf_counter()
            history = run(variant, VARIANTS.get(variant, {}), seed, seconds, every, n_eval, real, extractor)
            last = history[-1]
            final_rows.append({"variant": variant, "seed": seed, **last})
            curve_rows += [{"variant": variant, "seed": seed, **h} for h in history]
            print(f"{variant:<12} seed {seed}: step {last['step']:>5}, SWD {last['swd']:6.1f}, "
                  f"KID {last['kid']:.4f} ± {last['kid_std']:.4f}, precision {last['precision']:.2f}, "
                  f"recall {last['recall']:.2f} ({time.perf_counter() - t0:.0f} s with evaluation)", flush=True)
    for rows, suffix in ((final_rows, ""), (curve_rows, "_curves")):
        write_rows(RESULTS / f"stabilization_{args.profile}{suffix}.csv", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
