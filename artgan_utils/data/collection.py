"""The bundled collection: public-domain paintings and openly licensed photos, with provenance.

Taught in notebook 00, section "The bundled art collection" (``load_manifest``,
``verify``, ``summary``, ``catalogue``, ``load_artworks``, ``thumbnail``).

Everything here works offline. The bundled set in ``data/`` (built by
``tools/build_data.py``, described in ``data/README.md``) holds public-domain
paintings (ukiyo-e, Van Gogh, old masters, ...) and openly licensed photos,
each listed in ``data/manifest.csv`` with its title, artist, licence and
sha256.

Typical use::

    from artgan_utils import data
    works = data.catalogue(style="ukiyo-e")            # list[Artwork]
    images = data.load_artworks(works)                   # list of uint8 arrays

Patches and ``tf.data`` streams cut from these images: :mod:`artgan_utils.data.streams`.
A user's own images: :mod:`artgan_utils.data.image_files`.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from artgan_utils.data.image_files import load_image

DATA_ENV_VAR = "ARTGAN_DATA_DIR"
MANIFEST_COLUMNS = ("file", "title", "artist", "year", "style", "kind", "source", "licence", "sha256", "width", "height")


class DataError(RuntimeError):
    """The bundled data is missing, modified or asked for in a way it cannot serve."""


def data_dir() -> Path:
    """Return the folder holding ``manifest.csv``.

    ``ARTGAN_DATA_DIR`` overrides the default, which is ``data/`` beside the
    package in a clone of the repository (``pip install -e .``).
    """
    override = os.environ.get(DATA_ENV_VAR)
    path = Path(override) if override else Path(__file__).resolve().parents[2] / "data"
    if not (path / "manifest.csv").is_file():
        raise DataError(
            f"The bundled data was not found (no manifest.csv in {path}). Install the package from "
            f"a clone of the repository with `pip install -e .`, or set {DATA_ENV_VAR} to the "
            "folder that holds manifest.csv."
        )
    return path


@dataclass(frozen=True)
class Artwork:
    """One bundled image and its provenance (a row of ``data/manifest.csv``)."""

    file: str
    title: str
    artist: str
    year: str
    style: str
    kind: str
    source: str
    licence: str
    sha256: str
    width: int
    height: int

    @property
    def path(self) -> Path:
        """Absolute path of the image file."""
        return data_dir() / self.file

    @property
    def label(self) -> str:
        """``"Title — Artist (year)"`` for figure titles."""
        who = f" — {self.artist}" if self.artist else ""
        when = f" ({self.year})" if self.year else ""
        return f"{self.title}{who}{when}"


@lru_cache(maxsize=4)
def _read_manifest(path: str) -> tuple[Artwork, ...]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = set(MANIFEST_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path} lacks the columns {sorted(missing)}; rebuild it with tools/build_data.py.")
        rows = []
        for row in reader:
            values = {k: row[k] for k in MANIFEST_COLUMNS}
            values["width"] = int(values["width"])
            values["height"] = int(values["height"])
            rows.append(Artwork(**values))
    return tuple(rows)


def load_manifest() -> list[Artwork]:
    """Return every bundled image's record, in manifest order."""
    return list(_read_manifest(str(data_dir() / "manifest.csv")))


def _choices(values: Iterable[str]) -> str:
    return ", ".join(sorted(set(values)))


def catalogue(
    style: str | Sequence[str] | None = None,
    artist: str | None = None,
    kind: str | None = None,
) -> list[Artwork]:
    """Select bundled images by style group, artist (substring, case-insensitive) and kind.

    Raises
    ------
    DataError
        For a style or kind that does not exist (the message lists the valid
        ones), or when the selection is empty.
    """
    works = load_manifest()
    if style is not None:
        wanted = {style} if isinstance(style, str) else set(style)
        unknown = wanted - {w.style for w in works}
        if unknown:
            raise DataError(f"Unknown style {sorted(unknown)}. Styles: {_choices(w.style for w in works)}.")
        works = [w for w in works if w.style in wanted]
    if kind is not None:
        if kind not in {w.kind for w in load_manifest()}:
            raise DataError(f"Unknown kind {kind!r}. Kinds: {_choices(w.kind for w in load_manifest())}.")
        works = [w for w in works if w.kind == kind]
    if artist is not None:
        works = [w for w in works if artist.lower() in w.artist.lower()]
        if not works:
            raise DataError(
                f"No bundled image by an artist matching {artist!r} in this selection. "
                f"Artists: {_choices(w.artist for w in load_manifest() if w.artist)}."
            )
    if not works:
        raise DataError("The selection is empty; loosen the style/kind/artist filters.")
    return works


def summary() -> dict[tuple[str, str], int]:
    """Count bundled images by (kind, style)."""
    return dict(sorted(Counter((w.kind, w.style) for w in load_manifest()).items()))


def verify(works: Iterable[Artwork] | None = None) -> None:
    """Check every file's sha256 against the manifest.

    Raises
    ------
    DataError
        Naming each missing or modified file and how to restore it.
    """
    problems = []
    for w in works if works is not None else load_manifest():
        try:
            digest = hashlib.sha256(w.path.read_bytes()).hexdigest()
        except FileNotFoundError:
            problems.append(f"{w.file}: missing")
            continue
        if digest != w.sha256:
            problems.append(f"{w.file}: sha256 {digest[:12]}… differs from the manifest's {w.sha256[:12]}…")
    if problems:
        raise DataError(
            "The bundled data differs from data/manifest.csv:\n  "
            + "\n  ".join(problems)
            + "\nRestore it with `git checkout -- data/` or rebuild it with `python tools/build_data.py`."
        )


def load_artworks(works: Iterable[Artwork] | None = None, size: int | None = None) -> list[np.ndarray]:
    """Load bundled images as uint8 RGB arrays (H, W, 3).

    Parameters
    ----------
    works:
        Records from :func:`catalogue` (default: everything).
    size:
        If given, resize so the longest side is ``size`` pixels.
    """
    return [load_image(w.path, size=size) for w in (works if works is not None else load_manifest())]


def thumbnail(image: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop to a square and resize to ``size`` x ``size`` (uint8 RGB)."""
    from PIL import Image

    h, w = image.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    crop = Image.fromarray(image[top : top + s, left : left + s])
    return np.asarray(crop.resize((size, size), Image.Resampling.LANCZOS))
