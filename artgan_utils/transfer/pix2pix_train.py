"""pix2pix's headless trainer: ``python -m artgan_utils.transfer.pix2pix_train train|export``.

Taught in notebook 08: a short run in the notebook's profile; the
shipped generators ``checkpoints/pix2pix-<style>`` come from longer runs of this command.

``train`` fits :class:`artgan_utils.transfer.pix2pix.Pix2Pix` on aligned crops of
(line drawing, painting) of one bundled style (:class:`artgan_utils.transfer.pairs.PairSampler`,
held-out paintings excluded) in chunks of ``--every`` steps, each followed by a
checkpoint (both networks, both optimizers, the step, the dropout RNG states), a
``log.csv`` row and a sample grid; the same command resumes exactly
(:mod:`artgan_utils.transfer.chunked_training`). ``export`` writes the generator as
float16 ``generator.weights.h5``, ``run.json`` and ``samples.png``/``progress.jpg``.

    python -m artgan_utils.transfer.pix2pix_train train --style ukiyo-e --out runs/p2p-ukiyo-e --steps 3000
    python -m artgan_utils.transfer.pix2pix_train export --out runs/p2p-ukiyo-e --to checkpoints/pix2pix-ukiyo-e
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from artgan_utils.transfer.chunked_training import (add_run_options, copy_samples, read_config, report, restore_run,
                                                    run_settings, save_float16, train_in_chunks)

CONFIG_KEYS = ("style", "crop", "batch", "seed", "lr", "l1_weight", "width", "method", "work_size", "adversarial")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m artgan_utils.transfer.pix2pix_train",
                                description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train (or resume) a generator for one style")
    t.add_argument("--style", required=True, help="a bundled painting style, e.g. ukiyo-e or van-gogh")
    t.add_argument("--out", required=True)
    t.add_argument("--steps", type=int, default=3000)
    t.add_argument("--every", type=int, default=200)
    t.add_argument("--crop", type=int, default=128, help="training crop (a power of two); also the U-Net's depth")
    t.add_argument("--batch", type=int, default=4)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--lr", type=float, default=2e-4)
    t.add_argument("--l1-weight", type=float, default=100.0, help="lambda of the L1 term (the paper's 100)")
    t.add_argument("--width", type=float, default=0.25, help="channel multiplier of both networks (1.0 = paper)")
    t.add_argument("--method", default="hed", choices=("hed", "sobel"), help="how the input drawings are made")
    t.add_argument("--work-size", type=int, default=384, help="longer side of the paintings before cropping")
    t.add_argument("--l1-only", dest="adversarial", action="store_false", help="no discriminator: the L1 baseline")
    add_run_options(t)
    e = sub.add_parser("export", help="export a run's generator (float16) and run.json")
    e.add_argument("--out", required=True)
    e.add_argument("--to", required=True)
    return p


def build_model(cfg: dict):
    """The compiled :class:`~artgan_utils.transfer.pix2pix.Pix2Pix` of a run's settings, optimizers built."""
    import keras

    from artgan_utils.transfer import pix2pix as P

    generator = P.unet_generator(cfg["crop"], cfg["width"], seed=cfg["seed"])
    discriminator = P.patch_discriminator(cfg["width"], seed=cfg["seed"]) if cfg["adversarial"] else None
    model = P.Pix2Pix(generator, discriminator, l1_weight=cfg["l1_weight"], adversarial=cfg["adversarial"])

    def adam():
        return keras.optimizers.Adam(cfg["lr"], beta_1=0.5)

    model.compile(g_optimizer=adam(), d_optimizer=adam() if cfg["adversarial"] else None)
    model.g_optimizer.build(generator.trainable_variables)
    if discriminator is not None:
        model.d_optimizer.build(discriminator.trainable_variables)
    return model


def sample_grid(model, cfg: dict, size: int = 128) -> np.ndarray:
    """Rows: the held-out paintings of the style and one held-out photo: drawing | generated | original."""
    from artgan_utils import data
    from artgan_utils.transfer import adain, pairs
    from artgan_utils.transfer.pix2pix import Pix2PixTranslator

    def square(file: str) -> np.ndarray:
        return data.thumbnail(data.load_image(data.data_dir() / file), size).astype("float32") / 255.0

    translator = Pix2PixTranslator(model.generator, cfg)
    rows = []
    for file in pairs.split(cfg["style"])[1][:2] + [adain.HELD_OUT_PHOTOS[1]]:
        image = square(file)
        painting, drawing = translator.render(image, return_drawing=True)
        rows.append(np.concatenate([drawing, painting, image], axis=1))
    return np.concatenate(rows, axis=0)


def train(out: str | os.PathLike[str], steps: int, every: int, cfg: dict, progress: bool = True,
          command: str | None = None, time_limit: float = 0.0) -> dict:
    """Train to ``steps`` (resuming from ``out/ckpt`` if present); returns the run summary."""
    from artgan_utils.transfer.pairs import PairSampler

    out = Path(out)
    read_config(out, cfg, CONFIG_KEYS)
    model = build_model(cfg)
    sampler = PairSampler(cfg["style"], cfg["crop"], cfg["batch"], cfg["work_size"], cfg["method"], cfg["seed"])
    columns = ("l1", "d_loss", "g_adv", "d_real", "d_fake") if cfg["adversarial"] else ("l1",)
    return train_in_chunks(model, out, steps, every, cfg, keys=CONFIG_KEYS, dataset_at=sampler.dataset,
                           sample_grid=lambda m: sample_grid(m, cfg), log_columns=columns,
                           desc=f"pix2pix {cfg['style']}", progress=progress, command=command,
                           time_limit=time_limit)


def export(out: str | os.PathLike[str], to: str | os.PathLike[str]) -> Path:
    """Write ``to/generator.weights.h5`` (float16), ``to/run.json``, the last sample grid and a progress strip."""
    from artgan_utils.transfer import pairs
    from artgan_utils.transfer import pix2pix as P

    out, to = Path(out), Path(to)
    cfg, model = restore_run(out, build_model)
    to.mkdir(parents=True, exist_ok=True)
    half = P.unet_generator(cfg["crop"], cfg["width"], seed=None)
    half.set_weights([w.astype(np.float16).astype(np.float32) for w in model.generator.get_weights()])
    save_float16(half, to / P.GENERATOR_FILE)
    train_files, held = pairs.split(cfg["style"])
    info = {
        "what": f"pix2pix generator (Isola et al. 2017): {cfg['method'].upper()} line drawing -> {cfg['style']} painting",
        "command": cfg.get("command", ""), "steps": int(model.step.numpy()), "wall_seconds": cfg.get("wall_seconds"),
        **{k: cfg[k] for k in CONFIG_KEYS},
        "loss": "non-saturating GAN loss of a 70x70 PatchGAN on (drawing, image) pairs + l1_weight * mean |y - G(x)|"
                if cfg["adversarial"] else "l1_weight * mean |y - G(x)| only (no discriminator)",
        "data": f"random aligned crops of the bundled {cfg['style']} paintings at work_size, flipped at random",
        "train_paintings": train_files, "held_out_paintings": held,
        "stopped": cfg.get("stopped", ""), "time_limit_min": cfg.get("time_limit_min", 0),
        "machine": cfg.get("machine", ""), "dtype": "float16 weights (loaded into float32)",
    }
    (to / P.RUN_FILE).write_text(json.dumps(info, indent=2) + "\n")
    copy_samples(out, to)
    return to


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.cmd == "export":
        print(export(args.out, args.to))
        return
    cfg, command = run_settings(args, CONFIG_KEYS, "artgan_utils.transfer.pix2pix_train", argv)
    info = train(args.out, args.steps, args.every, cfg, progress=not args.quiet, command=command,
                 time_limit=args.time_limit)
    report(info, args.out)


if __name__ == "__main__":
    main()
