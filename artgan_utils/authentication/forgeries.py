"""The series' forgeries: every kind of imitation notebooks 04-10 can make, labelled by method and by work.

Taught in notebook 11 (art authentication). Each image is an :class:`Item`: the
picture (uint8), its label (0 = genuine, 1 = forgery), the method that made it
and its *group*: the work it depicts. A JPEG copy of the Great Wave and the
single-image GAN's variations of it share the Great Wave's group; a rendering
of a photo has the photo's group; a sample of an unconditional GAN depicts no
particular work and is a group of its own. ``evaluation.roc.split_by_work``
keeps every group on one side of a train/test split.

The genuine works are the bundled paintings (29 digitised works, longer side
384 px, stored as JPEG by the WebMuseum). The forgeries are saved the same way,
as JPEG (``jpeg_quality``, 90 by default), so that a detector cannot tell the
two apart by the mere presence of JPEG's 8x8 blocks; notebook 11 shows what
happens without this step.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from artgan_utils import data

GENUINE = "genuine"
#: Every forgery method, with what it is and the notebook that makes it.
METHODS: dict[str, str] = {
    "dcgan": "samples of the shipped 64x64 DCGAN of ukiyo-e patches (notebooks 04-06)",
    "conditional": "samples of the shipped conditional GAN, every style (notebook 10)",
    "singan": "variations of The Great Wave by the shipped single-image GAN (notebook 10)",
    "gatys": "a photo rendered by Gatys et al.'s optimisation (notebook 07)",
    "adain": "a photo rendered by AdaIN with the shipped decoder (notebook 07)",
    "magenta": "a photo rendered by Magenta's arbitrary-stylisation network (notebook 07)",
    "pix2pix": "a photo's line drawing painted by the shipped pix2pix generator (notebook 08)",
    "cyclegan": "a photo translated by the shipped CycleGAN generator (notebook 09)",
    "colour-transfer": "a photo given a style's colours (Reinhard et al.; notebook 09's baseline)",
    "resampled": "a genuine work shrunk to half its size and enlarged back (bicubic)",
    "recompressed": "a genuine work re-saved as a JPEG at quality 30",
}
#: Methods that render a photo (one photo per rendering; the styles alternate).
PHOTO_METHODS = ("gatys", "adain", "magenta", "pix2pix", "cyclegan", "colour-transfer")
#: Methods that copy a genuine work (a group with both labels).
COPY_METHODS = ("resampled", "recompressed")
#: Methods that sample a GAN.
SAMPLE_METHODS = ("dcgan", "conditional", "singan")
#: The styles the photo renderings alternate between.
STYLES = ("ukiyo-e", "van-gogh")


@dataclass(frozen=True)
class Item:
    """One image of the authentication set."""

    image: np.ndarray  # (h, w, 3) uint8
    label: int  # 0 genuine, 1 forgery
    method: str  # "genuine" or a key of METHODS
    group: str  # the work it depicts (a file stem) or its own id
    name: str  # a short caption


def stem(file: str) -> str:
    """``"images/ukiyo-e/hokusai-poppies.jpg"`` -> ``"hokusai-poppies"``."""
    return file.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def to_uint8(image) -> np.ndarray:
    """A float image in [0, 1] (or uint8) as uint8 (h, w, 3)."""
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = np.clip(np.round(np.asarray(arr, np.float64) * 255.0), 0, 255).astype(np.uint8)
    return arr


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """``image`` (uint8) saved as a JPEG of ``quality`` and decoded again."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(to_uint8(image)).save(buf, format="JPEG", quality=int(quality))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def resampled(image: np.ndarray, factor: float = 0.5) -> np.ndarray:
    """``image`` shrunk by ``factor`` and enlarged back to its size (bicubic), as uint8."""
    from PIL import Image

    img = Image.fromarray(to_uint8(image))
    small = img.resize((max(1, round(img.width * factor)), max(1, round(img.height * factor))), Image.BICUBIC)
    return np.asarray(small.resize(img.size, Image.BICUBIC))


def genuine_works() -> list[Item]:
    """Every bundled painting, as stored (uint8, longer side 384)."""
    works = data.catalogue(kind="painting")
    return [Item(np.asarray(img, np.uint8), 0, GENUINE, stem(w.file), w.title)
            for w, img in zip(works, data.load_artworks(works))]


def photo_files(n: int, offset: int = 0) -> list[str]:
    """``n`` bundled photos, spread over the collection's kinds (animals, monuments, ...), from ``offset`` on."""
    photos = [w.file for w in data.catalogue(kind="photo")]
    order = np.random.default_rng(11).permutation(len(photos))
    chosen = [photos[i] for i in order]
    if offset + n > len(chosen):
        raise ValueError(f"only {len(chosen)} bundled photos; asked for {n} from {offset}.")
    return chosen[offset:offset + n]


def render_photos(method: str, files: list[str], size: int, gatys_steps: int = 100) -> list[Item]:
    """Each photo in ``files`` rendered by ``method`` (``STYLES`` in turn), longer side ``size``."""
    from artgan_utils.transfer.stylize import stylize

    if method not in PHOTO_METHODS:
        raise ValueError(f"method must be one of {', '.join(PHOTO_METHODS)}; got {method!r}.")
    items = []
    for i, file in enumerate(files):
        style = STYLES[i % len(STYLES)]
        kwargs = {"steps": gatys_steps} if method == "gatys" else {}
        out = stylize(data.data_dir() / file, style, "reinhard" if method == "colour-transfer" else method,
                      size=size, **kwargs)
        items.append(Item(to_uint8(out), 1, method, stem(file), f"{stem(file)} as {style} ({method})"))
    return items


def gan_samples(method: str, n: int, seed: int = 0) -> list[Item]:
    """``n`` samples of a shipped GAN: ``"dcgan"``, ``"conditional"`` (styles in turn) or ``"singan"``."""
    if method == "dcgan":
        from artgan_utils.gan.run_files import load_pretrained

        generator, _ = load_pretrained("dcgan-ukiyoe-64")
        z = np.random.default_rng(seed).normal(size=(n, generator.input_shape[-1])).astype("float32")
        images = np.asarray(generator(z, training=False))
    elif method == "conditional":
        from artgan_utils.artworks import conditional_train

        gan, _ = conditional_train.load_conditional()
        z = np.random.default_rng(seed).normal(size=(n, gan.latent_dim)).astype("float32")
        images = np.asarray(gan.generate(z, np.arange(n) % gan.num_classes))
    elif method == "singan":
        from artgan_utils.artworks import singan_train

        model, info = singan_train.load_singan()
        images = np.concatenate([np.asarray(model.generate(1, seed=seed + i)) for i in range(n)])
        work = next(w for w in data.catalogue(kind="painting") if w.title == info["painting"])
        return [Item(to_uint8((img + 1) / 2), 1, method, stem(work.file), f"variation {i + 1} of {work.title}")
                for i, img in enumerate(images)]
    else:
        raise ValueError(f"method must be one of {', '.join(SAMPLE_METHODS)}; got {method!r}.")
    return [Item(to_uint8((img + 1) / 2), 1, method, f"{method}-sample-{seed}-{i}", f"{method} sample {i + 1}")
            for i, img in enumerate(images)]


def copies(method: str, works: list[Item]) -> list[Item]:
    """Copies of genuine ``works``: ``"resampled"`` (half size and back) or ``"recompressed"`` (JPEG quality 30)."""
    if method not in COPY_METHODS:
        raise ValueError(f"method must be one of {', '.join(COPY_METHODS)}; got {method!r}.")
    make = resampled if method == "resampled" else (lambda img: jpeg(img, 30))
    return [Item(make(w.image), 1, method, w.group, f"{w.name} ({method})") for w in works]


def build(n_samples: int, n_photos: int, render_size: int, gatys_steps: int = 100, n_copies: int | None = None,
          methods: tuple[str, ...] = tuple(METHODS), jpeg_quality: int | None = 90, seed: int = 0) -> list[Item]:
    """The genuine works and every method's forgeries.

    ``n_samples`` GAN samples per sampling method (the single-image GAN: a quarter
    of that, at least 2), ``n_photos`` photos per rendering method (no photo used by
    two methods), ``n_copies`` genuine works copied per copying method (all by
    default; the two methods copy different works when they can). Forgeries are
    saved as JPEG at ``jpeg_quality`` (``None``: left as rendered).
    """
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        raise ValueError(f"unknown forgery methods {unknown}; choose from {', '.join(METHODS)}.")
    items = genuine_works()
    genuine = list(items)
    n_copies = len(genuine) if n_copies is None else min(n_copies, len(genuine))
    forged: list[Item] = []
    offset = 0
    for method in methods:
        if method in PHOTO_METHODS:
            forged += render_photos(method, photo_files(n_photos, offset), render_size, gatys_steps)
            offset += n_photos
        elif method in COPY_METHODS:
            order = np.random.default_rng(seed + COPY_METHODS.index(method)).permutation(len(genuine))
            forged += copies(method, [genuine[i] for i in order[:n_copies]])
        else:
            forged += gan_samples(method, n_samples if method != "singan" else max(2, n_samples // 4), seed)
    items = items + forged
    return saved_as_jpeg(items, jpeg_quality) if jpeg_quality is not None else items


def saved_as_jpeg(items: list[Item], quality: int = 90) -> list[Item]:
    """The forgeries saved as JPEG files of ``quality`` and read back, as the genuine works were (same order).

    The genuine works and the recompressed copies (already JPEGs) are left as they are.
    """
    return [it if it.label == 0 or it.method == "recompressed" else
            Item(jpeg(it.image, quality), 1, it.method, it.group, it.name) for it in items]


def counts(items: list[Item]) -> dict[str, tuple[int, int]]:
    """``{method: (images, groups)}`` of an authentication set, genuine first."""
    out: dict[str, tuple[int, int]] = {}
    for method in (GENUINE, *METHODS):
        chosen = [it for it in items if it.method == method]
        if chosen:
            out[method] = (len(chosen), len({it.group for it in chosen}))
    return out
