"""The single-painting GAN's headless trainer: ``python -m artgan_utils.artworks.singan_train train|export``.

Taught in notebook 10, section 2: the notebook trains a small pyramid of The Great Wave
in its profile; the shipped ``checkpoints/singan-great-wave`` comes from a longer run of
this command at a larger size.

``train`` fits :class:`artgan_utils.gan.singan.SinGAN` scale by scale in chunks of
``--every`` iterations (``--iters`` must be a multiple), each followed by a checkpoint,
a ``log.csv`` row and a sample grid (the painting, its reconstruction and random
variations at the scale reached); the same command resumes exactly.
``export`` writes every scale's generator as float16 weights and ``run.json`` (the
pyramid's shapes and noise amplitudes); :func:`load_singan` reads it back.

    python -m artgan_utils.artworks.singan_train train --out runs/singan --max-size 256 --iters 800
    python -m artgan_utils.artworks.singan_train export --out runs/singan --to checkpoints/singan-great-wave
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from artgan_utils.transfer.chunked_training import (add_run_options, copy_samples, read_config, report, restore_run,
                                                    run_settings, save_float16, train_in_chunks)

CONFIG_KEYS = ("painting", "max_size", "min_size", "scale_factor", "iters", "d_steps", "g_steps", "channels", "seed")
PAINTING = "The Great Wave off Kanagawa"
RUN_FILE = "run.json"
SHIPPED = "singan-great-wave"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m artgan_utils.artworks.singan_train", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train (or resume) a single-image GAN on one painting")
    t.add_argument("--out", required=True)
    t.add_argument("--painting", default=PAINTING, help="a bundled painting's title or file name, or an image file")
    t.add_argument("--max-size", type=int, default=256, help="longest side of the finest scale")
    t.add_argument("--min-size", type=int, default=25, help="shorter side of the coarsest scale")
    t.add_argument("--scale-factor", type=float, default=0.75)
    t.add_argument("--iters", type=int, default=800, help="iterations per scale (the paper: 2000)")
    t.add_argument("--every", type=int, default=200, help="iterations per chunk; must divide --iters")
    t.add_argument("--d-steps", type=int, default=3)
    t.add_argument("--g-steps", type=int, default=3)
    t.add_argument("--channels", type=int, default=32)
    t.add_argument("--seed", type=int, default=0)
    add_run_options(t)
    e = sub.add_parser("export", help="export a run's generators (float16) and run.json")
    e.add_argument("--out", required=True)
    e.add_argument("--to", required=True)
    return p


def load_painting(name: str, max_size: int) -> np.ndarray:
    """The painting as (h, w, 3) float32 in [-1, 1], longest side ``max_size``."""
    from artgan_utils.transfer.stylize import load_input

    return load_input(name, size=max_size, what="painting") * 2.0 - 1.0


def build_model(cfg: dict):
    """The :class:`~artgan_utils.gan.singan.SinGAN` of a run's settings."""
    from artgan_utils.gan.singan import SinGAN, pyramid_shapes

    painting = load_painting(cfg["painting"], cfg["max_size"])
    shapes = pyramid_shapes(*painting.shape[:2], cfg["max_size"], cfg["min_size"], cfg["scale_factor"])
    model = SinGAN(painting, shapes, cfg["iters"], channels=cfg["channels"], d_steps=cfg["d_steps"],
                   g_steps=cfg["g_steps"], seed=cfg["seed"])
    model.compile()
    return model


def sample_grid(model, n: int = 3) -> np.ndarray:
    """The painting, its reconstruction and ``n`` variations at the scale reached, side by side, in [0, 1]."""
    scale = max(model.current, 0)
    real = model.reals[scale][0].numpy()
    rec = model.generate(1, noise=False, until=scale)[0].numpy()
    fakes = list(model.generate(n, seed=7, until=scale).numpy())
    row = np.concatenate([real, rec, *fakes], axis=1)
    return np.clip((row + 1) / 2, 0, 1)


class _ScaleStream:
    """``dataset_at(start, n)`` for :func:`train_in_chunks`: moves the model to the scale of ``start`` first."""

    def __init__(self, model):
        import tensorflow as tf

        self.model, self.dummy = model, tf.data.Dataset.from_tensors(0.0).repeat()

    def __call__(self, start: int, n: int):
        scale = start // self.model.iters_per_scale
        if (start + n - 1) // self.model.iters_per_scale != scale:
            raise ValueError("a chunk may not cross a scale: --every must divide --iters.")
        if scale != self.model.current:
            self.model.start_scale(scale)
        return self.dummy


def train(out: str | os.PathLike[str], cfg: dict, every: int, progress: bool = True, command: str | None = None,
          time_limit: float = 0.0) -> dict:
    """Train every scale (resuming from ``out/ckpt`` if present); returns the run summary."""
    if cfg["iters"] % every:
        raise ValueError(f"--every ({every}) must divide --iters ({cfg['iters']}).")
    out = Path(out)
    read_config(out, cfg, CONFIG_KEYS)
    model = build_model(cfg)
    return train_in_chunks(model, out, model.total_steps, every, cfg, keys=CONFIG_KEYS, dataset_at=_ScaleStream(model),
                           sample_grid=sample_grid, log_columns=("d_loss", "g_adv", "rec", "gp"),
                           desc=f"SinGAN, {model.num_scales} scales", progress=progress, command=command,
                           time_limit=time_limit)


def export(out: str | os.PathLike[str], to: str | os.PathLike[str]) -> Path:
    """Write every scale's generator (float16), ``run.json`` (shapes, noise amplitudes) and samples to ``to``."""
    out, to = Path(out), Path(to)
    cfg, model = restore_run(out, build_model)
    to.mkdir(parents=True, exist_ok=True)
    for n, g in enumerate(model.generators):
        save_float16(g, to / f"G{n}.weights.h5")
    info = {
        "what": f"SinGAN-style pyramid of {model.num_scales} generators trained on one painting ({cfg['painting']})",
        "command": cfg.get("command", ""), "steps_done": int(model.step.numpy()),
        "wall_seconds": cfg.get("wall_seconds"), **{k: cfg[k] for k in CONFIG_KEYS},
        "shapes": [list(s) for s in model.shapes], "noise_amps": [float(a) for a in model.noise_amps.numpy()],
        "loss": "WGAN-GP (weight 0.1) of 11-px patch critics + 10 x reconstruction MSE, per scale (Shaham et al. 2019)",
        "stopped": cfg.get("stopped", ""), "time_limit_min": cfg.get("time_limit_min", 0),
        "machine": cfg.get("machine", ""), "dtype": "float16 weights (loaded into float32)",
    }
    (to / RUN_FILE).write_text(json.dumps(info, indent=2) + "\n")
    copy_samples(out, to)
    return to


def load_singan(name: str = SHIPPED):
    """``(model, info)``: a shipped (or exported) single-image GAN, ready to ``generate``, and its run.json."""
    from artgan_utils.gan.run_files import checkpoints_dir

    path = Path(name) if (Path(name) / RUN_FILE).is_file() else checkpoints_dir() / name
    if not (path / RUN_FILE).is_file():
        raise FileNotFoundError(f"No single-image GAN in {path}; train one with `python -m "
                                "artgan_utils.artworks.singan_train train --out runs/singan` and export it.")
    info = json.loads((path / RUN_FILE).read_text())
    model = build_model({k: info[k] for k in CONFIG_KEYS})
    for n, g in enumerate(model.generators):
        g.load_weights(str(path / f"G{n}.weights.h5"))
    model.noise_amps.assign(info["noise_amps"])
    model.current = model.num_scales - 1
    return model, info


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.cmd == "export":
        print(export(args.out, args.to))
        return
    cfg, command = run_settings(args, CONFIG_KEYS, "artgan_utils.artworks.singan_train", argv)
    info = train(args.out, cfg, args.every, progress=not args.quiet, command=command, time_limit=args.time_limit)
    report(info, args.out)


if __name__ == "__main__":
    main()
