"""Callbacks for long GAN runs: checkpoints with exact resume, a NaN guard, sample grids, step-keyed logs.

Taught in notebook 04, section 3 (why each exists, and the exact-resume test);
:func:`artgan_utils.gan.recipe_training.train_recipe` attaches all of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf


class NaNGuard(keras.callbacks.Callback):
    """Stop training with a clear message as soon as a loss is NaN or infinite."""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        bad = {k: float(v) for k, v in (logs or {}).items() if k.endswith("loss") and not np.isfinite(float(v))}
        if bad:
            self.model.stop_training = True
            step = int(self.model.step.numpy()) if hasattr(self.model, "step") else batch
            raise FloatingPointError(
                f"Training stopped at step {step}: {', '.join(f'{k}={v}' for k, v in bad.items())}. "
                "Lower the learning rates, check the input range ([-1, 1]) and resume from the last checkpoint."
            )


class GANCheckpoint(keras.callbacks.Callback):
    """Save a full checkpoint every ``every`` steps and at the end of training; restore on request.

    Parameters
    ----------
    directory:
        Where checkpoints go (``tf.train.CheckpointManager``, keeps ``max_to_keep``).
    """

    def __init__(self, directory: str | os.PathLike[str], every: int = 100, max_to_keep: int = 3):
        super().__init__()
        self.directory = Path(directory)
        self.every = int(every)
        self.max_to_keep = max_to_keep
        self._manager: tf.train.CheckpointManager | None = None

    def _get_manager(self) -> tf.train.CheckpointManager:
        if self._manager is None:
            self._manager = tf.train.CheckpointManager(self.model.checkpoint(), str(self.directory), self.max_to_keep)
        return self._manager

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        step = int(self.model.step.numpy())
        if self.every and step % self.every == 0:
            self._get_manager().save(checkpoint_number=step)

    def on_train_end(self, logs: dict | None = None) -> None:
        manager = self._get_manager()
        step = int(self.model.step.numpy())
        if manager.latest_checkpoint is None or not manager.latest_checkpoint.endswith(f"-{step}"):
            manager.save(checkpoint_number=step)


def restore_latest(gan: keras.Model, directory: str | os.PathLike[str]) -> int:
    """Restore ``gan`` (already compiled) from the newest checkpoint in ``directory``.

    The optimizers are built first, so that their state (moments, iteration
    counters) has variables to be restored into. Returns the restored step, or
    0 if ``directory`` holds no checkpoint.

    Raises
    ------
    AssertionError
        If the checkpoint does not match the model (e.g. a different architecture).
    """
    latest = tf.train.latest_checkpoint(str(directory))
    if latest is None:
        return 0
    gan.g_optimizer.build(gan.generator.trainable_variables)
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    status = gan.checkpoint().restore(latest)
    status.assert_existing_objects_matched()
    return int(gan.step.numpy())


class SampleGrid(keras.callbacks.Callback):
    """After every epoch, generate images from a fixed batch of noise, show and/or save them.

    The same noise every epoch shows how the generator's picture of each latent
    point evolves. In a notebook the grid is redrawn in place (one output, no
    ``clear_output``); with ``directory`` each epoch's grid is also saved as
    ``step_NNNNNN.png`` (named by training step, so resumed runs do not overwrite).
    ``steps`` records the step of each grid in :attr:`grids`.
    """

    def __init__(self, n: int = 16, seed: int = 1234, directory: str | os.PathLike[str] | None = None,
                 show: bool = True, ncols: int | None = None):
        super().__init__()
        self.n, self.seed, self.show, self.ncols = n, seed, show, ncols
        self.directory = Path(directory) if directory is not None else None
        self.grids: list[np.ndarray] = []
        self.steps: list[int] = []
        self._live = None
        self._batches = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._batches += 1  # the step count for models without a ``step`` variable

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        from artgan_utils.viz import LiveFigure, image_grid, show_images

        z = np.random.default_rng(self.seed).standard_normal((self.n, self.model.latent_dim)).astype("float32")
        images = np.asarray(getattr(self.model, "sampler", self.model.generator)(z, training=False))
        step = int(self.model.step.numpy()) if hasattr(self.model, "step") else self._batches
        self.grids.append(image_grid(images, self.ncols, value_range=(-1, 1)))
        self.steps.append(step)
        if self.directory is not None:
            from PIL import Image

            self.directory.mkdir(parents=True, exist_ok=True)
            grid = (self.grids[-1] * 255).round().astype(np.uint8)
            Image.fromarray(grid[..., 0] if grid.ndim == 3 and grid.shape[-1] == 1 else grid).save(self.directory / f"step_{step:06d}.png")
        if self.show:
            if self._live is None:
                self._live = LiveFigure()
            self._live.update(show_images(images, ncols=self.ncols or int(np.ceil(np.sqrt(self.n))), size=1.2,
                                          suptitle=f"epoch {epoch + 1}, step {step}", value_range=(-1, 1)))




class RunLogger(keras.callbacks.Callback):
    """Log each epoch's metrics against the global step: a CSV file and/or TensorBoard scalars.

    Keras' own ``CSVLogger`` and ``TensorBoard`` count epochs, which restart at
    0 in every ``fit`` call; a resumed run would overwrite its own history.
    This logger keys every row by ``model.step`` and the accumulated wall time
    (``elapsed`` carries the time of earlier sessions), and appends.

    Parameters
    ----------
    csv_path:
        CSV file (columns ``step, seconds, <metrics>``); appended to if it exists.
    tensorboard_dir:
        Folder for TensorBoard event files (``tensorboard --logdir DIR``).
    """

    def __init__(self, csv_path: str | os.PathLike[str] | None = None,
                 tensorboard_dir: str | os.PathLike[str] | None = None, elapsed: float = 0.0):
        super().__init__()
        self.csv_path = Path(csv_path) if csv_path is not None else None
        self.tensorboard_dir = Path(tensorboard_dir) if tensorboard_dir is not None else None
        self.elapsed = float(elapsed)
        self.rows: list[dict[str, float]] = []
        self._t0 = 0.0
        self._writer = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        import time

        self._t0 = time.perf_counter() - self.elapsed
        if self.tensorboard_dir is not None and self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.tensorboard_dir))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        import csv
        import time

        self.elapsed = time.perf_counter() - self._t0
        step = int(self.model.step.numpy())
        row = {"step": step, "seconds": round(self.elapsed, 1)}
        row.update({k: float(v) for k, v in sorted((logs or {}).items())})
        self.rows.append(row)
        if self.csv_path is not None:
            new = not self.csv_path.is_file()
            self.csv_path.parent.mkdir(parents=True, exist_ok=True)
            with self.csv_path.open("a", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(row))
                if new:
                    writer.writeheader()
                writer.writerow(row)
        if self._writer is not None:
            with self._writer.as_default(step=step):
                for k, v in row.items():
                    if k != "step":
                        tf.summary.scalar(k, v)
            self._writer.flush()
