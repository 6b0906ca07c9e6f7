"""The files of a training run: what a finished run writes, how it is shipped, read back and loaded.

A run folder (made by :func:`artgan_utils.gan.recipe_training.train_recipe`)
holds ``generator.keras``, ``discriminator.keras``, ``run.json``, ``log.csv``,
``samples/`` and ``tensorboard/``; :func:`export_run` copies the shareable part
into ``checkpoints/``, :func:`load_pretrained` loads it, :func:`read_scalars`
reads the TensorBoard logs. Taught in notebooks 04 (section 5, the shipped
run) and 06 (section 3, TensorBoard).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

#: Files of a finished run (``train_recipe``) and of a shipped checkpoint.
GENERATOR_FILE = "generator.keras"
DISCRIMINATOR_FILE = "discriminator.keras"
RUN_FILE = "run.json"
CHECKPOINTS_ENV_VAR = "ARTGAN_CHECKPOINTS_DIR"


def read_scalars(tensorboard_dir: str | os.PathLike[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The scalars of a TensorBoard log folder (e.g. a run's ``tensorboard/``): tag -> (steps, values).

    What TensorBoard's *Scalars* tab plots, read with TensorBoard's own event
    reader. TF2 summaries store scalars as tensors; both kinds are read.
    Events written again for the same step (a resumed run) keep the last value.
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tensorboard_dir), size_guidance={"scalars": 0, "tensors": 0})
    events.Reload()
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for kind in ("scalars", "tensors"):
        for tag in events.Tags().get(kind, []):
            items = events.Scalars(tag) if kind == "scalars" else events.Tensors(tag)
            values = {e.step: float(e.value) if kind == "scalars" else float(tf.make_ndarray(e.tensor_proto))
                      for e in items}
            steps = np.array(sorted(values))
            out[tag] = (steps, np.array([values[s] for s in steps]))
    return out


def export_run(run_dir: str | os.PathLike[str], dest: str | os.PathLike[str]) -> list[Path]:
    """Copy a finished run's shareable files to ``dest`` (how ``checkpoints/`` is filled).

    Copies ``generator.keras``, ``discriminator.keras``, ``run.json`` and
    ``log.csv``, and the last sample grid as ``samples.png``; leaves out the
    resumable checkpoint (it holds both optimizers' moments, about three times
    the size) and the TensorBoard events. Returns the written paths.
    """
    import shutil

    src, out = Path(run_dir), Path(dest)
    missing = [f for f in (GENERATOR_FILE, DISCRIMINATOR_FILE, RUN_FILE, "log.csv") if not (src / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{src.name}/ is not a finished run (missing {', '.join(missing)}); train it to the end first.")
    grids = sorted((src / "samples").glob("step_*.png"))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for f in (GENERATOR_FILE, DISCRIMINATOR_FILE, RUN_FILE, "log.csv"):
        written.append(Path(shutil.copyfile(src / f, out / f)))
    if grids:
        written.append(Path(shutil.copyfile(grids[-1], out / "samples.png")))
    return written


def machine_info() -> dict[str, Any]:
    import platform

    from artgan_utils.env import device_info

    info = device_info()
    return {"device": info.device, "cpu_count": os.cpu_count(), "platform": platform.platform(terse=True),
            "python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__}


def checkpoints_dir() -> Path:
    """Folder of the shipped, pre-trained runs (``checkpoints/`` in the repository).

    ``ARTGAN_CHECKPOINTS_DIR`` overrides it.
    """
    override = os.environ.get(CHECKPOINTS_ENV_VAR)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "checkpoints"


def load_pretrained(name: str, discriminator: bool = False) -> tuple[keras.Model, dict[str, Any]] | tuple[
        keras.Model, keras.Model, dict[str, Any]]:
    """Load a shipped (or your own) trained run: its generator, optionally its discriminator, and ``run.json``.

    ``name`` is a folder in :func:`checkpoints_dir` (e.g. ``"dcgan-ukiyoe-64"``)
    or a path to a ``train_recipe`` output folder.

    Raises
    ------
    FileNotFoundError
        Naming the folders that exist and the command that makes the run.
    """
    import json

    path = Path(name)
    if not (path / GENERATOR_FILE).is_file():
        path = checkpoints_dir() / name
    if not (path / GENERATOR_FILE).is_file():
        root = checkpoints_dir()
        have = sorted(p.name for p in root.iterdir() if (p / GENERATOR_FILE).is_file()) if root.is_dir() else []
        raise FileNotFoundError(
            f"No trained run {name!r} (no {GENERATOR_FILE} there). Shipped runs: {', '.join(have) or 'none'}. "
            f"Train one with `python -m artgan_utils.train RECIPE --out runs/NAME`."
        )
    info = json.loads((path / RUN_FILE).read_text()) if (path / RUN_FILE).is_file() else {}
    generator = keras.saving.load_model(path / GENERATOR_FILE, compile=False)
    if discriminator:
        return generator, keras.saving.load_model(path / DISCRIMINATOR_FILE, compile=False), info
    return generator, info
