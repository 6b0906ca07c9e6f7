"""Training data for translation, made offline from the bundled images: pairs for pix2pix, unpaired crops for CycleGAN.

Taught in notebooks 08 (pix2pix) and 09 (CycleGAN).

Pix2pix learns from pairs: a line drawing (input) and the painting (target).

A painting's line drawing is computed once, on the whole painting at a working
resolution (``work_size``, longest side), with either HED (the pretrained edge
detector, :mod:`artgan_utils.pretrained.hed`) or Sobel (a fixed gradient filter,
the classical baseline); training pairs are then aligned random crops of the two.
Photos go through the same function at test time, so the generator sees the same
kind of drawing for a photo as for a painting.

The paintings a notebook evaluates on are never in a training set: per style, the
held-out paintings are those of :data:`artgan_utils.transfer.adain.HELD_OUT_PAINTINGS`
(the same images every method of notebooks 07-09 is scored on). ``split`` returns
the two lists and a test checks that they do not overlap.

Batch ``k`` depends only on ``(seed, k)``, so a resumed run sees exactly the
batches an uninterrupted one would have.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from artgan_utils.transfer import adain
from artgan_utils.transfer.chunked_training import pair_dataset, random_crops

#: The photos every method of notebooks 07-09 is compared on at the end of notebook 09 (monuments, animals,
#: landscapes, a sculpture; none with a near-duplicate in the collection): notebook 07's four held-out photos
#: and eight more. CycleGAN never trains on them.
COMPARISON_PHOTOS = adain.HELD_OUT_PHOTOS + (
    "images/photo-landscape/eilean-donan-castle.jpg",
    "images/photo-sculpture/pieta-photo-of-the-sculpture.jpg",
    "images/photo-animal/owl.jpg",
    "images/photo-animal/panda.jpg",
    "images/photo-animal/toucan.jpg",
    "images/photo-monument/sydney-opera-house.jpg",
    "images/photo-monument/statue-of-liberty.jpg",
    "images/photo-monument/mont-saint-michel.jpg",
)
#: Edge detectors for the input drawings.
EDGE_METHODS = ("hed", "sobel")


def split(style: str) -> tuple[list[str], list[str]]:
    """``(train_files, held_out_files)`` of a bundled painting style ("ukiyo-e", "van-gogh", ...)."""
    from artgan_utils import data

    painting_styles = sorted({w.style for w in data.catalogue(kind="painting")})
    if style not in painting_styles:
        raise ValueError(f"No bundled paintings of style {style!r}; choose from {', '.join(painting_styles)}.")
    files = [w.file for w in data.catalogue(style=style, kind="painting")]
    held = [f for f in files if f in adain.HELD_OUT_PAINTINGS]
    return [f for f in files if f not in held], held


def sobel_drawing(images) -> np.ndarray:
    """Black-on-white drawing from the Sobel gradient magnitude of the luminance (RGB in [0, 1], same shape).

    The magnitude is divided by its 98th percentile per image, so the drawing's contrast does not
    depend on the image's; every intensity edge is drawn (texture included), unlike HED.
    """
    import tensorflow as tf

    x = np.asarray(images, dtype="float32")
    single = x.ndim == 3
    x = x[None] if single else x
    lum = x @ np.array([0.299, 0.587, 0.114], dtype="float32")
    grads = tf.image.sobel_edges(tf.convert_to_tensor(lum[..., None])).numpy()  # (n, h, w, 1, 2)
    mag = np.sqrt((grads ** 2).sum(-1))[..., 0]
    scale = np.percentile(mag.reshape(len(mag), -1), 98, axis=1)[:, None, None] + 1e-6
    out = np.repeat((1.0 - np.clip(mag / scale, 0, 1))[..., None], 3, axis=-1).astype("float32")
    return out[0] if single else out


def drawing(image: np.ndarray, method: str = "hed") -> np.ndarray:
    """The line drawing of one RGB image in [0, 1] (h, w, 3), by ``method`` in :data:`EDGE_METHODS`."""
    if method == "hed":
        from artgan_utils.pretrained import hed

        return hed.line_drawing(image)
    if method == "sobel":
        return sobel_drawing(image)
    raise ValueError(f"Unknown edge method {method!r}; choose from {', '.join(EDGE_METHODS)}.")


@lru_cache(maxsize=16)
def _pairs_of(files: tuple[str, ...], work_size: int, method: str) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    from artgan_utils.transfer.stylize import load_input

    out = []
    for file in files:
        painting = load_input(file, size=work_size, what="painting")  # longer side work_size, [0, 1]
        out.append((drawing(painting, method), painting))
    return tuple(out)


def painting_pairs(files, work_size: int = 384, method: str = "hed") -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(drawing, painting), ...]`` (h, w, 3) in [0, 1] for bundled painting ``files`` at ``work_size`` (cached)."""
    return list(_pairs_of(tuple(files), int(work_size), method))


class PairSampler:
    """Aligned random crops of (drawing, painting), as [-1, 1] batches; batch ``k`` depends only on ``(seed, k)``."""

    def __init__(self, style: str, crop: int = 128, batch: int = 4, work_size: int = 384, method: str = "hed",
                 seed: int = 0):
        train_files, _ = split(style)
        self.style, self.files = style, train_files
        self.crop, self.batch, self.seed = int(crop), int(batch), int(seed)
        self.pairs = [p for p in painting_pairs(train_files, work_size, method) if min(p[1].shape[:2]) >= self.crop]
        if not self.pairs:
            raise ValueError(f"No {style} painting is at least {crop} px on both sides at work_size={work_size}; "
                             "raise work_size or lower crop.")

    def batch_at(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([self.seed, int(k)])
        sources, targets = [], []
        for i in rng.integers(0, len(self.pairs), self.batch):
            src, tgt = self.pairs[i]
            y = rng.integers(0, tgt.shape[0] - self.crop + 1)
            x = rng.integers(0, tgt.shape[1] - self.crop + 1)
            window = (slice(y, y + self.crop), slice(x, x + self.crop))
            flip = rng.random() < 0.5
            for out, im in ((sources, src), (targets, tgt)):
                patch = im[window]
                out.append(patch[:, ::-1] if flip else patch)
        return (np.stack(sources) * 2 - 1).astype("float32"), (np.stack(targets) * 2 - 1).astype("float32")

    def dataset(self, start: int, n: int):
        """A ``tf.data`` stream of batches ``start .. start + n - 1``."""
        return pair_dataset(self.batch_at, start, n, (self.batch, self.crop, self.crop, 3))


class UnpairedSampler:
    """Random crops of photos (domain A) and of one style's paintings (domain B), in [-1, 1], never paired.

    The comparison photos (:data:`COMPARISON_PHOTOS`) and the held-out paintings are excluded.
    ``photos_dir`` / ``paintings_dir`` replace the bundled photos / the style's paintings with
    every image in a folder (e.g. the CycleGAN archives' ``trainA`` and ``trainB``, which
    :func:`artgan_utils.data.online.load_cycle_gan_archive` downloads once); unreadable files are
    skipped with a message, and a folder with no image is an error. Images are loaded at
    ``work_size`` (longer side) and cropped to ``crop``; an image whose shorter side is then
    under ``crop`` is skipped. Batch ``k`` depends only on ``(seed, k)``.
    """

    def __init__(self, style: str, crop: int = 128, batch: int = 1, work_size: int = 286, seed: int = 0,
                 photos_dir: str | None = None, paintings_dir: str | None = None):
        from artgan_utils import data
        from artgan_utils.transfer.stylize import load_input, load_styles

        self.style, self.crop, self.batch, self.seed = style, int(crop), int(batch), int(seed)

        def usable(images):
            return [im for im in images if min(im.shape[:2]) >= self.crop]

        if photos_dir:
            self.photos = usable(load_styles(photos_dir, size=work_size))
        else:
            files = [w.file for w in data.catalogue(kind="photo") if w.file not in COMPARISON_PHOTOS]
            self.photos = usable([load_input(f, size=work_size) for f in files])
        if paintings_dir:
            self.paintings = usable(load_styles(paintings_dir, size=work_size))
        else:
            self.paintings = usable([load_input(f, size=work_size) for f in split(style)[0]])
        if not self.photos or not self.paintings:
            raise ValueError(f"No photo or {style} painting is at least {crop} px on both sides at work_size="
                             f"{work_size}; raise work_size or lower crop.")

    def _crops(self, rng: np.random.Generator, pool: list) -> np.ndarray:
        return (random_crops(rng, pool, self.crop, self.batch) * 2 - 1).astype("float32")

    def batch_at(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([self.seed, int(k)])
        return self._crops(rng, self.photos), self._crops(rng, self.paintings)

    def dataset(self, start: int, n: int):
        """A ``tf.data`` stream of batches ``start .. start + n - 1``."""
        return pair_dataset(self.batch_at, start, n, (self.batch, self.crop, self.crop, 3))
