"""How the image loader judges and converts a file: errors, limits, format sniffing, 8-bit conversion.

The building blocks of :mod:`artgan_utils.data.image_files` (which notebook 00,
"Bringing your own images", teaches): the error classes it raises, the checks
of its arguments, what a file that is not an image actually is, the pixel
limit, and the conversion of every Pillow mode to 8-bit RGB. Its rules:

Conversions (documented behaviour, tested):

* EXIF orientation is applied (``ImageOps.exif_transpose``), so a portrait
  phone photo comes out portrait.
* Grayscale (``L``) and 1-bit (``1``) images are repeated to three channels.
* Transparency (``RGBA``, ``LA``, ``PA``, and ``P``/``L``/``RGB`` with a
  transparent colour) is composited **over white**: a transparent background
  becomes white, half-transparent black becomes mid-gray.
* 16-bit images (``I;16``, ``I;16B``, ...) are scaled from their full range to
  8 bits (65535 -> 255, 257 -> 1), not clipped. Mode ``I`` (32-bit integers,
  which is how Pillow reads 16-bit PGM/PPM and some TIFFs) is scaled the same
  way when its values lie in 0..65535; otherwise (negative values, or more than
  16 bits) there is no standard white level and the values are stretched
  linearly from their minimum (black) to their maximum (white).
* Float images (``F``) are taken as [0, 1] if their largest finite value is at
  most 1, else as [0, 255]; values outside are clipped, NaN becomes 0.
* Palette (``P``), ``CMYK`` and ``YCbCr`` images are converted by Pillow.
  Embedded ICC colour profiles are not applied.
* Multi-frame files (animated GIF/WebP, multi-page TIFF) give their first frame.

Safety:

* Only the raster formats in :data:`IMAGE_FORMATS` are opened (Pillow is never
  asked to run, e.g., Ghostscript on an EPS file that carries a ``.png`` name).
* Images with more than ``max_pixels`` pixels (default :data:`MAX_PIXELS`) are
  refused from their header, before any pixel is decoded
  (:class:`ImageTooLargeError`), so a decompression bomb can neither hang the
  kernel nor exhaust memory. Pillow's own decompression-bomb error and warning
  are reported the same way.
* ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES`` is never changed: a truncated file is
  an error, not an image with a gray bottom half.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = [
    "IMAGE_FORMATS",
    "MAX_PIXELS",
    "ImageFolderNotFoundError",
    "ImageLoadError",
    "ImageTooLargeError",
    "NoImagesFoundError",
]

#: Default limit on width * height: 64 megapixels (e.g. 8000 x 8000), about
#: 200 MB as 8-bit RGB. Pass ``max_pixels=`` to raise it for one call.
MAX_PIXELS = 64_000_000
#: The Pillow formats that are opened at all, whatever a file's extension
#: (those this Pillow build has; AVIF needs Pillow >= 11.3). JPEG includes
#: multi-picture phone JPEGs (MPO); PPM includes PGM and PBM.
IMAGE_FORMATS = ("JPEG", "PNG", "GIF", "BMP", "DIB", "TIFF", "WEBP", "PPM", "AVIF")
_MODES = ("RGB", "L")


# --------------------------------------------------------------------------- errors


class ImageLoadError(ValueError):
    """A file could not be read as an image (missing, empty, truncated, corrupt, not an image).

    The message reads ``"<file>: <reason>. <what to do>"``; the parts are also
    available as the attributes ``file``, ``reason`` and ``hint``.
    """

    def __init__(self, file: str, reason: str = "", hint: str = "") -> None:
        self.file = file
        self.reason = reason
        self.hint = hint
        # ImageLoadError("some message") also works: the message is then just that text
        message = f"{file}: {reason}." if reason else file
        super().__init__(message + (f" {hint}" if hint else ""))

    def __reduce__(self):  # keep the exception picklable (multiprocessing, joblib)
        return type(self), (self.file, self.reason, self.hint)


class ImageTooLargeError(ImageLoadError):
    """An image has more pixels than allowed; ``width``, ``height`` and ``max_pixels`` say by how much.

    ``width``/``height`` are ``None`` when only Pillow's own check knew the size.
    """

    def __init__(
        self,
        file: str,
        reason: str = "",
        hint: str = "",
        width: int | None = None,
        height: int | None = None,
        max_pixels: int | None = None,
    ) -> None:
        self.width = width
        self.height = height
        self.max_pixels = max_pixels
        super().__init__(file, reason, hint)

    def __reduce__(self):
        return type(self), (self.file, self.reason, self.hint, self.width, self.height, self.max_pixels)


class NoImagesFoundError(ImageLoadError):
    """A folder holds no loadable image (empty, only non-image files, or every image unreadable)."""


class ImageFolderNotFoundError(FileNotFoundError):
    """The folder given to :func:`~artgan_utils.data.image_files.load_image_folder` does not exist or is not a folder."""


# --------------------------------------------------------------------------- argument checks


def _check_size(size: int | tuple[int, int] | None) -> int | tuple[int, int] | None:
    if size is None:
        return None
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        if size <= 0:
            raise ValueError(f"size must be a positive number of pixels, got {size}.")
        return int(size)
    if (
        isinstance(size, (tuple, list))
        and len(size) == 2
        and all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in size)
    ):
        return int(size[0]), int(size[1])
    raise ValueError(
        f"size must be None, a positive int (the longest side) or a (height, width) pair of positive ints, "
        f"got {size!r}."
    )


def _check_max_pixels(max_pixels: int | None) -> int | None:
    if max_pixels is None:
        return None
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, (int, np.integer)) or max_pixels <= 0:
        raise ValueError(f"max_pixels must be a positive int or None (no limit of ours), got {max_pixels!r}.")
    return int(max_pixels)


def _check_mode(mode: str) -> str:
    if mode not in _MODES:
        raise ValueError(f"mode must be 'RGB' (H x W x 3) or 'L' (grayscale, H x W x 1), got {mode!r}.")
    return mode


# --------------------------------------------------------------------------- formats and the pixel limit


_OPEN_LOCK = threading.Lock()


@functools.cache
def _pillow_formats() -> tuple[str, ...]:
    """The formats of :data:`IMAGE_FORMATS` that this Pillow can open."""
    Image.init()
    return tuple(f for f in IMAGE_FORMATS if f in Image.OPEN)


def _open_header(path: Path, replace_pillow_check: bool) -> Image.Image:
    """``Image.open`` (reads the header only), limited to :data:`IMAGE_FORMATS`.

    With ``replace_pillow_check``, Pillow's own size check is switched off for
    the duration of the header read, because the loader checks the size
    itself against ``max_pixels`` and can then name the dimensions (Pillow's
    error does not). The switch is made under a lock and undone at once; no
    pixel data is decoded while it is off.
    """
    if not replace_pillow_check:
        return Image.open(path, formats=_pillow_formats())
    with _OPEN_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            return Image.open(path, formats=_pillow_formats())
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _megapixels(n: float) -> str:
    mp = n / 1e6
    return f"{mp:.0f}" if mp >= 10 or mp == int(mp) else f"{mp:.1f}"


def _too_large(file: str, width: int, height: int, max_pixels: int) -> ImageTooLargeError:
    pixels = width * height
    gigabytes = pixels * 3 / 1e9
    return ImageTooLargeError(
        file,
        f"{width} x {height} pixels ({_megapixels(pixels)} megapixels) is more than the limit of "
        f"{_megapixels(max_pixels)} megapixels",
        f"Downscale the file first, or pass max_pixels={pixels} if you trust it and have the memory "
        f"(about {gigabytes:.1f} GB to decode as RGB)",
        width,
        height,
        max_pixels,
    )


def _pillow_bomb(file: str, exc: Exception) -> ImageTooLargeError:
    return ImageTooLargeError(
        file,
        f"refused by Pillow's decompression-bomb check ({exc})",
        "Downscale the file first; if you trust it, raise the limit with max_pixels=<pixels> (this module's "
        "check then replaces Pillow's), or set PIL.Image.MAX_IMAGE_PIXELS",
        None,
        None,
        Image.MAX_IMAGE_PIXELS,
    )


# --------------------------------------------------------------------------- diagnosis of bad files


_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_OTHER_KINDS = (
    (b"%PDF", "a PDF document"),
    (b"%!PS", "a PostScript/EPS file"),
    (b"8BPS", "a Photoshop (PSD) file"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)


def _image_signature(head: bytes) -> str | None:
    """The image format announced by a file's first bytes, if any."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"):
            return "HEIC"
    for magic, fmt in _SIGNATURES:
        if head.startswith(magic):
            return fmt
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    text = head.decode("utf-8", errors="replace")
    bad = sum(1 for ch in text if ch == "\ufffd" or (not ch.isprintable() and ch not in "\r\n\t\f\v"))
    return bad <= max(1, len(text) // 50)


def _not_an_image(file: str, head: bytes) -> ImageLoadError:
    """Say what a file that Pillow cannot identify actually is."""
    convert = "Open it in an image editor and export it as PNG or JPEG"
    low = head.lstrip().lower()
    if low.startswith(b"version https://git-lfs"):
        return ImageLoadError(file, "not an image: a Git LFS pointer file", "Run `git lfs pull` to fetch the real file")
    if low.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in low[:512]:
        return ImageLoadError(
            file,
            "not an image: an HTML web page saved under an image name",
            "This is usually a failed download (an error or login page); download the image again",
        )
    if low.startswith((b"<svg", b"<?xml")) and b"<svg" in low:
        return ImageLoadError(file, "not a raster image: an SVG drawing", convert)
    fmt = _image_signature(head)
    if fmt == "HEIC":
        return ImageLoadError(
            file, "a HEIC/HEIF photo, a format Pillow cannot read", convert + " (or set the phone to save JPEG)"
        )
    if fmt is not None and fmt in IMAGE_FORMATS:
        return ImageLoadError(
            file,
            f"damaged {fmt} file: it starts like {fmt} but its header cannot be read (truncated or corrupt)",
            "Copy or download it again",
        )
    for magic, kind in _OTHER_KINDS:
        if head.startswith(magic):
            return ImageLoadError(file, f"not an image this loader reads: {kind}", convert)
    if _looks_like_text(head):
        return ImageLoadError(file, "not an image: a text file", "Remove it from the image folder or fix its name")
    return ImageLoadError(
        file,
        "not an image: Pillow does not recognise the format",
        f"Supported formats: {', '.join(_pillow_formats())}. {convert}",
    )


def _read_head(path: Path, n: int = 1024) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError:
        return b""


# --------------------------------------------------------------------------- conversion


def _scale_16bit(arr: np.ndarray) -> np.ndarray:
    """0..65535 -> 0..255, rounded (65535 -> 255, 32768 -> 128, 257 -> 1)."""
    return ((arr.astype(np.int64) * 255 + 32767) // 65535).astype(np.uint8)


def _to_rgb(im: Image.Image) -> Image.Image:
    """Convert any supported Pillow mode to 8-bit RGB (rules in the module docstring)."""
    mode = im.mode
    if mode == "RGB" and "transparency" not in im.info:
        return im
    if mode.startswith("I;16"):
        return Image.fromarray(_scale_16bit(np.asarray(im)), "L").convert("RGB")
    if mode == "I":
        arr = np.asarray(im, dtype=np.int64)
        lo, hi = (int(arr.min()), int(arr.max())) if arr.size else (0, 0)
        if lo >= 0 and hi <= 65535:
            gray = _scale_16bit(arr)
        elif hi > lo:
            gray = ((arr - lo) * 255 // (hi - lo)).astype(np.uint8)
        else:
            gray = np.zeros(arr.shape, np.uint8)
        return Image.fromarray(gray, "L").convert("RGB")
    if mode == "F":
        arr = np.asarray(im, dtype=np.float64)
        finite = arr[np.isfinite(arr)]
        top = float(finite.max()) if finite.size else 0.0
        scaled = np.nan_to_num(arr, nan=0.0, posinf=255.0, neginf=0.0) * (255.0 if top <= 1.0 else 1.0)
        return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), "L").convert("RGB")
    if mode in ("P", "L", "RGB") and "transparency" in im.info:
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
        scale = size / max(im.size)
        target = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
    else:
        h, w = size
        target = (w, h)
    if target == im.size:
        return im
    return im.resize(target, Image.Resampling.LANCZOS)
