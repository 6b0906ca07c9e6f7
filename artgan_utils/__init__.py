"""artgan_utils: the tested helper package behind the ArtGAN notebook series.

Importing this package sets TensorFlow's log level *before* TensorFlow is
imported, so notebooks stay free of C++ start-up noise. TensorFlow itself is
imported lazily, by the functions that need it.

Modules, each named for its job:

``profiles``
    The ``quick`` / ``standard`` / ``full`` run profiles (``ARTGAN_PROFILE``).
``env``
    Notebook set-up: seeds, threads, device report.
``data``
    The bundled paintings and photos, patch pipelines, the digits warm-up set.
``images``
    Robust loading of a user's own image files and folders.
``online``
    The large online datasets (TFDS, archives) for users with internet.
``viz``
    Image grids and live-updating figures.
``theory``
    The GAN objective on 1-D grids: V(D, G), D*, KL/JS, generator losses (notebook 01).
``widgets``
    Interactive explorers, with their logic testable without a browser.
``toy``
    Toy data (1-D, ring, grid), MLP GANs, the GradientTape training loop, recipes (notebook 02).
``metrics``
    Sample-quality metrics (mode coverage for mixtures).
``models``
    DCGAN generators and discriminators, shape arithmetic (notebook 03).
``training``
    ``GAN(keras.Model)`` with ``train_step``, checkpoints with exact resume, callbacks,
    ``train_recipe`` (the path shared by notebooks and the trainer), ``load_pretrained``.
``recipes``
    Named training recipes (data, architecture, optimizer, steps, seed).
``train``
    The headless trainer: ``python -m artgan_utils.train RECIPE --out runs/NAME``.
``exercises``
    Checkers for the notebooks' exercises; ``student_edition`` makes the student copy.
"""

from __future__ import annotations

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from artgan_utils.env import device_info, set_seed, setup_notebook  # noqa: E402
from artgan_utils.profiles import Profile, get_profile  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Profile", "device_info", "get_profile", "set_seed", "setup_notebook", "__version__"]
