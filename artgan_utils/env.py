"""Environment set-up shared by every notebook: quiet logs, seeds, threads, device.

Used by every notebook's first cell; taught in notebook 00 (the environment check).

The first code cell of every notebook is::

    import artgan_utils as au
    profile = au.setup_notebook(seed=42)

which (1) keeps TensorFlow's C++ start-up noise out of the notebook (also the
CUDA probe's lines on a machine without a GPU, :func:`load_tensorflow_quietly`),
(2) seeds Python, NumPy and TensorFlow, (3) pins thread counts in the
``quick`` profile so CI results are reproducible, and (4) returns the active
:class:`~artgan_utils.profiles.Profile`.

Why the log settings must come first: TensorFlow reads ``TF_CPP_MIN_LOG_LEVEL``
once, when its C++ library is loaded. Importing :mod:`artgan_utils` sets it
before anything imports TensorFlow.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import sys
import tempfile
import warnings
from dataclasses import dataclass

from artgan_utils.profiles import Profile, get_profile

_TF_ENV_DEFAULTS = {
    # 2 = hide INFO and WARNING lines from the C++ runtime (errors still show).
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def quiet_tensorflow_logs() -> None:
    """Silence TensorFlow's start-up log lines and Python-side chatter.

    Sets ``TF_CPP_MIN_LOG_LEVEL=2`` unless the user set it (so a user who wants
    the logs for debugging can have them), and, if TensorFlow is already
    imported, lowers the Python logger too. The lines printed before
    TensorFlow's logging initialises (its CUDA probe) ignore every setting;
    :func:`load_tensorflow_quietly` filters those.
    """
    for key, value in _TF_ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        tf.get_logger().setLevel(logging.ERROR)
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:  # pragma: no cover - absl comes with TensorFlow
        pass
    # Keras warns when a Dense/Conv layer receives `input_shape`; the series
    # uses keras.Input instead, but third-party code may not.
    warnings.filterwarnings("ignore", message=r".*Do not pass an `input_shape`.*")


#: The lines TensorFlow's CUDA probe writes on a machine without a GPU (before its
#: log settings apply): "Could not find cuda drivers", "failed call to cuInit", and
#: absl's note that early messages go to stderr.
CUDA_PROBE_LINES = re.compile(
    r"cudart_stub\.cc|cuda_platform\.cc|cuda_executor\.cc|failed call to cuInit|"
    r"All log messages before absl::InitializeLog|Unable to register cu(DNN|FFT|BLAS) factory|"
    r"computation placer already registered|TF-TRT Warning|oneDNN custom operations are on"
)


def load_tensorflow_quietly():
    """Import TensorFlow and probe its devices with the C++ start-up lines filtered out.

    On a machine without a GPU, TensorFlow's first import and device probe write
    lines such as ``cudart_stub.cc:31] Could not find cuda drivers`` and
    ``failed call to cuInit: ... UNKNOWN ERROR (303)`` straight to file
    descriptor 2, before ``TF_CPP_MIN_LOG_LEVEL`` applies, and a live Jupyter
    kernel shows them under the first cell. They are harmless (TensorFlow then
    uses the CPU). This function captures descriptor 2 while TensorFlow loads,
    drops the lines matching :data:`CUDA_PROBE_LINES` and writes every other
    line back to stderr, so real errors still show. With a GPU the probe
    succeeds and nothing is dropped that mattered. Calling it when TensorFlow
    is already loaded does nothing but return the module.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor 2 (an unusual embedding): load plainly
        import tensorflow as tf

        return tf
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices()  # the CUDA probe happens here
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        captured.seek(0)
        text = captured.read().decode("utf-8", "replace")
    kept = [line for line in text.splitlines() if line.strip() and not CUDA_PROBE_LINES.search(line)]
    if kept:
        print("\n".join(kept), file=sys.stderr)
    return tf


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy and TensorFlow (through Keras)."""
    import keras

    keras.utils.set_random_seed(int(seed))


def configure_threads(threads: int | None) -> bool:
    """Pin TensorFlow's intra-op thread count (and inter-op to 1).

    Returns True if the setting was applied. TensorFlow only accepts it before
    its runtime starts; later calls (for example when a notebook cell is run a
    second time) are ignored and return False.
    """
    if not threads:
        return False
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(int(threads))
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        return False
    return True


@dataclass(frozen=True)
class DeviceInfo:
    """What the notebook runs on."""

    python: str
    tensorflow: str
    keras: str
    numpy: str
    platform: str
    cpu_count: int
    gpus: tuple[str, ...]

    @property
    def device(self) -> str:
        """Human-readable device, e.g. ``"GPU x1 (...)"`` or ``"CPU (2 cores)"``."""
        if self.gpus:
            return f"GPU x{len(self.gpus)} ({', '.join(self.gpus)})"
        return f"CPU ({self.cpu_count} cores)"

    def report(self) -> str:
        """Return an aligned text report."""
        rows = [
            ("Python", self.python),
            ("TensorFlow", self.tensorflow),
            ("Keras", self.keras),
            ("NumPy", self.numpy),
            ("Platform", self.platform),
            ("Device", self.device),
        ]
        return "\n".join(f"{k:<11} {v}" for k, v in rows)


def device_info() -> DeviceInfo:
    """Collect versions and the compute device in use."""
    quiet_tensorflow_logs()
    import keras
    import numpy as np
    import tensorflow as tf

    gpus = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        gpus.append(details.get("device_name", gpu.name))
    return DeviceInfo(
        python=platform.python_version(),
        tensorflow=tf.__version__,
        keras=keras.__version__,
        numpy=np.__version__,
        platform=f"{platform.system()} {platform.machine()}",
        cpu_count=os.cpu_count() or 1,
        gpus=tuple(gpus),
    )


def setup_notebook(seed: int = 42, profile: str | None = None, verbose: bool = True) -> Profile:
    """Prepare a notebook: quiet logs, profile, threads and seeds.

    Parameters
    ----------
    seed:
        Seed for Python, NumPy and TensorFlow.
    profile:
        Force a profile (``"quick"``, ``"standard"``, ``"full"``); by default
        it comes from ``ARTGAN_PROFILE`` or the hardware (see
        :func:`~artgan_utils.profiles.get_profile`).
    verbose:
        Print one line naming the profile.

    Returns
    -------
    Profile
        The active profile; ask it for settings with ``profile.settings(section)``.
    """
    quiet_tensorflow_logs()
    load_tensorflow_quietly()
    active = get_profile(profile)
    configure_threads(active.threads)
    set_seed(seed)
    if verbose:
        print(f"{active}; seed {seed}")
    return active
