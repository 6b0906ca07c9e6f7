"""Resumable headless training in chunks, shared by the translation trainers (AdaIN decoder, pix2pix, CycleGAN).

Taught in notebook 07 (the AdaIN decoder's trainer); notebooks 08 and 09 reuse it.

A run folder holds::

    config.json         settings, steps done, training wall time, the command, why it stopped
    ckpt/               tf.train.Checkpoint of everything the model's ``checkpoint()`` returns
    log.csv             one row per chunk: step, the model's metrics, seconds of the chunk
    samples/step_N.png  a sample grid after each chunk

:func:`train_in_chunks` calls ``model.fit`` on ``every`` steps at a time, then saves
a checkpoint, a log row, a sample grid and ``config.json``. The batches of step ``k``
must depend only on ``(seed, k)`` (``dataset_at(start, n)``), so running the same
command again resumes exactly where the last checkpoint left off. A run folder
started with other settings is refused rather than silently continued.
:func:`restore_run` and :func:`copy_samples` are the trainers' ``export`` plumbing.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


def read_config(out: Path, cfg: dict, keys: Sequence[str], defaults: dict | None = None,
                extendable: bool = False) -> float:
    """The training seconds already spent in ``out`` (0 for a new run); raises if its settings differ from ``cfg``.

    ``defaults`` gives the value of settings added after a run was started (so old runs resume).
    ``extendable``: the model has no schedule tied to the total step count, so a larger ``steps``
    continues the run (a smaller one, or any other change, is still refused).
    """
    cfg_file = out / "config.json"
    if not cfg_file.exists():
        return 0.0
    old = (defaults or {}) | json.loads(cfg_file.read_text())
    diff = {k: (old.get(k), cfg[k]) for k in keys if old.get(k) != cfg[k]
            and not (extendable and k == "steps" and cfg[k] > old.get(k, 0))}
    if diff:
        raise ValueError(f"{out} was started with other settings {diff} (old, new); use another --out.")
    return float(old.get("wall_seconds", 0.0))


def train_in_chunks(model, out: str | os.PathLike[str], steps: int, every: int, cfg: dict, *,
                    keys: Sequence[str], dataset_at: Callable, sample_grid: Callable[[object], np.ndarray],
                    log_columns: Sequence[str], desc: str, defaults: dict | None = None, progress: bool = True,
                    command: str | None = None, time_limit: float = 0.0, extendable: bool = False) -> dict:
    """Train ``model`` (compiled, with ``step`` and ``checkpoint()``) to ``steps``, resuming from ``out/ckpt``.

    ``extendable``: see :func:`read_config` (a finished run may be continued to more steps).

    ``time_limit`` (minutes, 0 = none): stop at the first checkpoint after which another chunk
    of ``every`` steps would exceed it (the training time of all sessions of the run together).
    ``sample_grid(model)`` returns an (h, w, 3) image in [0, 1]. Returns the run summary
    (``config.json``'s content, with ``stopped`` when the time limit ended it).
    """
    import tensorflow as tf
    from PIL import Image

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cfg_file = out / "config.json"
    wall = read_config(out, cfg, keys, defaults, extendable)
    ckpt = model.checkpoint()
    manager = tf.train.CheckpointManager(ckpt, str(out / "ckpt"), max_to_keep=2)
    if manager.latest_checkpoint:
        ckpt.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    start = int(model.step.numpy())
    bar = None
    if progress and start < steps:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, initial=start, desc=desc, unit="step")
    log = out / "log.csv"
    if not log.exists():
        log.write_text(",".join(["step", *log_columns, "seconds"]) + "\n")
    step, stopped, wall_chunk, chunk_n = start, "", 0.0, 1
    while step < steps:
        if time_limit and wall + (wall_chunk / chunk_n) * every >= time_limit * 60:
            stopped = f"time limit of {time_limit:g} min reached"
            break
        n = min(every - step % every, steps - step)
        t0 = time.perf_counter()
        hist = model.fit(dataset_at(step, n), epochs=1, steps_per_epoch=n, verbose=0, shuffle=False)
        dt = time.perf_counter() - t0
        wall += dt
        wall_chunk, chunk_n = dt, n
        step = int(model.step.numpy())
        manager.save(checkpoint_number=step)
        last = {k: v[-1] for k, v in hist.history.items()}
        with log.open("a") as fh:
            fh.write(",".join([str(step), *(f"{last[c]:.6g}" for c in log_columns), f"{dt:.2f}"]) + "\n")
        (out / "samples").mkdir(exist_ok=True)
        grid = (np.clip(sample_grid(model), 0, 1) * 255).round().astype(np.uint8)
        Image.fromarray(grid).save(out / "samples" / f"step_{step:06d}.png")
        cfg_file.write_text(json.dumps({**cfg, "steps_done": step, "wall_seconds": round(wall, 1),
                                        "command": command or "", "time_limit_min": time_limit}, indent=2))
        if bar is not None:
            bar.update(step - bar.n)
            bar.set_postfix({c: f"{last[c]:.3g}" for c in log_columns[:3]})
    if bar is not None:
        bar.close()
    if not cfg_file.exists():
        cfg_file.write_text(json.dumps({**cfg, "steps_done": step, "wall_seconds": wall, "command": command or ""}))
    info = json.loads(cfg_file.read_text())
    if stopped:  # the command that stopped it is the one that reproduces the run
        info |= {"stopped": stopped, "command": command or info.get("command", ""), "time_limit_min": time_limit}
        cfg_file.write_text(json.dumps(info, indent=2))
    return info


def restore_run(out: str | os.PathLike[str], build_model: Callable[[dict], object], defaults: dict | None = None):
    """``(cfg, model)`` of a run folder: its settings, and its model restored from the latest checkpoint (for export)."""
    import tensorflow as tf

    out = Path(out)
    cfg = (defaults or {}) | json.loads((out / "config.json").read_text())
    model = build_model(cfg)
    latest = tf.train.latest_checkpoint(str(out / "ckpt"))
    if latest is None:
        raise FileNotFoundError(f"No checkpoint in {out / 'ckpt'}; train first.")
    model.checkpoint().restore(latest).assert_existing_objects_matched()
    return cfg, model


def copy_samples(out: str | os.PathLike[str], to: str | os.PathLike[str]) -> None:
    """Copy a run's last sample grid to ``to/samples.png`` and save its progress strip as ``to/progress.jpg``."""
    grids = sorted((Path(out) / "samples").glob("step_*.png"))
    if grids:
        shutil.copy(grids[-1], Path(to) / "samples.png")
        progress_strip(grids).save(Path(to) / "progress.jpg", quality=88)


def run_settings(args, keys: Sequence[str], module: str, argv: list[str] | None) -> tuple[dict, str]:
    """A trainer's ``train`` command: set TensorFlow's threads; return the run's settings and its command line."""
    set_threads(args.threads)
    cfg = {k: getattr(args, k) for k in keys} | {"machine": machine(), "threads": args.threads}
    return cfg, command_line(module, argv)


def report(info: dict, out) -> None:
    """The line a trainer prints when its ``train`` command ends."""
    print(f"done: {info['steps_done']} steps, {info['wall_seconds']:.0f} s of training in {out}")


def command_line(module: str, argv: list[str] | None) -> str:
    """The command that reproduces this run: ``python -m <module> <arguments>``."""
    return f"python -m {module} " + shlex.join(sys.argv[1:] if argv is None else argv)


def progress_strip(grids: list[Path], n: int = 4):
    """The first, the last and ``n - 2`` geometrically spaced sample grids side by side, each headed "step N"."""
    from PIL import Image, ImageDraw

    picks = sorted({round(i) for i in np.geomspace(1, len(grids), n)})
    images = [Image.open(grids[i - 1]).convert("RGB") for i in picks]
    h = max(image.size[1] for image in images)  # grids that grow during a run (one per scale) are scaled up
    images = [im if im.size[1] == h else im.resize((round(im.size[0] * h / im.size[1]), h), Image.Resampling.NEAREST)
              for im in images]
    strip = Image.new("RGB", (sum(im.size[0] for im in images), h + 18), "white")
    draw = ImageDraw.Draw(strip)
    x = 0
    for i, image in zip(picks, images):
        strip.paste(image, (x, 18))
        draw.text((x + 4, 3), f"step {int(grids[i - 1].stem.split('_')[1]):,}", fill="black")
        x += image.size[0]
    return strip


def add_run_options(parser) -> None:
    """The options every chunked trainer's ``train`` command shares: ``--time-limit``, ``--threads``, ``--quiet``."""
    parser.add_argument("--time-limit", type=float, default=0.0,
                        help="minutes of training (all resumes together) after which to stop at a checkpoint; 0 = none")
    parser.add_argument("--threads", type=int, default=0, help="TensorFlow threads (0 = TensorFlow's default)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def random_crops(rng: np.random.Generator, pool: list, crop: int, n: int) -> np.ndarray:
    """``n`` random ``crop`` x ``crop`` squares from images of ``pool`` (one image drawn per crop), each flipped
    left-right with probability 1/2, stacked in the images' dtype."""
    out = []
    for i in rng.integers(0, len(pool), n):
        im = pool[i]
        y = rng.integers(0, im.shape[0] - crop + 1)
        x = rng.integers(0, im.shape[1] - crop + 1)
        patch = im[y: y + crop, x: x + crop]
        out.append(patch[:, ::-1] if rng.random() < 0.5 else patch)
    return np.stack(out)


def pair_dataset(batch_at: Callable[[int], tuple[np.ndarray, np.ndarray]], start: int, n: int,
                 shape: tuple[int, ...]):
    """A ``tf.data`` stream of the batches ``batch_at(start) .. batch_at(start + n - 1)``, each a pair of float32
    arrays of ``shape`` (step-keyed: exact resume from any step)."""
    import tensorflow as tf

    def get(k):
        x, y = tf.numpy_function(lambda kk: batch_at(int(kk)), [k], (tf.float32, tf.float32))
        return tf.ensure_shape(x, shape), tf.ensure_shape(y, shape)

    from artgan_utils.data.streams import without_autotune

    return without_autotune(tf.data.Dataset.range(start, start + n).map(get).prefetch(1))


def save_float16(model, path: Path) -> None:
    """Store a model's weights as float16, gzip-compressed, in a Keras ``.weights.h5`` (read back as float32).

    Keras writes float32; the file is then copied, group by group, into a new file with every
    float32 array converted (HDF5 does not give back the space of deleted datasets in place).
    """
    import h5py

    path = Path(path)
    full = path.with_name("float32-tmp-" + path.name)  # Keras wants the .weights.h5 ending
    model.save_weights(str(full))
    try:
        with h5py.File(full, "r") as src, h5py.File(path, "w") as dst:
            def copy(name, obj):
                if isinstance(obj, h5py.Group):
                    group = dst.require_group(name)
                    group.attrs.update(obj.attrs)
                    return
                data = obj[()]
                if obj.dtype == np.float32:
                    data = data.astype(np.float16)
                kwargs = {"compression": "gzip", "compression_opts": 9} if np.ndim(data) else {}
                dst.create_dataset(name, data=data, **kwargs).attrs.update(obj.attrs)

            dst.attrs.update(src.attrs)
            src.visititems(copy)
    finally:
        full.unlink(missing_ok=True)


def machine() -> str:
    """A short description of this machine for ``run.json``."""
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}"


def set_threads(n: int) -> None:
    """TensorFlow's intra- and inter-op threads (0 = TensorFlow's default)."""
    if n:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
