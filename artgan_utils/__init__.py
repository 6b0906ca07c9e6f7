"""artgan_utils: the tested helper package behind the ArtGAN notebook series.

Importing this package sets TensorFlow's log level *before* TensorFlow is
imported, so notebooks stay free of C++ start-up noise. TensorFlow itself is
imported lazily, by the functions that need it.

The map of the package, one line per module with the notebook that teaches it
and what it may import, is ``ARCHITECTURE.md`` at the repository root. In short:

``profiles``, ``env``, ``viz``
    Set-up shared by every notebook: run profiles, seeds and threads, image grids.
``data``
    The bundled collection, training streams, a user's own images; ``data.online`` for the
    large online sets.
``gan``
    The DCGAN family: networks, losses, DiffAugment, ``GAN(keras.Model)``, callbacks,
    distribution, recipes and runs (notebooks 03-06).
``evaluation``
    Mode coverage, memorisation, FD/KID/precision/recall/SWD, feature extractors, the evaluator.
``pretrained``, ``transfer``
    Pretrained networks with their provenance, and photo-to-painting methods (notebook 07 on).
``teaching``
    Helpers that exist to teach: the objective on grids, toy GANs, widgets, Keras checks.
``exercises``, ``student_edition``, ``train``
    The exercise checkers; the commands ``python -m artgan_utils.student_edition`` and
    ``python -m artgan_utils.train``.
"""

from __future__ import annotations

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from artgan_utils.env import device_info, set_seed, setup_notebook  # noqa: E402
from artgan_utils.profiles import Profile, get_profile  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Profile", "device_info", "get_profile", "set_seed", "setup_notebook", "__version__"]
