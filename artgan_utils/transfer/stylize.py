"""One entry point for style transfer: ``stylize(photo, style=..., method=...)``, on users' own files too.

Taught in notebook 07 (comparison of Gatys, AdaIN and the Magenta network); notebooks
08 and 09 add their translators (``method="pix2pix"``, ``"cyclegan"``), and 09 compares
them all, with the classical baselines ``"reinhard"`` and ``"histogram"``
(:mod:`~artgan_utils.transfer.classical`).

``photo`` and ``style`` may be:

* a path to an image file, any size and format the series' image loader reads
  (:mod:`artgan_utils.data`: grayscale repeated to RGB, transparency composited
  over white, 16-bit scaled, EXIF orientation applied); images larger than
  ``size`` are downscaled, with a message when the file is much larger
  (more than :data:`BIG_SIDE` pixels on its longer side);
* a numpy array (h, w), (h, w, 1), (h, w, 3) or (h, w, 4): uint8, uint16, or float in [0, 1];
* a bundled image: its file name (``"hokusai-the-great-wave-off-kanagawa"``,
  with or without folder and extension) or its title (``"The Great Wave off Kanagawa"``).

``style`` may also be a folder (every image in it; an error if it holds none) or
a bundled style group (``"ukiyo-e"``, ``"van-gogh"``, ...: its paintings). Several
style images are combined: averaged Gram matrices (Gatys), equal-weight AdaIN
interpolation, averaged style vectors (Magenta), pooled pixels (the baselines).
The translators learned a style at training time, so for ``pix2pix`` and ``cyclegan``
``style`` names a shipped translator (``"ukiyo-e"``, ``"van-gogh"``) or an exported folder.

Provenance of the networks: :mod:`artgan_utils.pretrained` (HED VGG16, Magenta)
and the shipped AdaIN decoder ``checkpoints/adain-decoder``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from artgan_utils import data

METHODS = ("gatys", "adain", "magenta", "pix2pix", "cyclegan", "reinhard", "histogram")
#: The methods whose ``style`` is a trained translator, not style images.
TRANSLATORS = ("pix2pix", "cyclegan")
#: Files with a longer side above this are reported when downscaled.
BIG_SIDE = 2048


def _from_array(arr: np.ndarray, name: str = "array") -> np.ndarray:
    arr = np.asarray(arr)
    if arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[-1] not in (1, 3, 4):
        raise ValueError(f"{name}: expected an image (h, w), (h, w, 1), (h, w, 3) or (h, w, 4); got {arr.shape}.")
    if arr.dtype == np.uint8:
        x = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        x = arr.astype(np.float32) / 65535.0
    elif np.issubdtype(arr.dtype, np.floating):
        x = arr.astype(np.float32)
        if not np.isfinite(x).all():
            raise ValueError(f"{name}: the image contains NaN or infinite values.")
        if x.size and (x.min() < -1e-3 or x.max() > 1.001):
            raise ValueError(f"{name}: float images must lie in [0, 1]; got [{x.min():.3f}, {x.max():.3f}].")
        x = np.clip(x, 0.0, 1.0)
    else:
        raise ValueError(f"{name}: unsupported dtype {arr.dtype}; use uint8, uint16 or float in [0, 1].")
    if x.shape[-1] == 4:  # transparency over white, as the image loader does
        alpha = x[..., 3:]
        x = x[..., :3] * alpha + (1.0 - alpha)
    elif x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    return x


def _resize(x: np.ndarray, size: int | None) -> np.ndarray:
    if size is None or max(x.shape[:2]) == size:
        return x
    from artgan_utils.transfer.gatys import _resize as resize

    return resize(x, size)


def _bundled(name: str) -> list:
    works = data.load_manifest()
    key = name.strip().lower()
    stem = Path(key).stem
    exact = [w for w in works if w.file.lower() == key]  # a manifest path names one image, even if its stem recurs
    if exact:
        return exact
    hits = [w for w in works if Path(w.file).stem.lower() == stem]
    if not hits:
        hits = [w for w in works if w.title.lower() == key]
    return hits


def _load_file(path: Path, size: int | None, max_pixels: int | None = None) -> np.ndarray:
    from PIL import Image

    loader = data
    limit = loader.MAX_PIXELS if max_pixels is None else max_pixels
    try:
        with Image.open(path) as im:
            w, h = im.size
    except Exception:  # noqa: BLE001 - the loader below gives the proper error
        w = h = 0
    if size is not None and max(w, h) > BIG_SIDE and w * h <= limit:
        print(f"{path.name}: {w} x {h} pixels, downscaled to {size} px on the longer side.")
    return loader.load_image(path, size=size, max_pixels=limit).astype(np.float32) / 255.0


def load_input(x, size: int | None = None, what: str = "photo", max_pixels: int | None = None) -> np.ndarray:
    """One image from a path, array or bundled name, as (h, w, 3) float32 in [0, 1], longer side ``size``.

    ``max_pixels``: the loader's limit on decoded pixels (default its ``MAX_PIXELS``, 64 MP); larger
    files are refused with an error that names the value to pass.
    """
    if isinstance(x, np.ndarray):
        return _resize(_from_array(x, what), size)
    if isinstance(x, (str, os.PathLike)):
        path = Path(x).expanduser()
        if path.is_file():
            return _load_file(path, size, max_pixels)
        hits = _bundled(str(x))
        if len(hits) == 1:
            return _load_file(hits[0].path, size)
        if len(hits) > 1:
            raise ValueError(f"{what} {str(x)!r} matches several bundled images: "
                             f"{', '.join(w.file for w in hits)}; give the file name.")
        raise FileNotFoundError(f"{what} {str(x)!r} is neither an image file nor a bundled image's file name or "
                                "title (see artgan_utils.data.catalogue()).")
    raise TypeError(f"{what} must be a file path, a numpy array or a bundled image's name; got {type(x).__name__}.")


def load_styles(style, size: int | None = None) -> list[np.ndarray]:
    """Style image(s): like :func:`load_input`, plus a folder or a bundled style group (all its paintings)."""
    if isinstance(style, (list, tuple)):
        return [img for s in style for img in load_styles(s, size)]
    if isinstance(style, (str, os.PathLike)):
        path = Path(style).expanduser()
        if path.is_dir():
            loader = data
            try:
                folder = loader.load_image_folder(path, size=size, on_error="skip")
            except loader.NoImagesFoundError as err:
                raise ValueError(f"The style folder {path} holds no image the loader can read "
                                 f"({', '.join(e.lstrip('.') for e in loader.IMAGE_EXTENSIONS)}). {err}") from err
            if folder.skipped:
                print(folder.summary())
            return [img.astype(np.float32) / 255.0 for img in folder.images]
        if not path.exists():
            works = data.load_manifest()
            if str(style) in {w.style for w in works}:
                group = [w for w in works if w.style == str(style) and w.kind == "painting"]
                if not group:
                    raise ValueError(f"The bundled group {style!r} holds photos, not paintings.")
                return [_load_file(w.path, size) for w in group]
    return [load_input(style, size, "style")]


@lru_cache(maxsize=2)
def _magenta(threads: int | None):
    from artgan_utils.pretrained.magenta import MagentaStylizer

    return MagentaStylizer(threads)


@lru_cache(maxsize=4)
def translator(method: str, style: str):
    """The shipped (or exported) pix2pix or CycleGAN translator for ``style``, loaded once."""
    if method == "pix2pix":
        from artgan_utils.transfer.pix2pix import load_pix2pix

        return load_pix2pix(style)
    from artgan_utils.transfer.cyclegan import load_cyclegan

    return load_cyclegan(style)


def _translate(method: str, content: np.ndarray, style, strength: float) -> np.ndarray:
    from artgan_utils.transfer import cyclegan, pix2pix

    shipped = (pix2pix if method == "pix2pix" else cyclegan).SHIPPED
    if not isinstance(style, (str, os.PathLike)) or not (str(style) in shipped or Path(style).is_dir()):
        raise ValueError(f"method={method!r} renders with a trained translator: give style= one of "
                         f"{', '.join(shipped) or '(none shipped yet)'} or an exported folder; got {style!r}.")
    net = translator(method, str(style))
    out = net.render(content) if method == "pix2pix" else net.to_painting(content)
    return strength * out + (1.0 - strength) * content


@lru_cache(maxsize=2)
def _adain(path: str | None):
    from artgan_utils.transfer.adain import load_adain

    return load_adain(path)


def stylize(photo, style, method: str = "gatys", size: int | None = 256, strength: float = 1.0,
            preserve_color: bool = False, steps: int | None = None, adain_decoder: str | None = None,
            threads: int | None = None, max_pixels: int | None = None, **gatys_kwargs) -> np.ndarray:
    """Render ``photo`` in the style of ``style``; returns (h, w, 3) float32 in [0, 1], longer side ``size``.

    Parameters
    ----------
    method
        ``"gatys"`` (optimisation, :mod:`~artgan_utils.transfer.gatys`; ``steps``, default 200),
        ``"adain"`` (the shipped decoder, or ``adain_decoder`` = an exported folder),
        ``"magenta"`` (Ghiasi et al.'s network; computed at 384 px, resized to ``size``),
        ``"pix2pix"`` (the photo's line drawing painted by notebook 08's generator),
        ``"cyclegan"`` (notebook 09's photo -> painting generator), or the colour-transfer
        baselines ``"reinhard"`` and ``"histogram"``.
    strength
        In [0, 1]. Gatys: multiplies the style weight; AdaIN: alpha (feature blend);
        Magenta: blend of the style vector with the photo's own; the others: a pixel
        blend of the output with the photo.
    preserve_color
        Keep the photo's colours (luminance-only transfer), any method.
    max_pixels
        Passed to the image loader for the photo (default 64 megapixels).
    **gatys_kwargs
        Passed to :func:`~artgan_utils.transfer.gatys.gatys` (``style_weight``, ``tv_weight``, ``lr``, ...).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must lie in [0, 1], got {strength}.")
    content = load_input(photo, size, "photo", max_pixels)
    if method in TRANSLATORS:
        out = _translate(method, content, style, strength)
    else:
        out = _render(method, content, load_styles(style, size), strength, steps, adain_decoder, threads,
                      gatys_kwargs)
    if preserve_color:
        from artgan_utils.transfer.gatys import preserve_colors

        out = preserve_colors(out, content)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _render(method, content, styles, strength, steps, adain_decoder, threads, gatys_kwargs) -> np.ndarray:
    if method in ("reinhard", "histogram"):
        from artgan_utils.transfer import classical

        fn = classical.reinhard if method == "reinhard" else classical.histogram_match
        return strength * fn(content, styles) + (1.0 - strength) * content
    if method == "gatys":
        from artgan_utils.transfer.gatys import DEFAULTS, gatys

        weight = gatys_kwargs.pop("style_weight", DEFAULTS["style_weight"]) * strength
        return gatys(content, styles, size=None, steps=steps or DEFAULTS["steps"], style_weight=weight,
                     **gatys_kwargs).image
    if method == "adain":
        return _adain(adain_decoder).stylize(content, styles, alpha=strength)
    net = _magenta(threads)
    vec = np.mean([net.style_vector(s) for s in styles], axis=0)
    if strength < 1.0:
        vec = strength * vec + (1.0 - strength) * net.style_vector(content)
    return net.stylize_with_vector(content, vec)
