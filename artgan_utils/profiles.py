"""Run profiles: one switch that sizes every notebook for the machine it runs on.

Taught in notebook 00 (run profiles); every notebook prints its own settings.

The series runs in three profiles, selected by the environment variable
``ARTGAN_PROFILE`` (never by editing a notebook):

``quick``
    Continuous integration: every notebook well under two minutes on two CPU
    cores. Small images, few steps, pinned thread counts so results are
    reproducible bit for bit on the CI machine.
``standard``
    The default on a CPU: every notebook in at most about ten minutes, with
    results a learner can recognise.
``full``
    The default when a GPU is visible: real resolutions and step counts.

Notebooks ask for their settings by section name::

    profile = artgan_utils.get_profile()
    settings = profile.settings("02_first_gan_toy")
    settings.train_steps   # 300 in quick, 3000 in standard, 10000 in full

The numbers live in :data:`SECTIONS` below, in one place, so an instructor can
see and change what each profile does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_VAR = "ARTGAN_PROFILE"
PROFILE_NAMES: tuple[str, ...] = ("quick", "standard", "full")

DESCRIPTIONS: dict[str, str] = {
    "quick": "CI sizes: each notebook well under 2 minutes on 2 CPU cores",
    "standard": "CPU sizes: each notebook in about 10 minutes, recognisable results",
    "full": "GPU sizes: real resolutions and step counts",
}

#: Intra-op threads pinned per profile (``None`` = let TensorFlow decide).
#: Seeded TensorFlow on a CPU is bit-identical only at the same thread count,
#: so the quick profile (whose outputs nbval compares) pins it.
THREADS: dict[str, int | None] = {"quick": 2, "standard": None, "full": None}

#: Per-notebook settings: section -> setting -> (quick, standard, full).
SECTIONS: dict[str, dict[str, tuple[Any, Any, Any]]] = {
    "00_welcome": {
        "thumb_size": (96, 160, 192),
        "patch_size": (32, 64, 64),
        "patches_shown": (8, 16, 16),
    },
    "01_minimax_objective": {
        "mc_samples": (20_000, 200_000, 1_000_000),
    },
    "02_first_gan_toy": {
        "steps_1d": (300, 1500, 3000),
        "steps_2d": (400, 4000, 10_000),
        "seeds": ((0,), (0, 1, 2), (0, 1, 2, 3, 4)),
        "eval_samples": (2500, 2500, 2500),
        "snapshots": (4, 6, 8),
    },
    "04_training_dcgan": {
        "digits_steps": (200, 600, 1500),
        "paint_recipe": ("dcgan-ukiyoe-32", "dcgan-ukiyoe-32", "dcgan-ukiyoe-128-stable"),
        "paint_steps": (300, 2500, 20_000),
        "every": (100, 500, 1000),
        "memorisation_train_patches": (500, 2000, 4000),
    },
    "05_stabilizing_and_evaluating": {
        "eval_images": (256, 1000, 2000),
        "ablation_seconds": (5, 60, 600),
        "ablation_every": (25, 50, 1000),  # standard: about 8 points per 60-s curve
        "ablation_eval_images": (96, 500, 1000),
        "failure_steps": (30, 200, 400),
    },
    "06_full_scale_training": {
        "recipe": ("dcgan-digits", "dcgan-ukiyoe-32-stable", "dcgan-ukiyoe-256-stable"),
        "trainer_steps": (60, 600, 100_000),
        "trainer_every": (20, 100, 2000),
        "resume_steps": (60, 600, 2000),  # the kill-and-resume demonstration (a GPU-hour twice would be too much)
        "resume_every": (20, 100, 500),
        "distributed_recipe": ("dcgan-digits", "dcgan-digits", "dcgan-ukiyoe-32-stable"),
        "distributed_steps": (20, 20, 20),
        "grad_batch": (16, 64, 64),
    },
    "07_neural_style_transfer": {
        "size": (128, 256, 512),
        "gatys_steps": (20, 100, 500),
        "probe_size": (64, 128, 256),
        "probe_steps": (15, 100, 400),
        "grid_size": (64, 128, 256),
        "grid_steps": (10, 80, 300),
        "adain_steps": (4, 30, 400),
        "adain_crop": (64, 96, 256),
        "photos": (2, 4, 4),
    },
    "08_pix2pix": {
        "size": (128, 256, 512),
        "crop": (64, 128, 256),
        "work_size": (192, 384, 768),
        "batch": (2, 4, 8),
        "short_steps": (20, 400, 4000),
        "photos": (2, 4, 12),
    },
    "09_cyclegan": {
        "size": (128, 256, 512),
        "crop": (64, 128, 256),
        "work_size": (128, 286, 572),  # longer side; full crops 256 px, so the shorter side must reach 256
        "short_steps": (4, 150, 2000),
        "photos": (2, 12, 12),
        "style_paintings": (2, 7, 7),  # training paintings given to the style methods of section 7
    },
    "10_new_works": {
        "size": (32, 32, 64),  # the conditional GAN's patch size
        "compare_seconds": (3, 60, 600),  # training time of each conditioning scheme
        "n_train": (12, 150, 500),  # real patches per class to train the style classifier on
        "n_test": (10, 100, 250),  # held-out real patches and generated samples per class
        "singan_max_size": (40, 128, 256),  # longest side of the single-image GAN's finest scale
        "singan_iters": (6, 150, 2000),  # iterations per scale
        "singan_updates": (1, 1, 3),  # critic and generator updates per iteration (the paper: 3 and 3)
    },
    "11_authentication": {
        "n_samples": (4, 24, 96),  # samples of each GAN (the single-image GAN: a quarter, at least 2)
        "n_photos": (2, 8, 16),  # photos rendered by each style-transfer or translation method
        "render_size": (128, 192, 256),  # longer side of the renderings
        "gatys_steps": (5, 40, 200),  # Adam steps of each Gatys rendering
        "n_copies": (4, 14, 29),  # genuine works copied by each copying method
        "grid_density": (1, 2, 4),  # tiles start every 64 / grid_density pixels (1: side by side)
        "max_tiles": (6, 24, 64),  # tiles kept per image at most (the most detailed)
        "cnn_epochs": (1, 8, 20),  # epochs of the patch CNN
        "n_boot": (100, 1000, 2000),  # bootstrap resamples of the works for each interval
        "arms_steps": (3, 150, 600),  # fine-tuning steps of the generator against the detector
    },
}


class ProfileError(ValueError):
    """Raised for an unknown profile name or an unknown settings section/key."""


class Settings(Mapping[str, Any]):
    """Read-only settings of one notebook section, with attribute access.

    Examples
    --------
    >>> s = get_profile("quick").settings("00_welcome")
    >>> s.patch_size
    32
    """

    def __init__(self, section: str, profile: str, values: Mapping[str, Any]):
        self._section = section
        self._profile = profile
        self._values = dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._values[key]
        except KeyError:
            known = ", ".join(sorted(self._values))
            raise ProfileError(
                f"Section {self._section!r} has no setting {key!r}. Known settings: {known}."
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"Settings[{self._section}, {self._profile}]({items})"

    def table(self) -> str:
        """Return the settings as an aligned two-column text table."""
        width = max((len(k) for k in self._values), default=0)
        lines = [f"{self._section} settings ({self._profile} profile)"]
        lines += [f"  {k:<{width}}  {v}" for k, v in self._values.items()]
        return "\n".join(lines)


@dataclass(frozen=True)
class Profile:
    """A named run profile.

    Attributes
    ----------
    name:
        ``"quick"``, ``"standard"`` or ``"full"``.
    source:
        How the profile was chosen: ``"ARTGAN_PROFILE"``, ``"argument"`` or
        ``"default (no GPU)"`` / ``"default (GPU found)"``.
    """

    name: str
    source: str = "argument"
    description: str = field(init=False)
    threads: int | None = field(init=False)

    def __post_init__(self) -> None:
        if self.name not in PROFILE_NAMES:
            raise ProfileError(
                f"Unknown profile {self.name!r}. Choose one of {', '.join(PROFILE_NAMES)}, "
                f"e.g. `export {ENV_VAR}=standard` before starting Jupyter."
            )
        object.__setattr__(self, "description", DESCRIPTIONS[self.name])
        object.__setattr__(self, "threads", THREADS[self.name])

    @property
    def index(self) -> int:
        """Position of this profile in ``(quick, standard, full)``."""
        return PROFILE_NAMES.index(self.name)

    def pick(self, quick: Any, standard: Any, full: Any) -> Any:
        """Return the value that belongs to this profile."""
        return (quick, standard, full)[self.index]

    def settings(self, section: str) -> Settings:
        """Return the settings of ``section`` (a notebook's name) for this profile."""
        try:
            spec = SECTIONS[section]
        except KeyError:
            known = ", ".join(sorted(SECTIONS))
            raise ProfileError(f"No settings section {section!r}. Known sections: {known}.") from None
        return Settings(section, self.name, {k: v[self.index] for k, v in spec.items()})

    def __str__(self) -> str:
        return f"Profile '{self.name}' ({self.description}; chosen by {self.source})"


def gpu_available() -> bool:
    """Return True if TensorFlow sees at least one GPU.

    Imports TensorFlow (quietly, see :mod:`artgan_utils.env`); returns False if
    TensorFlow itself cannot be imported.
    """
    from artgan_utils import env

    env.quiet_tensorflow_logs()
    try:
        import tensorflow as tf
    except ImportError:  # pragma: no cover - TF is a hard dependency
        return False
    return bool(tf.config.list_physical_devices("GPU"))


def get_profile(name: str | None = None) -> Profile:
    """Return the active run profile.

    Order of precedence: the ``name`` argument, then the ``ARTGAN_PROFILE``
    environment variable, then ``full`` if a GPU is visible, else ``standard``.

    Raises
    ------
    ProfileError
        If the name (from the argument or the environment) is not a profile.
    """
    if name is not None:
        return Profile(name.strip().lower(), "argument")
    env_value = os.environ.get(ENV_VAR, "").strip().lower()
    if env_value:
        return Profile(env_value, ENV_VAR)
    if gpu_available():
        return Profile("full", "default (GPU found)")
    return Profile("standard", "default (no GPU)")
