"""A user's own image files and folders, loaded robustly as 8-bit arrays.

Taught in notebook 00, section "Bringing your own images" (``load_image_folder``,
``ImageFolder.summary``, ``ImageLoadError``).

Real folders hold surprises: phone photos rotated by EXIF, grayscale scans,
PNGs with transparency, palette GIFs, 16-bit TIFF/PNG scans, CMYK JPEGs from
print workflows, half-downloaded files, web pages or text files saved with an
image extension, and images so large that decoding them would exhaust memory.
Every function here turns an image into 8-bit RGB (or gray) or raises an error
that names the file, says what is wrong with it and what to do.

The rules for conversion (EXIF, gray, transparency over white, 16-bit, float,
palettes, first frames) and safety (allowed formats, a pixel limit checked before
decoding, truncated files are errors) are in :mod:`artgan_utils.data.image_checks`.
"""

from __future__ import annotations

import os
import stat
import struct
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from artgan_utils.data.image_checks import (
    MAX_PIXELS,
    ImageFolderNotFoundError,
    ImageLoadError,
    NoImagesFoundError,
    _check_max_pixels,
    _check_mode,
    _check_size,
    _image_signature,
    _not_an_image,
    _open_header,
    _pillow_bomb,
    _read_head,
    _resize,
    _to_rgb,
    _too_large,
)

__all__ = ["IMAGE_EXTENSIONS", "ImageFolder", "load_image", "load_image_folder"]

#: File name extensions :func:`load_image_folder` treats as images (lower case).
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".avif")


# --------------------------------------------------------------------------- opening


#: What Pillow raises on damaged data (besides UnidentifiedImageError); all become ImageLoadError.
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError, KeyError, struct.error, zlib.error)


def _load(
    path: Path, file: str, size: int | tuple[int, int] | None, mode: str, max_pixels: int | None
) -> np.ndarray:
    """Load one image; arguments already checked. ``file`` is the name used in errors."""
    try:
        st = path.stat()
    except FileNotFoundError:
        hint = "Check the name and the current folder" + (
            " (it is a link whose target is missing)" if path.is_symlink() else f" ({os.getcwd()})"
        )
        raise ImageLoadError(file, "no such file", hint) from None
    except OSError as exc:
        raise ImageLoadError(file, f"cannot access the file ({exc.strerror or exc})", "Check its permissions") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageLoadError(file, "is a folder, not an image file", "Use load_image_folder() for folders")
    if not stat.S_ISREG(st.st_mode):
        raise ImageLoadError(file, "not a regular file (a pipe, socket or device)", "Pass an image file")
    if st.st_size == 0:
        raise ImageLoadError(file, "empty file (0 bytes)", "Re-download or re-export it")

    fmt = src_mode = ""
    try:
        with warnings.catch_warnings():
            if max_pixels is not None:
                warnings.simplefilter("error", Image.DecompressionBombWarning)
            with _open_header(path, replace_pillow_check=max_pixels is not None) as im:
                fmt, src_mode = im.format or "", im.mode
                width, height = im.size
                if max_pixels is not None and width * height > max_pixels:
                    raise _too_large(file, width, height, max_pixels)
                im.load()
                try:
                    oriented = ImageOps.exif_transpose(im)
                except Exception as exc:  # a damaged EXIF block must not cost the whole image
                    warnings.warn(
                        f"{file}: unreadable EXIF orientation ({exc}); the image is left as stored.", stacklevel=3
                    )
                    oriented = im
                out = _to_rgb(oriented)
                if mode == "L":
                    out = out.convert("L")
                out = _resize(out, size)
                arr = np.array(out, dtype=np.uint8)
                return arr[..., None] if mode == "L" else arr
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _pillow_bomb(file, exc) from None
    except UnidentifiedImageError:
        raise _not_an_image(file, _read_head(path)) from None
    except PermissionError as exc:
        raise ImageLoadError(file, f"cannot read the file ({exc.strerror})", "Check its permissions") from None
    except MemoryError:
        raise
    except _DECODE_ERRORS as exc:
        message = str(exc).strip().rstrip(".") or type(exc).__name__
        fmt = fmt or _image_signature(_read_head(path, 16)) or ""
        kind = f"{fmt} " if fmt else ""
        if "truncated" in message.lower():
            raise ImageLoadError(
                file,
                f"truncated {kind}file ({message})",
                "The download or copy was probably interrupted; copy it again",
            ) from None
        if "conversion" in message.lower() and "not supported" in message.lower():
            raise ImageLoadError(
                file,
                f"unsupported colour mode {src_mode!r} ({message})",
                "Convert it to RGB in an image editor",
            ) from None
        raise ImageLoadError(
            file,
            f"corrupt or truncated {kind}image data ({type(exc).__name__}: {message})",
            "Open it in an image viewer to check; re-download or re-export it",
        ) from None


def load_image(
    path: str | os.PathLike[str],
    *,
    size: int | tuple[int, int] | None = None,
    mode: str = "RGB",
    max_pixels: int | None = MAX_PIXELS,
) -> np.ndarray:
    """Load one image file as a uint8 array.

    Parameters
    ----------
    path
        The image file.
    size
        ``None`` keeps the size; an int resizes (Lanczos) so the longest side
        has that many pixels, keeping the aspect ratio; ``(height, width)``
        resizes to exactly that.
    mode
        ``"RGB"`` gives shape (H, W, 3); ``"L"`` gives grayscale of shape
        (H, W, 1). Conversion rules: see :mod:`artgan_utils.data.image_checks`.
    max_pixels
        Refuse images whose header declares more than this many pixels, before
        decoding anything (default :data:`MAX_PIXELS`, 64 megapixels).
        ``None`` removes this limit; Pillow's own decompression-bomb limit
        (``PIL.Image.MAX_IMAGE_PIXELS``, twice that for a hard error) still applies.

    Returns
    -------
    numpy.ndarray
        uint8 array, (H, W, 3) or (H, W, 1), EXIF orientation applied.

    Raises
    ------
    ImageLoadError
        The file is missing, empty, truncated, corrupt or not an image; the
        message names the file, the reason and what to do.
    ImageTooLargeError
        The image has more than ``max_pixels`` pixels (the message gives its
        dimensions and the ``max_pixels=`` value that would accept it).
    ValueError
        ``size``, ``mode`` or ``max_pixels`` is invalid.
    """
    size = _check_size(size)
    mode = _check_mode(mode)
    max_pixels = _check_max_pixels(max_pixels)
    p = Path(path)
    return _load(p, p.name, size, mode, max_pixels)


# --------------------------------------------------------------------------- folders


@dataclass(repr=False)
class ImageFolder:
    """The result of :func:`load_image_folder`.

    Attributes
    ----------
    folder
        The folder's name (no machine path), for messages.
    root
        The folder's absolute path: ``root / paths[i]`` is the file of ``images[i]``.
    images
        A stacked uint8 array (N, H, W, C) when ``size=(height, width)`` was
        given; otherwise a list of (H, W, C) arrays (sizes may differ).
    paths
        Loaded files, relative to the folder, with ``/`` separators, sorted.
    skipped
        ``(file, reason)`` for every image file that could not be loaded
        (only with ``on_error="skip"``).
    ignored
        Hidden files and folders and files without an image extension, which
        were not looked at.
    """

    folder: str
    root: Path
    images: list[np.ndarray] | np.ndarray
    paths: list[str]
    skipped: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.paths)

    def __repr__(self) -> str:
        return (
            f"ImageFolder(folder={self.folder!r}, loaded={len(self.paths)}, "
            f"skipped={len(self.skipped)}, ignored={len(self.ignored)})"
        )

    def summary(self, max_listed: int = 5) -> str:
        """One line: how many images were loaded, which files were skipped and why, how many ignored.

        Parameters
        ----------
        max_listed
            List at most this many skipped files (the rest are counted).
        """
        n = len(self.paths)
        text = f"Loaded {n} image{'' if n == 1 else 's'} from {self.folder}/"
        if self.skipped:
            listed = ", ".join(f"{f} ({r})" for f, r in self.skipped[:max_listed])
            more = len(self.skipped) - max_listed
            text += f"; skipped {len(self.skipped)}: {listed}"
            if more > 0:
                text += f", and {more} more (see .skipped)"
        if self.ignored:
            k = len(self.ignored)
            text += f"; ignored {k} non-image or hidden file{'' if k == 1 else 's'}"
        return text + "."


def _sort_key(rel: str) -> tuple[str, ...]:
    return tuple(rel.split("/"))


def _scan(root: Path, recursive: bool, exts: tuple[str, ...]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(image candidates, ignored, unlistable folders) as paths relative to ``root``."""
    candidates: list[str] = []
    ignored: list[str] = []
    unlistable: list[tuple[str, str]] = []

    def on_walk_error(exc: OSError) -> None:
        rel = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "."
        unlistable.append((f"{rel}/", f"cannot list the folder ({exc.strerror or exc})"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_walk_error, followlinks=False):
        base = Path(dirpath).relative_to(root)
        keep = []
        for d in sorted(dirnames):
            if d.startswith("."):
                ignored.append((base / d).as_posix() + "/")
            else:
                keep.append(d)
        dirnames[:] = keep if recursive else []
        for f in filenames:
            rel = (base / f).as_posix()
            if f.startswith(".") or os.path.splitext(f)[1].lower() not in exts:
                ignored.append(rel)
            else:
                candidates.append(rel)
    return sorted(candidates, key=_sort_key), sorted(ignored, key=_sort_key), unlistable


def load_image_folder(
    path: str | os.PathLike[str],
    *,
    size: int | tuple[int, int] | None = None,
    mode: str = "RGB",
    recursive: bool = True,
    on_error: str = "raise",
    max_pixels: int | None = MAX_PIXELS,
    extensions: Iterable[str] = IMAGE_EXTENSIONS,
) -> ImageFolder:
    """Load every image in a folder as uint8 arrays, in sorted (deterministic) order.

    Parameters
    ----------
    path
        The folder.
    size
        As in :func:`load_image`. With ``(height, width)`` the result's
        ``images`` is one stacked array; otherwise a list.
    mode
        ``"RGB"`` or ``"L"``, as in :func:`load_image`.
    recursive
        Also load images in sub-folders (hidden folders are never entered, and
        links to folders are not followed).
    on_error
        ``"raise"`` (default): the first unreadable image file stops the load
        with an :class:`ImageLoadError` naming it. ``"skip"``: unreadable files
        are skipped and listed in :attr:`ImageFolder.skipped` and
        :meth:`ImageFolder.summary`.
    max_pixels
        As in :func:`load_image`; a file over the limit counts as unreadable.
    extensions
        File name extensions treated as images (case-insensitive, with or
        without the dot). Other files, and hidden files (names starting with
        ``.``), are ignored without being opened, and counted in the summary.

    Returns
    -------
    ImageFolder

    Raises
    ------
    ImageFolderNotFoundError
        The folder does not exist or is a file.
    ImageLoadError
        An unreadable image file, with ``on_error="raise"``.
    NoImagesFoundError
        No image could be loaded (empty folder, no image files, or every one
        unreadable).
    ValueError
        An invalid argument.
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}.")
    size = _check_size(size)
    mode = _check_mode(mode)
    max_pixels = _check_max_pixels(max_pixels)
    if isinstance(extensions, str):
        extensions = (extensions,)
    exts = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
    if not exts:
        raise ValueError("extensions is empty: pass the image extensions to look for, e.g. ('.jpg', '.png').")

    given = os.fspath(path)
    root = Path(path).expanduser()
    if not root.exists():
        where = "" if root.is_absolute() else (
            f" (looked for {root.absolute()}: relative paths start from the current folder, {os.getcwd()})"
        )
        raise ImageFolderNotFoundError(f"No folder {given!r}{where}. Check the name and the location.")
    if not root.is_dir():
        raise ImageFolderNotFoundError(f"{given!r} is a file, not a folder: use load_image() for one file.")
    root = root.resolve()
    name = root.name or given

    candidates, ignored, unlistable = _scan(root, recursive, exts)
    images: list[np.ndarray] = []
    paths: list[str] = []
    skipped: list[tuple[str, str]] = []
    skip_hint = "Pass on_error='skip' to load_image_folder to skip unreadable files and get a summary"
    for rel, reason in unlistable:
        if on_error == "raise":
            raise ImageLoadError(rel, reason, f"Check the folder's permissions. {skip_hint}")
        skipped.append((rel, reason))
    for rel in candidates:
        try:
            images.append(_load(root / rel, rel, size, mode, max_pixels))
        except ImageLoadError as exc:
            if on_error == "raise":
                args = list(exc.__reduce__()[1])
                args[2] = f"{exc.hint}. {skip_hint}" if exc.hint else skip_hint
                raise type(exc)(*args) from None
            skipped.append((rel, exc.reason))
            continue
        paths.append(rel)

    if not paths:
        if skipped:
            detail = f"all {len(skipped)} image files were unreadable ({skipped[0][0]}: {skipped[0][1]}, ...)"
        elif ignored:
            detail = f"none of its {len(ignored)} files has an image extension ({', '.join(exts)})"
        else:
            detail = "it is empty"
        raise NoImagesFoundError(
            f"{name}/",
            f"no loadable images: {detail}",
            "Put image files there" + ("" if recursive else " or pass recursive=True")
            + "; see the extensions= argument for other file types",
        )
    stacked: list[np.ndarray] | np.ndarray = np.stack(images) if isinstance(size, tuple) else images
    return ImageFolder(name, root, stacked, paths, skipped, ignored)
