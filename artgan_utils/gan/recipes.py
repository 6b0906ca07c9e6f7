"""Named training recipes: one place that says what a run trains, on what, for how long.

A recipe is everything needed to reproduce a run except the machine: data,
architecture, optimiser settings, batch size, step count and seed. The
notebooks and the headless trainer (``python -m artgan_utils.train``) build
their models and data from the same recipe through
:func:`artgan_utils.gan.build_gan` and
:func:`artgan_utils.gan.recipe_dataset`, so a notebook run and a trainer
run of the same recipe are the same computation.

    >>> from artgan_utils.gan import get_recipe
    >>> r = get_recipe("dcgan-ukiyoe-64")
    >>> r.image_size, r.latent_dim
    (64, 100)
    >>> r.replace(steps=100).steps
    100
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any


class RecipeError(ValueError):
    """An unknown recipe name or an invalid recipe setting."""


@dataclass(frozen=True)
class Recipe:
    """A DCGAN training recipe.

    Attributes
    ----------
    name, summary:
        Identifier and one-line description.
    data:
        ``"digits"`` (scikit-learn's 8x8 digits, resized) or a bundled painting
        style (``"ukiyo-e"``, ``"van-gogh"``, ...), from which random patches are
        streamed (:func:`artgan_utils.data.patch_dataset`).
    image_size, latent_dim, g_filters, d_filters, start_size, upsample, dropout:
        Architecture, passed to :func:`artgan_utils.gan.networks.make_generator` and
        :func:`~artgan_utils.gan.networks.make_discriminator`.
    d_depth:
        The discriminator's stride-2 convolutions; 0 (the default) means
        ``log2(image_size) - 3``, at least 2, which ends on an 8x8 map from 32 px up.
        One more ends on 4x4, where each feature sees most of the image, not only its
        texture (measured at 32 px in the README: not better at equal time).
    steps, batch_size:
        Training length in generator/discriminator updates, and batch size.
    g_lr, d_lr, beta_1:
        Adam settings of the two optimizers.
    patch_scale:
        Crop side as a fraction of a painting's shorter side (painting data only).
    seed:
        Seeds the weights, the latent noise and the data stream.
    loss, gp_weight, r1_gamma, n_critic, spectral_norm, ema_decay, augment:
        Stabilisation (notebook 05): see :class:`artgan_utils.gan.GAN`
        and :func:`artgan_utils.gan.networks.make_discriminator`.
    """

    name: str
    summary: str
    data: str
    image_size: int
    steps: int
    batch_size: int = 64
    latent_dim: int = 100
    g_filters: int = 128
    d_filters: int = 64
    start_size: int = 8
    upsample: str = "transpose"
    dropout: float = 0.25
    d_depth: int = 0
    g_lr: float = 2e-4
    d_lr: float = 2e-4
    beta_1: float = 0.5
    patch_scale: tuple[float, float] = (0.25, 0.6)
    seed: int = 0
    loss: str = "nonsaturating"
    gp_weight: float = 0.0
    r1_gamma: float = 0.0
    n_critic: int = 1
    spectral_norm: bool = False
    ema_decay: float | None = None
    augment: str = ""

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1:
            raise RecipeError(f"steps and batch_size must be positive, got {self.steps} and {self.batch_size}.")
        if self.upsample not in {"transpose", "resize"}:
            raise RecipeError(f"upsample must be 'transpose' or 'resize', got {self.upsample!r}.")
        if not 0 <= self.d_depth <= math.log2(self.image_size):
            raise RecipeError(f"d_depth must be between 0 (the default) and log2(image_size), got {self.d_depth}.")
        ratio = self.image_size / self.start_size
        if ratio < 2 or ratio != 2 ** round(math.log2(ratio)):
            raise RecipeError(
                f"image_size ({self.image_size}) must be start_size ({self.start_size}) times a power of two."
            )

    @property
    def channels(self) -> int:
        """1 for the digits, 3 for paintings."""
        return 1 if self.data == "digits" else 3

    def replace(self, **changes: Any) -> Recipe:
        """A copy with some settings changed (e.g. ``steps`` for a shorter run)."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise RecipeError(f"Unknown recipe settings {sorted(unknown)}.")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (written into every run's ``run.json``)."""
        d = dataclasses.asdict(self)
        d["patch_scale"] = list(self.patch_scale)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Recipe:
        """Inverse of :meth:`to_dict`."""
        d = dict(d)
        if "patch_scale" in d:
            d["patch_scale"] = tuple(d["patch_scale"])
        return cls(**d)


RECIPES: dict[str, Recipe] = {
    r.name: r
    for r in (
        Recipe(
            name="dcgan-digits",
            summary="small DCGAN on scikit-learn's digits at 16x16: a seconds-fast warm-up",
            data="digits", image_size=16, start_size=4, g_filters=64, d_filters=32, steps=600,
        ),
        Recipe(
            name="dcgan-ukiyoe-32",
            summary="DCGAN on 32x32 patches of the bundled ukiyo-e prints (the notebook's CPU run)",
            data="ukiyo-e", image_size=32, steps=3000,
        ),
        Recipe(
            name="dcgan-ukiyoe-32-stable",
            summary="dcgan-ukiyoe-32 stabilised (notebook 05): hinge loss, spectral norm, DiffAugment, generator EMA",
            data="ukiyo-e", image_size=32, steps=3000, loss="hinge", spectral_norm=True,
            augment="color,translation", ema_decay=0.999,
        ),
        Recipe(
            name="dcgan-ukiyoe-64",
            summary="the 2019 article's DCGAN (z=100, 8x8x128 -> 64x64x3) on 64x64 ukiyo-e patches, trained long",
            data="ukiyo-e", image_size=64, batch_size=32, steps=8000,
        ),
        Recipe(
            name="dcgan-ukiyoe-64-stable",
            summary="dcgan-ukiyoe-64 stabilised as in notebook 05 (hinge, spectral norm, DiffAugment, EMA): "
                    "the series' recommended recipe",
            data="ukiyo-e", image_size=64, batch_size=32, steps=8000, loss="hinge", spectral_norm=True,
            augment="color,translation", ema_decay=0.999,
        ),
        Recipe(
            name="dcgan-ukiyoe-128-stable",
            summary="the full profile's notebook run (GPU): 128x128 patches, a 512-filter generator with "
                    "resize-convolutions, notebook 05's stabilisation, batch 64",
            data="ukiyo-e", image_size=128, batch_size=64, steps=20_000, g_filters=512, d_filters=64,
            upsample="resize", loss="hinge", spectral_norm=True, augment="color,translation", ema_decay=0.999,
        ),
        Recipe(
            name="dcgan-ukiyoe-256-stable",
            summary="the full profile's headless run (about a GPU-hour): 256x256 patches, a 512-filter generator "
                    "with resize-convolutions, notebook 05's stabilisation, batch 32, 100,000 steps",
            data="ukiyo-e", image_size=256, batch_size=32, steps=100_000, g_filters=512, d_filters=32,
            upsample="resize", loss="hinge", spectral_norm=True, augment="color,translation", ema_decay=0.999,
        ),
        Recipe(
            name="dcgan-vangogh-64",
            summary="the 2019 article's DCGAN on 64x64 patches of the bundled Van Gogh paintings",
            data="van-gogh", image_size=64, batch_size=32, steps=8000,
        ),
    )
}


def get_recipe(name: str) -> Recipe:
    """Return the named recipe.

    Raises
    ------
    RecipeError
        Listing the known names if ``name`` is not one.
    """
    try:
        return RECIPES[name]
    except KeyError:
        raise RecipeError(f"Unknown recipe {name!r}. Recipes: {', '.join(RECIPES)}.") from None
