"""The conditional GAN's headless trainer: ``python -m artgan_utils.artworks.conditional_train train|export``.

Taught in notebook 10, section 1: the notebook trains each conditioning scheme for a
minute or two; the shipped generator ``checkpoints/conditional-styles`` comes from a long
run of this command with the scheme the notebook's measurement keeps.

``train`` fits :class:`artgan_utils.gan.conditional.ConditionalGAN` on the balanced
``(patch, style)`` stream of :mod:`artgan_utils.artworks.styles` in chunks of ``--every``
steps (checkpoint, ``log.csv`` row, sample grid: one row per class from the same latent
vectors); the same command resumes exactly (:mod:`artgan_utils.transfer.chunked_training`),
and with a larger ``--steps`` (and ``--time-limit``) it continues a finished run, since
no learning-rate schedule depends on the step count.
``export`` writes the EMA generator as float16 weights with ``run.json``, ``samples.png``
and ``progress.jpg``; :func:`load_conditional` reads it back.

    python -m artgan_utils.artworks.conditional_train train --out runs/cond --scheme projection --size 64 --steps 6000
    python -m artgan_utils.artworks.conditional_train export --out runs/cond --to checkpoints/conditional-styles
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from artgan_utils.transfer.chunked_training import (add_run_options, copy_samples, read_config, report, restore_run,
                                                    run_settings, save_float16, train_in_chunks)

CONFIG_KEYS = ("scheme", "size", "batch", "seed", "lr", "steps", "g_filters", "d_filters", "upsample", "start_size",
               "d_layers")
# settings added after earlier runs were trained (d_layers 0: the default depth, log2(size) - 3)
DEFAULTS = {"upsample": "transpose", "start_size": 8, "d_layers": 0}
GENERATOR_FILE = "generator.weights.h5"
RUN_FILE = "run.json"
SHIPPED = "conditional-styles"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m artgan_utils.artworks.conditional_train",
                                description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train (or resume) the conditional GAN on the bundled styles")
    t.add_argument("--out", required=True)
    t.add_argument("--scheme", default="projection", choices=("concat", "acgan", "projection"))
    t.add_argument("--size", type=int, default=64, help="patch size (32, 64 or 128)")
    t.add_argument("--steps", type=int, default=6000, help="steps in all (a larger value continues a finished run)")
    t.add_argument("--every", type=int, default=250)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--lr", type=float, default=2e-4)
    t.add_argument("--g-filters", type=int, default=128)
    t.add_argument("--d-filters", type=int, default=64)
    t.add_argument("--upsample", default="transpose", choices=("transpose", "resize"),
                   help="the generator's upsampling: transposed convolutions or resize-convolutions (notebook 05)")
    t.add_argument("--start-size", type=int, default=8,
                   help="side of the generator's first feature map (8; 4 adds a coarse layer for the layout)")
    t.add_argument("--d-layers", type=int, default=0,
                   help="the discriminator's stride-2 convolutions (0: log2(size) - 3, ending on 8x8; "
                        "one more ends on 4x4, where each feature sees most of the patch)")
    add_run_options(t)
    e = sub.add_parser("export", help="export a run's EMA generator (float16) and run.json")
    e.add_argument("--out", required=True)
    e.add_argument("--to", required=True)
    return p


def build_model(cfg: dict):
    """The compiled :class:`~artgan_utils.gan.conditional.ConditionalGAN` of a run's settings."""
    from artgan_utils.artworks.styles import STYLE_CLASSES
    from artgan_utils.gan.conditional import build_conditional_gan

    cfg = DEFAULTS | cfg
    return build_conditional_gan(len(STYLE_CLASSES), cfg["scheme"], cfg["size"], seed=cfg["seed"],
                                 g_filters=cfg["g_filters"], d_filters=cfg["d_filters"], lr=cfg["lr"],
                                 upsample=cfg["upsample"], start_size=cfg["start_size"],
                                 d_layers=cfg["d_layers"] or None)


def sample_grid(gan, per_row: int = 8, seed: int = 0) -> np.ndarray:
    """One row per class, the same ``per_row`` latent vectors in every row; (h, w, 3) in [0, 1]."""
    from artgan_utils.artworks.styles import STYLE_CLASSES, generate_per_class

    images, _ = generate_per_class(gan, per_row, len(STYLE_CLASSES), seed)
    n, s = len(STYLE_CLASSES), images.shape[1]
    grid = images.reshape(n, per_row, s, s, 3).transpose(0, 2, 1, 3, 4).reshape(n * s, per_row * s, 3)
    return (grid + 1) / 2


def train(out: str | os.PathLike[str], cfg: dict, every: int, progress: bool = True, command: str | None = None,
          time_limit: float = 0.0) -> dict:
    """Train to ``cfg["steps"]`` (resuming from ``out/ckpt`` if present); returns the run summary."""
    from artgan_utils.artworks.styles import style_stream

    out, cfg = Path(out), DEFAULTS | cfg
    read_config(out, cfg, CONFIG_KEYS, DEFAULTS, extendable=True)  # no schedule depends on --steps: runs extend
    model = build_model(cfg)
    return train_in_chunks(model, out, cfg["steps"], every, cfg, keys=CONFIG_KEYS, defaults=DEFAULTS, extendable=True,
                           dataset_at=lambda start, n: style_stream(cfg["size"], cfg["batch"], cfg["seed"], start),
                           sample_grid=sample_grid, log_columns=("d_loss", "g_loss", "d_real", "d_fake"),
                           desc=f"conditional GAN ({cfg['scheme']})", progress=progress, command=command,
                           time_limit=time_limit)


def export(out: str | os.PathLike[str], to: str | os.PathLike[str]) -> Path:
    """Write the EMA generator (float16), ``run.json``, the last sample grid and a progress strip to ``to``."""
    from artgan_utils.artworks.styles import STYLE_CLASSES

    out, to = Path(out), Path(to)
    cfg, model = restore_run(out, build_model, DEFAULTS)
    to.mkdir(parents=True, exist_ok=True)
    save_float16(model.sampler, to / GENERATOR_FILE)
    info = {
        "what": f"class-conditional DCGAN ({cfg['scheme']} conditioning"
                f"{', resize-convolutions' if cfg['upsample'] == 'resize' else ''}), {cfg['size']}x{cfg['size']} "
                f"patches of the bundled paintings, one class per style or artist; the EMA generator",
        "classes": [c.name for c in STYLE_CLASSES],
        "works_per_class": [len(c.works()) for c in STYLE_CLASSES],
        "command": cfg.get("command", ""), "steps_done": int(model.step.numpy()),
        "wall_seconds": cfg.get("wall_seconds"), **{k: cfg[k] for k in CONFIG_KEYS},
        "loss": "hinge, spectral norm in D, DiffAugment color+translation, generator EMA 0.999 (notebook 05)",
        "stopped": cfg.get("stopped", ""), "time_limit_min": cfg.get("time_limit_min", 0),
        "machine": cfg.get("machine", ""), "dtype": "float16 weights (loaded into float32)",
    }
    (to / RUN_FILE).write_text(json.dumps(info, indent=2) + "\n")
    copy_samples(out, to)
    return to


def load_conditional(name: str = SHIPPED):
    """``(gan, info)``: a shipped (or exported) conditional generator inside a ConditionalGAN, and its run.json.

    ``gan.generate(z, label)`` samples from it (the EMA weights are the generator's own).
    """
    from artgan_utils.gan.run_files import checkpoints_dir

    path = Path(name) if (Path(name) / RUN_FILE).is_file() else checkpoints_dir() / name
    if not (path / GENERATOR_FILE).is_file():
        raise FileNotFoundError(f"No conditional generator in {path}; train one with `python -m "
                                "artgan_utils.artworks.conditional_train train --out runs/cond` and export it.")
    info = json.loads((path / RUN_FILE).read_text())
    cfg = {k: (DEFAULTS | info)[k] for k in CONFIG_KEYS}
    gan = build_model(cfg)
    gan.generator.load_weights(str(path / GENERATOR_FILE))
    gan.ema_generator.set_weights(gan.generator.get_weights())
    return gan, info


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.cmd == "export":
        print(export(args.out, args.to))
        return
    cfg, command = run_settings(args, CONFIG_KEYS, "artgan_utils.artworks.conditional_train", argv)
    info = train(args.out, cfg, args.every, progress=not args.quiet, command=command, time_limit=args.time_limit)
    report(info, args.out)


if __name__ == "__main__":
    main()
