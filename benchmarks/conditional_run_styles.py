"""Style consistency of a conditional-GAN run as it trains (notebook 10's bar).

    python benchmarks/conditional_run_styles.py runs/cond64                 # the run's latest checkpoint
    python benchmarks/conditional_run_styles.py checkpoints/conditional-styles
    python benchmarks/conditional_run_styles.py runs/cond64 --diagnose     # ... and where the samples go

Loads the EMA generator of a run folder (``python -m artgan_utils.artworks.conditional_train
train --out ...``, its latest checkpoint) or of an exported folder (with ``run.json``),
and scores it as notebook 10's section 3 does in ``standard``: one ``StyleCheck``
(EfficientNet-Lite0 features; a logistic-regression style classifier trained on 150 real
patches per class, seed 1) and 100 samples per class. It prints the table and appends a
row per call to ``benchmarks/results/conditional_run_styles.csv``: the step, each class's
accuracy (the diagonal of the confusion matrix), and the mean over the counted classes of
accuracy, KID[effnet-lite0] and SWD. Scoring the same run at several steps shows whether
more training moves the classes apart. ``--diagnose`` also prints full confusion matrices
(rows: the class asked for; columns: the class assigned) of the samples, of the samples
under a 3x3 box blur, and of the real held-out patches with a 2-pixel checkerboard of
amplitude 0.1 added: whether the classifier sorts the samples by their texture rather
than their palette; and of the real patches under a 5x5 box blur and at a quarter of
their resolution (area-downsampled, then bilinearly upsampled back): whether a style
is still recognised without its fine detail, that is, whether a blurry generator could
be recognised at all. It then prints low-order statistics of each class's real patches
and samples side by side (mean colour, the share of flat 8x8 blocks, mean gradient, patch
contrast): what the samples already match, so that the difference lies elsewhere.
Run it on a core the trainer does not use.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401  (quiet TF logs before TF loads)
from benchmarks._results import RESULTS, write_rows  # noqa: E402


def load(folder: Path):
    """``(gan, steps)`` from a run folder (latest checkpoint) or an exported one (``run.json``)."""
    from artgan_utils.artworks import conditional_train as T

    if (folder / T.RUN_FILE).is_file():
        gan, info = T.load_conditional(str(folder))
        return gan, info["steps_done"]
    _, gan = T.restore_run(folder, T.build_model)
    return gan, int(gan.step.numpy())


def diagnose(check, report) -> None:
    """Print the confusion matrices of the samples as they are and blurred, and of real patches with a checkerboard,
    blurred and at a quarter of their resolution."""
    import numpy as np
    import tensorflow as tf

    fake, labels = report["samples"], report["labels"]
    board = (np.indices(check.real.shape[1:3]).sum(0) % 2 * 2 - 1)[None, :, :, None]
    size = check.real.shape[1]
    quarter = tf.image.resize(tf.image.resize(check.real, (size // 4, size // 4), method="area"), (size, size),
                              method="bilinear").numpy()
    cases = {"samples": (fake, labels),
             "samples, 3x3 box blur": (tf.nn.avg_pool2d(fake, 3, 1, "SAME").numpy(), labels),
             "real patches + 0.1 checkerboard": (np.clip(check.real + 0.1 * board, -1, 1), check.real_labels),
             "real patches, 5x5 box blur": (tf.nn.avg_pool2d(check.real, 5, 1, "SAME").numpy(), check.real_labels),
             f"real patches at 1/4 resolution ({size // 4} px, resized back)": (quarter, check.real_labels)}
    with np.printoptions(precision=2, suppress=True):
        for name, (images, y) in cases.items():
            print(f"\n{name} (rows: asked / real class; columns: assigned; {', '.join(check.names)})")
            print(check.classifier.confusion(check.extractor(images), y))


def patch_statistics(images):
    """Mean RGB in [0, 1]; share of 8x8 blocks whose grey level varies by less than 0.03 (std); mean absolute
    grey-level difference between neighbouring pixels; mean per-patch std of the grey level."""
    import numpy as np

    x = (np.asarray(images, dtype=np.float64) + 1) / 2
    grey = x.mean(-1)
    n, h, w = grey.shape
    blocks = grey[:, :h // 8 * 8, :w // 8 * 8].reshape(n, h // 8, 8, w // 8, 8).std(axis=(2, 4))
    gradient = np.abs(np.diff(grey, axis=1)).mean() + np.abs(np.diff(grey, axis=2)).mean()
    return x.mean(axis=(0, 1, 2)), float((blocks < 0.03).mean()), float(gradient), float(grey.std(axis=(1, 2)).mean())


def print_patch_statistics(check, report) -> None:
    """Each class's real held-out patches and samples side by side on :func:`patch_statistics`."""
    import numpy as np

    print("\nlow-order statistics (real / samples): mean RGB | flat 8x8 blocks | mean |gradient| | patch contrast")
    for k, name in enumerate(check.names):
        real = patch_statistics(check.real[check.real_labels == k])
        fake = patch_statistics(report["samples"][report["labels"] == k])
        rgb = " / ".join(np.array2string(s[0], precision=2) for s in (real, fake))
        print(f"{name:14s} {rgb} | {real[1]:.2f} / {fake[1]:.2f} | {real[2]:.3f} / {fake[2]:.3f} "
              f"| {real[3]:.3f} / {fake[3]:.3f}")


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    from artgan_utils.artworks import styles
    from artgan_utils.transfer.chunked_training import set_threads

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--n-train", type=int, default=150, help="real patches per class for the classifier")
    p.add_argument("--n-test", type=int, default=100, help="held-out real patches and samples per class")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--diagnose", action="store_true", help="confusion matrices of blurred samples, and of real "
                   "patches with a checkerboard, blurred and at 1/4 resolution")
    args = p.parse_args(argv)
    set_threads(args.threads)
    gan, steps = load(args.folder)
    size = gan.generator.output_shape[1]
    check = styles.StyleCheck(size, n_train=args.n_train, n_test=args.n_test)
    report = check.report(gan, args.n_test)
    print(f"{args.folder.name}, step {steps}")
    print(check.table({f"step {steps}": report}))
    if args.diagnose:
        diagnose(check, report)
        print_patch_statistics(check, report)
    ok = check.counted
    row = {"run": args.folder.name, "step": steps, "date": datetime.date.today().isoformat(),
           "accuracy_counted": round(float(np.mean(report["accuracy"][ok])), 3),
           **{f"acc_{n.replace(' ', '_')}": round(float(a), 3) for n, a in zip(check.names, report["accuracy"])},
           "kid_effnet_counted": round(float(np.mean(np.array(report["kid"])[ok])), 4),
           "swd_counted": round(float(np.mean(np.array(report["swd"])[ok])), 1),
           "size": size, "n_train": args.n_train, "n_test": args.n_test, "cpu_count": os.cpu_count()}
    cfg = args.folder / "config.json"
    if cfg.is_file():
        row["wall_seconds"] = json.loads(cfg.read_text()).get("wall_seconds")
    write_rows(RESULTS / "conditional_run_styles.csv", [row], append=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
