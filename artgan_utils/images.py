"""Loading users' own images, robustly.

Real folders hold surprises: phone photos rotated by EXIF, grayscale scans,
PNGs with transparency, palette GIFs, 16-bit TIFF/PNG scans, CMYK JPEGs from
print workflows, half-downloaded files, text files with an image extension,
and images so large that decoding them would exhaust memory. Every function
here turns an image into 8-bit RGB or raises an error that names the file and
says what to do.

Conversions (documented behaviour, tested):

* EXIF orientation is applied (``ImageOps.exif_transpose``).
* Grayscale (``L``, ``1``) is repeated to three channels.
* Transparency (``RGBA``, ``LA``, ``P`` with a transparent index, ``PA``) is
  composited **over white**.
* 16-bit and 32-bit integer images (``I;16``, ``I;16B``, ``I``) are scaled from
  their full range to 8 bits (65535 -> 255), not clipped; float images (``F``)
  are taken as [0, 1] if their maximum is at most 1, else as [0, 255].
* ``CMYK`` and ``YCbCr`` are converted by Pillow.

Size limit: images with more than :data:`MAX_PIXELS` pixels are refused before
decoding (:class:`ImageTooLargeError`), so a decompression bomb cannot hang
the kernel or exhaust memory.
"""

from __future__ import annotations

import os
import struct
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

#: Default limit on width * height (64 megapixels, e.g. 8000 x 8000).
MAX_PIXELS = 64_000_000
#: File name extensions looked at by :func:`load_image_folder`.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")


class ImageLoadError(ValueError):
    """A file could not be read as an image (corrupt, truncated, empty, not an image)."""


class ImageTooLargeError(ImageLoadError):
    """An image has more pixels than the allowed maximum."""


def _to_rgb(im: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB (see module docstring)."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        if mode == "I" and arr.max(initial=0) > 65535:
            top = float(arr.max())
        arr8 = np.clip(np.rint(arr / top * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(arr8, "L").convert("RGB")
    if mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        arr = np.nan_to_num(arr, nan=0.0)
        scale = 255.0 if arr.max(initial=0) <= 1.0 else 1.0
        return Image.fromarray(np.clip(np.rint(arr * scale), 0, 255).astype(np.uint8), "L").convert("RGB")
    if mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")


def _resize(im: Image.Image, size: int | tuple[int, int] | None) -> Image.Image:
    if size is None:
        return im
    if isinstance(size, int):
        if size <= 0:
            raise ValueError(f"size must be positive, got {size}.")
        scale = size / max(im.size)
        target = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    else:
        h, w = size
        target = (int(w), int(h))
    if target == im.size:
        return im
    return im.resize(target, Image.Resampling.LANCZOS)


_OPEN_LOCK = threading.Lock()


def _header_only_open(path: Path) -> Image.Image:
    """``Image.open`` without Pillow's own size check, which :func:`load_image` replaces.

    Pillow refuses images above ``2 * Image.MAX_IMAGE_PIXELS`` while reading the
    header, with a message that does not give the dimensions; this module checks
    the size itself, against ``max_pixels``, before any pixel is decoded.
    """
    with _OPEN_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            return Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def load_image(
    path: str | os.PathLike[str],
    *,
    size: int | tuple[int, int] | None = None,
    max_pixels: int | None = MAX_PIXELS,
) -> np.ndarray:
    """Load one image file as a uint8 RGB array of shape (H, W, 3).

    Parameters
    ----------
    path:
        The file.
    size:
        ``None`` keeps the size; an int resizes so the longest side has that
        many pixels; ``(height, width)`` resizes to exactly that.
    max_pixels:
        Refuse images with more pixels than this (``None``: no limit).

    Raises
    ------
    ImageLoadError
        The file is missing, empty, truncated, corrupt or not an image.
    ImageTooLargeError
        The image's header declares more than ``max_pixels`` pixels.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ImageLoadError(f"{name}: no such file")
    if path.stat().st_size == 0:
        raise ImageLoadError(f"{name}: the file is empty (0 bytes); re-download or re-export it")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _header_only_open(path) as im:
                width, height = im.size
                if max_pixels is not None and width * height > max_pixels:
                    raise ImageTooLargeError(
                        f"{name}: {width} x {height} = {width * height / 1e6:.0f} megapixels is more than the "
                        f"limit of {max_pixels / 1e6:.0f} megapixels. Downscale the file first, or pass "
                        f"max_pixels={width * height} if you trust it and have the memory."
                    )
                im.load()
                im = ImageOps.exif_transpose(im)
                rgb = _to_rgb(im)
                rgb = _resize(rgb, size)
                return np.asarray(rgb, dtype=np.uint8).copy()
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLargeError(f"{name}: {exc} Downscale the file or raise max_pixels.") from None
    except UnidentifiedImageError:
        raise ImageLoadError(f"{name}: not an image (Pillow cannot identify its format)") from None
    except OSError as exc:
        reason = str(exc)
        if "truncated" in reason.lower():
            raise ImageLoadError(
                f"{name}: truncated file (the download or copy was probably interrupted); copy it again"
            ) from None
        raise ImageLoadError(f"{name}: cannot decode the image: {reason}.") from None
    except (ValueError, SyntaxError, struct.error) as exc:
        raise ImageLoadError(f"{name}: corrupt image data ({type(exc).__name__}: {exc}).") from None


@dataclass
class ImageFolder:
    """The result of :func:`load_image_folder`.

    Attributes
    ----------
    images:
        The loaded images: a list of uint8 (H, W, 3) arrays, or one stacked
        (N, H, W, 3) array when all have the same size (always, if ``size`` was
        a ``(height, width)`` pair).
    paths:
        File paths relative to the folder, in load order (sorted).
    skipped:
        ``(file, reason)`` for every image file that could not be loaded
        (only with ``on_error="skip"``).
    ignored:
        Files that are not images by extension, or hidden (not loaded).
    """

    folder: str
    images: list[np.ndarray] | np.ndarray
    paths: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.paths)

    def summary(self) -> str:
        """One paragraph: how many loaded, skipped (and why), ignored."""
        text = f"Loaded {len(self.paths)} image{'s' if len(self.paths) != 1 else ''} from {self.folder}/"
        if self.skipped:
            reasons = "; ".join(f"{f} ({r})" for f, r in self.skipped)
            text += f"; skipped {len(self.skipped)}: {reasons}"
        if self.ignored:
            text += f"; ignored {len(self.ignored)} non-image or hidden file{'s' if len(self.ignored) != 1 else ''}"
        return text + "."


def _short_reason(error: ImageLoadError, name: str) -> str:
    text = str(error)
    text = text[len(name) + 2 :] if text.startswith(name + ": ") else text
    return text.rstrip(".")


def load_image_folder(
    path: str | os.PathLike[str],
    *,
    size: int | tuple[int, int] | None = None,
    recursive: bool = True,
    on_error: str = "raise",
    max_pixels: int | None = MAX_PIXELS,
    extensions: Iterable[str] = IMAGE_EXTENSIONS,
) -> ImageFolder:
    """Load every image in a folder as uint8 RGB arrays.

    Parameters
    ----------
    path:
        The folder.
    size:
        As in :func:`load_image`.
    recursive:
        Also look in sub-folders.
    on_error:
        ``"raise"`` (default): the first unreadable image file stops the load
        with an :class:`ImageLoadError` naming it. ``"skip"``: unreadable files
        are skipped and listed in :attr:`ImageFolder.skipped` and
        :meth:`ImageFolder.summary`.
    max_pixels:
        As in :func:`load_image`.
    extensions:
        File name extensions treated as images (case-insensitive); other files
        and hidden files are ignored (and counted in the summary).

    Raises
    ------
    FileNotFoundError
        The folder does not exist.
    ImageLoadError
        A bad file with ``on_error="raise"``, or no image could be loaded.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}.")
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"No folder {root.name!r} (looked for {os.fspath(path)!r}).")
    exts = tuple(e.lower() for e in extensions)
    candidates = sorted(root.rglob("*") if recursive else root.iterdir())
    images: list[np.ndarray] = []
    paths: list[str] = []
    skipped: list[tuple[str, str]] = []
    ignored: list[str] = []
    for file in candidates:
        if not file.is_file():
            continue
        rel = file.relative_to(root).as_posix()
        if any(part.startswith(".") for part in file.relative_to(root).parts) or file.suffix.lower() not in exts:
            ignored.append(rel)
            continue
        try:
            images.append(load_image(file, size=size, max_pixels=max_pixels))
        except ImageLoadError as exc:
            if on_error == "raise":
                raise type(exc)(
                    f"{rel}: {_short_reason(exc, file.name)} "
                    "(pass on_error='skip' to skip unreadable files and get a summary)"
                ) from None
            skipped.append((rel, _short_reason(exc, file.name)))
            continue
        paths.append(rel)
    if not paths:
        detail = f" ({len(skipped)} unreadable)" if skipped else ""
        raise ImageLoadError(f"No loadable images in {root.name}/{detail}; looked for {', '.join(exts)}.")
    shapes = {im.shape for im in images}
    stacked: list[np.ndarray] | np.ndarray = np.stack(images) if len(shapes) == 1 else images
    return ImageFolder(root.name, stacked, paths, skipped, ignored)
