"""CycleGAN's headless trainer: ``python -m artgan_utils.transfer.cyclegan_train train|export``.

Taught in notebook 09: a short run in the notebook's profile; the shipped
translators ``checkpoints/cyclegan-<style>`` come from long runs of this command.

``train`` fits :class:`artgan_utils.transfer.cyclegan.CycleGAN` on unpaired crops of the
bundled photos (A) and one style's paintings (B) (:class:`artgan_utils.transfer.pairs.UnpairedSampler`;
the comparison photos and held-out paintings excluded) in chunks of ``--every`` steps,
each followed by a checkpoint (four networks, four optimizers, both pools, the step),
a ``log.csv`` row and a sample grid; the same command resumes exactly, also after the
process was killed (:mod:`artgan_utils.transfer.chunked_training`). The learning rate is
constant for the first half of ``--steps`` and falls linearly to 0 over the second half.
``export`` writes both generators as float16 weights, ``run.json``, ``samples.png`` and
``progress.jpg``.

    python -m artgan_utils.transfer.cyclegan_train train --style ukiyo-e --out runs/cg-ukiyo-e --steps 20000
    python -m artgan_utils.transfer.cyclegan_train export --out runs/cg-ukiyo-e --to checkpoints/cyclegan-ukiyo-e

Your own sets, e.g. the paper's ukiyo-e prints (``data.online.load_cycle_gan_archive("ukiyoe2photo", DIR)``
downloads them once, with internet): ``--paintings FOLDER`` (and ``--photos FOLDER``).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

from artgan_utils.transfer.chunked_training import (add_run_options, copy_samples, read_config, report, restore_run,
                                                    run_settings, save_float16, train_in_chunks)

CONFIG_KEYS = ("style", "crop", "batch", "seed", "lr", "steps", "cycle_weight", "identity_weight", "width",
               "n_blocks", "upsample", "work_size", "pool_size", "photos", "paintings")
#: Settings added after the first runs were started: their values in those runs.
DEFAULTS = {"photos": "", "paintings": ""}
GENERATOR_FILES = {"g_ab": "photo_to_painting.weights.h5", "g_ba": "painting_to_photo.weights.h5"}
RUN_FILE = "run.json"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m artgan_utils.transfer.cyclegan_train",
                                description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train (or resume) photo <-> painting translators for one style")
    t.add_argument("--style", required=True, help="a bundled painting style, e.g. ukiyo-e or van-gogh")
    t.add_argument("--out", required=True)
    t.add_argument("--steps", type=int, default=20000, help="total steps; the learning rate decays over the 2nd half")
    t.add_argument("--every", type=int, default=500)
    t.add_argument("--crop", type=int, default=128)
    t.add_argument("--batch", type=int, default=1, help="the paper's batch size is 1")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--lr", type=float, default=2e-4)
    t.add_argument("--cycle-weight", type=float, default=10.0, help="lambda of the cycle loss (the paper's 10)")
    t.add_argument("--identity-weight", type=float, default=0.5, help="identity weight, times the cycle weight")
    t.add_argument("--width", type=float, default=0.5, help="channel multiplier of all four networks (1.0 = paper)")
    t.add_argument("--n-blocks", type=int, default=6, help="residual blocks (the paper: 6 at 128 px, 9 at 256)")
    t.add_argument("--upsample", default="transpose", choices=("transpose", "resize"))
    t.add_argument("--work-size", type=int, default=286, help="longer side of the images before cropping")
    t.add_argument("--pool-size", type=int, default=50)
    t.add_argument("--photos", default="", help="a folder of photos instead of the bundled ones (e.g. a CycleGAN "
                   "archive's trainB)")
    t.add_argument("--paintings", default="", help="a folder of paintings instead of the style's bundled ones "
                   "(e.g. ukiyoe2photo's trainA); --style then only names the run")
    add_run_options(t)
    e = sub.add_parser("export", help="export a run's two generators (float16) and run.json")
    e.add_argument("--out", required=True)
    e.add_argument("--to", required=True)
    return p


def build_model(cfg: dict):
    """The compiled :class:`~artgan_utils.transfer.cyclegan.CycleGAN` of a run's settings."""
    import keras

    from artgan_utils.transfer import cyclegan as C

    def generator(name, k):
        return C.resnet_generator(cfg["width"], cfg["n_blocks"], cfg["upsample"], seed=cfg["seed"] + k, name=name)

    nets = dict(g_ab=generator("g_ab", 0), g_ba=generator("g_ba", 1),
                d_a=C.patch_discriminator(cfg["width"], seed=cfg["seed"] + 2, name="d_a"),
                d_b=C.patch_discriminator(cfg["width"], seed=cfg["seed"] + 3, name="d_b"))
    model = C.CycleGAN(**nets, image_shape=(cfg["crop"], cfg["crop"], 3), cycle_weight=cfg["cycle_weight"],
                       identity_weight=cfg["identity_weight"], pool_size=cfg["pool_size"], seed=cfg["seed"])
    half = cfg["steps"] // 2
    schedule = C.LinearDecay(cfg["lr"], constant_steps=half, decay_steps=cfg["steps"] - half)
    model.compile({k: keras.optimizers.Adam(schedule, beta_1=0.5) for k in nets})
    return model


def sample_grid(model, cfg: dict, size: int = 128) -> np.ndarray:
    """Rows: three comparison photos and two held-out paintings; columns: input, translated, translated back."""
    from artgan_utils import data
    from artgan_utils.transfer import pairs

    rows = []
    held = pairs.split(cfg["style"])[1][:2] if not cfg.get("paintings") else []  # own paintings: photo rows only
    for file, forward, back in [(f, model.g_ab, model.g_ba) for f in pairs.COMPARISON_PHOTOS[:3]] + \
                               [(f, model.g_ba, model.g_ab) for f in held]:
        x = data.thumbnail(data.load_image(data.data_dir() / file), size).astype("float32")[None] / 127.5 - 1
        y = forward(x, training=False)
        rows.append(np.concatenate([x[0], y[0], back(y, training=False)[0]], axis=1))
    return (np.concatenate(rows, axis=0) + 1) / 2


def train(out: str | os.PathLike[str], cfg: dict, every: int, progress: bool = True, command: str | None = None,
          time_limit: float = 0.0) -> dict:
    """Train to ``cfg["steps"]`` (resuming from ``out/ckpt`` if present); returns the run summary."""
    from artgan_utils.transfer.pairs import UnpairedSampler

    out = Path(out)
    cfg = DEFAULTS | cfg
    read_config(out, cfg, CONFIG_KEYS, DEFAULTS)
    model = build_model(cfg)
    sampler = UnpairedSampler(cfg["style"], cfg["crop"], cfg["batch"], cfg["work_size"], cfg["seed"],
                              photos_dir=cfg["photos"] or None, paintings_dir=cfg["paintings"] or None)
    return train_in_chunks(model, out, cfg["steps"], every, cfg, keys=CONFIG_KEYS, dataset_at=sampler.dataset,
                           defaults=DEFAULTS,
                           sample_grid=lambda m: sample_grid(m, cfg),
                           log_columns=("g_adv", "cycle", "identity", "d_a", "d_b"),
                           desc=f"CycleGAN photo <-> {cfg['style']}", progress=progress, command=command,
                           time_limit=time_limit)


def export(out: str | os.PathLike[str], to: str | os.PathLike[str]) -> Path:
    """Write both generators (float16), ``run.json``, the last sample grid and a progress strip to ``to``."""
    from artgan_utils.transfer import cyclegan as C
    from artgan_utils.transfer import pairs

    out, to = Path(out), Path(to)
    cfg, model = restore_run(out, build_model, DEFAULTS)
    to.mkdir(parents=True, exist_ok=True)
    for key, file in GENERATOR_FILES.items():
        half = C.resnet_generator(cfg["width"], cfg["n_blocks"], cfg["upsample"], seed=None, name=key)
        half.set_weights(getattr(model, key).get_weights())
        save_float16(half, to / file)
    train_paintings, held = ([cfg["paintings"]], []) if cfg["paintings"] else pairs.split(cfg["style"])
    info = {
        "what": f"CycleGAN (Zhu et al. 2017) photo <-> {cfg['style']} painting: {GENERATOR_FILES['g_ab']} (G: "
                f"photo -> painting) and {GENERATOR_FILES['g_ba']} (F: painting -> photo)",
        "command": cfg.get("command", ""), "steps_done": int(model.step.numpy()),
        "wall_seconds": cfg.get("wall_seconds"), **{k: cfg[k] for k in CONFIG_KEYS},
        "loss": "least-squares GAN losses of 70x70 PatchGANs + cycle_weight * (cycle L1 + identity_weight * "
                "identity L1); discriminators see a pool of past fakes; lr constant, then linear decay to 0",
        "train_paintings": train_paintings, "held_out_paintings": held,
        "photos_never_trained_on": list(pairs.COMPARISON_PHOTOS),
        "stopped": cfg.get("stopped", ""), "time_limit_min": cfg.get("time_limit_min", 0),
        "machine": cfg.get("machine", ""), "dtype": "float16 weights (loaded into float32)",
    }
    (to / RUN_FILE).write_text(json.dumps(info, indent=2) + "\n")
    copy_samples(out, to)
    return to


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.cmd == "export":
        print(export(args.out, args.to))
        return
    cfg, command = run_settings(args, CONFIG_KEYS, "artgan_utils.transfer.cyclegan_train", argv)
    info = train(args.out, cfg, args.every, progress=not args.quiet, command=command, time_limit=args.time_limit)
    report(info, args.out)


if __name__ == "__main__":
    main()
