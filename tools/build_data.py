"""Build the bundled art collection in ``data/`` from Debian's ``gcompris-qt-data`` package.

GCompris, the educational software suite, ships public-domain paintings (as
jigsaw puzzles), Van Gogh paintings and openly licensed photos inside Qt
resource bundles (``.rcc``). This script

1. fetches the pinned ``.deb`` with ``apt-get download`` (or takes ``--deb``)
   and verifies its sha256;
2. reads ``usr/share/gcompris-qt/rcc/*.rcc`` with a small Qt rcc parser;
3. restores each puzzle painting by compositing its pieces at the centres the
   board files give, and takes the ``*_background.webp`` images of ``details``
   and the photos whose README states an author, a source and a
   redistributable licence; titles come from the bundles' own board files;
4. writes RGB JPEGs (sRGB, longest side 384 px) under ``data/images/<style>/``,
   a manifest (``data/manifest.csv``) and the data card (``data/README.md``).

Usage::

    python tools/build_data.py                # build into data/
    python tools/build_data.py --check        # rebuild in a temp dir, compare with data/

It needs NumPy and Pillow; the manifest's column list is read from the
project's ``artgan_utils.data`` (found beside this script, no install needed).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import difflib
import hashlib
import io
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a clone: the package is beside tools/
    sys.path.insert(0, str(ROOT))

from artgan_utils.data import MANIFEST_COLUMNS  # noqa: E402  (one definition of the manifest's columns)

DEB_NAME = "gcompris-qt-data"
DEB_VERSION = "3.1-2"
DEB_SHA256 = "e9cf06ab2105529068df73085784e835d2ff03f870d2a8091f09125d40abac9f"
RCC_DIR = "usr/share/gcompris-qt/rcc"
MAX_SIDE = 384
JPEG_QUALITY = 90
ACTIVITIES = "gcompris/src/activities"


class BuildError(RuntimeError):
    """The build cannot go on; the message says why and what to do."""


# --------------------------------------------------------------------------- Qt rcc


def parse_rcc(blob: bytes) -> dict[str, bytes]:
    """Parse a Qt resource bundle (rcc format versions 1-3) into ``{path: payload}``.

    Layout (all integers big-endian): magic ``qres``, int32 format version,
    tree offset, data offset and names offset (version 3 adds an int32 of
    overall flags). Tree entries are 14 bytes (version 1) or 22 bytes
    (versions 2-3, which append an int64 last-modified time): int32 name
    offset, uint16 flags, then for a directory (flag 2) int32 child count and
    int32 index of the first child, for a file int16 country, int16 language
    and int32 data offset. Entry 0 is the unnamed root. Names are a uint16
    length, a uint32 hash and UTF-16BE characters. A payload is a uint32 size
    and the bytes; with flag 1 they are a uint32 uncompressed length and zlib
    data; flag 4 (zstd, newer Qt) is not supported.

    Raises
    ------
    BuildError
        For a bad magic, an unknown version, a truncated or inconsistent file
        or a zstd-compressed entry.
    """
    if len(blob) < 20 or blob[:4] != b"qres":
        raise BuildError("Not a Qt resource bundle: the file does not start with the magic 'qres'.")

    def unpack(fmt: str, offset: int, what: str) -> tuple:
        size = struct.calcsize(fmt)
        if offset < 0 or offset + size > len(blob):
            raise BuildError(f"Truncated or corrupt rcc file: {what} at byte {offset} lies outside its {len(blob)} bytes.")
        return struct.unpack_from(fmt, blob, offset)

    version, tree, data, names = unpack(">iiii", 4, "the header")
    if version not in (1, 2, 3):
        raise BuildError(f"Unsupported rcc format version {version} (1-3 are supported).")
    entry_size = 14 if version == 1 else 22

    def name_at(offset: int) -> str:
        (length,) = unpack(">H", names + offset, "a name")
        start = names + offset + 6
        if start + 2 * length > len(blob):
            raise BuildError(f"Truncated or corrupt rcc file: a name at byte {start} runs past the end.")
        return blob[start : start + 2 * length].decode("utf-16-be")

    files: dict[str, bytes] = {}

    def walk(index: int, prefix: str, depth: int) -> None:
        if depth > 64:
            raise BuildError("rcc tree is too deep (corrupt file?).")
        base = tree + index * entry_size
        name_offset, flags = unpack(">iH", base, f"tree entry {index}")
        name = name_at(name_offset) if index else ""
        path = f"{prefix}/{name}" if prefix else name
        if flags & 2:
            count, first = unpack(">ii", base + 6, f"directory entry {path!r}")
            for child in range(first, first + count):
                walk(child, path, depth + 1)
            return
        if flags & 4:
            raise BuildError(f"{path}: zstd-compressed rcc entries (flag 4) are not supported; "
                             "only uncompressed and zlib-compressed entries are.")
        (offset,) = unpack(">i", base + 10, f"file entry {path!r}")
        (size,) = unpack(">I", data + offset, f"the payload of {path!r}")
        start = data + offset + 4
        if start + size > len(blob):
            raise BuildError(f"Truncated or corrupt rcc file: the payload of {path!r} runs past the end.")
        payload = blob[start : start + size]
        if flags & 1:
            (expected,) = unpack(">I", start, f"the uncompressed length of {path!r}")
            try:
                payload = zlib.decompress(payload[4:])
            except zlib.error as exc:
                raise BuildError(f"{path}: corrupt zlib data in the rcc file ({exc}).") from None
            if len(payload) != expected:
                raise BuildError(f"{path}: inflated to {len(payload)} bytes, the rcc file says {expected}.")
        files[path] = payload

    walk(0, "", 0)
    return files


# --------------------------------------------------------------------------- .deb


def fetch_deb(cache: Path) -> Path:
    """Download the pinned .deb into ``cache`` with ``apt-get download`` (unless already there)."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{DEB_NAME}_{DEB_VERSION}_all.deb"
    if not path.exists():
        try:
            subprocess.run(["apt-get", "download", f"{DEB_NAME}={DEB_VERSION}"], cwd=cache, check=True,
                           capture_output=True, text=True)
        except FileNotFoundError:
            raise BuildError("apt-get is not available: download "
                             f"{DEB_NAME}_{DEB_VERSION}_all.deb from a Debian mirror and pass --deb PATH.") from None
        except subprocess.CalledProcessError as exc:
            raise BuildError(f"apt-get download {DEB_NAME}={DEB_VERSION} failed:\n{exc.stderr.strip()}\n"
                             "Run `apt-get update` first (apt needs its package lists) and check that a Debian "
                             "mirror is reachable, or pass --deb PATH to a downloaded copy.") from None
        if not path.exists():
            raise BuildError(f"apt-get download finished but {path.name} is not in {cache}; pass --deb PATH.")
    return path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_deb(path: Path) -> None:
    """Check the .deb's sha256 against the pinned value (``DEB_SHA256``)."""
    if not path.is_file():
        raise BuildError(f"{path} does not exist.")
    digest = sha256_file(path)
    if digest != DEB_SHA256:
        raise BuildError(f"{path.name}: sha256 {digest} is not the pinned {DEB_SHA256} ({DEB_NAME} {DEB_VERSION}). "
                         "Delete the file and run again, or update DEB_VERSION/DEB_SHA256 deliberately.")


def read_ar(blob: bytes) -> dict[str, bytes]:
    """Split a Unix ar archive (the .deb container) into ``{member name: bytes}``."""
    if blob[:8] != b"!<arch>\n":
        raise BuildError("Not a Debian package (no ar archive header).")
    pos, members = 8, {}
    while pos + 60 <= len(blob):
        header = blob[pos : pos + 60]
        if header[58:60] != b"`\n":
            raise BuildError(f"Corrupt ar member header at byte {pos}.")
        name = header[:16].decode("ascii").strip().rstrip("/")
        size = int(header[48:58].decode("ascii").strip())
        members[name] = blob[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size % 2)
    return members


@contextlib.contextmanager
def data_tar(deb: Path, members: dict[str, bytes]) -> Iterator[tarfile.TarFile]:
    """Open the package's ``data.tar.*`` as a stream (xz, gzip, bzip2 or none via tarfile; zstd via ``dpkg-deb``)."""
    name = next((n for n in members if n.startswith("data.tar")), None)
    if name is None:
        raise BuildError(f"{deb.name}: no data.tar member inside.")
    if not name.endswith(".zst"):
        try:
            with tarfile.open(fileobj=io.BytesIO(members[name]), mode="r|*") as tar:
                yield tar
        except (tarfile.TarError, EOFError, OSError) as exc:  # lzma/gzip errors are OSError or EOFError
            raise BuildError(f"{deb.name}: cannot read {name} ({exc}).") from None
        return
    # Python 3.11's tarfile cannot read zstd: let dpkg-deb (Debian, Ubuntu) decompress it.
    try:
        proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise BuildError(f"{deb.name}: its {name} is zstd-compressed, which Python's tarfile cannot read, and "
                         "dpkg-deb is not installed; run this on Debian or Ubuntu.") from None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            yield tar
    except tarfile.TarError as exc:
        raise BuildError(f"{deb.name}: cannot read the output of `dpkg-deb --fsys-tarfile` ({exc}).") from None
    finally:
        proc.stdout.close()
        stderr = proc.stderr.read().decode(errors="replace").strip()
        proc.stderr.close()
        if proc.wait() not in (0, -13) and stderr:  # -13: SIGPIPE when we stop reading early
            print(f"dpkg-deb: {stderr}", file=sys.stderr)


def read_bundles(deb: Path, names: list[str]) -> dict[str, dict[str, bytes]]:
    """Extract and parse the named rcc bundles (``usr/share/gcompris-qt/rcc/<name>.rcc``) from the .deb.

    The data archive is read once, as a stream, keeping only the wanted files.
    """
    members = read_ar(deb.read_bytes())
    wanted = {f"{RCC_DIR}/{n}.rcc": n for n in names}
    out: dict[str, dict[str, bytes]] = {}
    with data_tar(deb, members) as tar:
        for member in tar:
            name = wanted.get(member.name.removeprefix("./"))
            if name is not None and member.isfile():
                out[name] = parse_rcc(tar.extractfile(member).read())
                if len(out) == len(wanted):
                    break
    missing = [f"{RCC_DIR}/{n}.rcc" for n in names if n not in out]
    if missing:
        raise BuildError(f"{deb.name}: {', '.join(missing)} not inside.")
    return out


# --------------------------------------------------------------------------- metadata


@dataclass
class Item:
    """One output image (already in sRGB and at its output size) and its metadata, before it is written."""

    image: Image.Image
    title: str
    artist: str
    year: str
    style: str
    kind: str
    source: str
    licence: str


ARTIST_FIXES = {
    "Katsushika Hokusa": "Katsushika Hokusai",
    "Pieter Brugel": "Pieter Bruegel the Elder",
    "Bazille": "Frédéric Bazille",
    "Vincent Van Gogh": "Vincent van Gogh",
}
YEAR_FIXES = {
    # The source gives 1760-70, before Hiroshige (1797-1858) was born.
    "The Benzaiten Shrine at Inokashira in Snow": "",
}
TITLE_FIXES = {
    # The puzzle shows only the landscape (the fortress of Gradara) behind the central panel's figures.
    "La Pala di Pesaro": "La Pala di Pesaro (detail: landscape)",
}
SHORT_NAMES = {"Pieter Bruegel the Elder": "bruegel", "Leonardo da Vinci": "leonardo", "Vincent van Gogh": "van-gogh"}
PUZZLE_STYLE = {
    "Katsushika Hokusai": "ukiyo-e",
    "Utagawa Hiroshige": "ukiyo-e",
    "Vincent van Gogh": "van-gogh",
    "Pierre-Auguste Renoir": "impressionism",
    "Frédéric Bazille": "impressionism",
    "Mary Cassatt": "impressionism",
    "Wassily Kandinsky": "modern",
}
PAINTINGS_README_MUST_SAY = ("License: GPLv3 or later", "WebMuseum",
                             "As per the WebMuseum license, the paintings are released under the GPLv3 or later.")
WEBMUSEUM_URL = "http://www.ibiblio.org/wm/about/license.html"
PAINTINGS_LICENCE = ("GPL-3.0-or-later (digitisation (c) 1994-2006 Nicolas Pioch, 2008 Bruno Coudoin, "
                     "from the WebMuseum); the work itself is in the public domain")
# details.rcc photos: a short title (the boards' captions are descriptive sentences) and the style group.
DETAILS_PHOTOS = {
    "Chenonceau": ("Château de Chenonceau", "photo-monument"),
    "EgeskovSlotSpejling": ("Egeskov Castle reflected", "photo-monument"),
    "EilanDonanCastle": ("Eilean Donan Castle", "photo-landscape"),
    "FanoeWindmill": ("Windmill on Fanø", "photo-landscape"),
    "GizahPyramids": ("Pyramids of Giza", "photo-landscape"),
    "Louvre_2007_02_24_c": ("The Louvre at dusk", "photo-monument"),
    "NDP": ("Notre-Dame de Paris", "photo-monument"),
    "Nagoya": ("Nagoya Castle", "photo-monument"),
    "Neuschwanstein": ("Neuschwanstein Castle", "photo-landscape"),
    "OperaSidney": ("Sydney Opera House", "photo-monument"),
    "TajMahal": ("Taj Mahal", "photo-monument"),
    "TourEiffel": ("Eiffel Tower", "photo-monument"),
    "TowerBridgeLondon": ("Tower Bridge, London", "photo-monument"),
}
PHOTO_BUNDLES = {
    "explore_monuments": ("explore_monuments/resource", "photo-monument"),
    "explore_world_animals": ("explore_world_animals/resource/animals", "photo-animal"),
    "explore_farm_animals": ("explore_farm_animals/resource/animals", "photo-animal"),
    "erase": ("erase/resource", "photo-animal"),
}
REDISTRIBUTABLE = re.compile(r"^(public domain|cc0|cc-by(-sa)?[- ][0-9.]+|gplv?3)", re.I)
YEAR = r"\d{4}(?:\s*[-–]\s*\d{1,4})?"


def parse_title_line(line: str) -> tuple[str, str, str]:
    """Split a board's title line ``"Artist, Title - Year"`` into (artist, title, year).

    The year is optional and may follow the title without the dash
    (``"Portrait of Pere Tanguy 1887-8"``); a trailing full stop is dropped;
    known slips in the source are corrected (``ARTIST_FIXES``, ``YEAR_FIXES``,
    ``TITLE_FIXES``).
    """
    line = line.strip().rstrip(".").strip()
    if ", " not in line:
        raise BuildError(f"Cannot parse the title line {line!r} (expected 'Artist, Title - Year').")
    artist, rest = (part.strip() for part in line.split(", ", 1))
    match = re.match(rf"^(.*?)(?:\s+-\s+|\s+)({YEAR})$", rest)
    title, year = (match.group(1).strip(), match.group(2).strip()) if match else (rest, "")
    artist = ARTIST_FIXES.get(artist, artist)
    year = YEAR_FIXES.get(title, year)
    title = TITLE_FIXES.get(title, title)
    return artist, title, year


def parse_board(qml: str) -> tuple[str, int, int, list[tuple[str, float, float]]]:
    """Read a puzzle board file: (title line, board width, board height, [(piece, cx, cy)])."""
    title = re.search(r'instruction:\s*qsTr\("(.*)"\)', qml)
    size = re.search(r'"width"\s*:\s*(\d+),\s*"height"\s*:\s*(\d+)', qml)
    pieces = re.findall(r'"pixmapfile"\s*:\s*"([^"]+\.webp)",\s*"x"\s*:\s*"([\d.]+)",\s*"y"\s*:\s*"([\d.]+)"', qml)
    if not (title and size and pieces):
        raise BuildError("Board file lacks a title, a board size or pieces.")
    return title.group(1), int(size.group(1)), int(size.group(2)), [(p, float(x), float(y)) for p, x, y in pieces]


def parse_details_board(qml: str) -> tuple[str, str]:
    """Read a ``details`` board file: (title line, path of its ``*_background.webp``)."""
    title = re.search(r'instruction:\s*qsTr\("(.*)"\)', qml)
    background = re.search(r'"pixmapfile"\s*:\s*"([^"]+_background\.webp)"', qml)
    if not (title and background):
        raise BuildError("details board file lacks a title or a background image.")
    return title.group(1), background.group(1)


def parse_gallery_titles(qml: str) -> dict[str, str]:
    """Map image basenames to titles in an ``explore_*`` board (objects with ``title`` and ``image2``)."""
    out = {}
    for block in re.findall(r"\{[^{}]*\}", qml):
        title = re.search(r'"title"\s*:\s*qsTr\("([^"]*)"\)', block)
        image = re.search(r'"image2"\s*:\s*"([^"]+\.webp)"', block)
        if title and image:
            out[image.group(1).rsplit("/", 1)[-1]] = title.group(1).strip()
    return out


def parse_attributions(text: str) -> dict[str, dict[str, str]]:
    """Parse a GCompris (Debian-copyright-like) README into ``{file basename: fields}``.

    Blocks are separated by blank lines; ``Key: value`` lines set fields
    (``copyright``, ``license``, ``source``, ``comment``); ``Files:`` lists
    files inline or on the following lines; other non-empty lines are files,
    except indented continuation lines of a comment.
    """
    out: dict[str, dict[str, str]] = {}
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        files: list[str] = []
        for raw in block.split("\n"):
            line = raw.strip()
            if not line:
                continue
            match = re.match(r"^(Copyright|License|Licence|Source|Comments?|Files)\s*:\s*(.*)$", line, re.I)
            if match:
                key = match.group(1).lower().rstrip("s") if match.group(1).lower() != "files" else "files"
                key = "license" if key == "licence" else key
                if key == "files":
                    files += match.group(2).split()
                elif key == "copyright" and "copyright" in fields and match.group(2):
                    fields[key] += "; " + match.group(2).strip()
                else:
                    fields.setdefault(key, match.group(2).strip())
            elif raw.startswith((" ", "\t")) and "comment" in fields and not line.endswith((".webp", ".svg", ".png", ".jpg")):
                fields["comment"] += " " + line
            else:
                files += line.split()
        for f in files:
            out[Path(f).name] = fields
    return out


def title_from_name(name: str) -> str:
    """A readable title from a file name: ``chateaudeChambord.webp`` -> ``Chateau de Chambord``."""
    stem = re.sub(r"([a-z])(de|des|du|of)(?=[A-Z])", r"\1 \2", Path(name).stem)
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", stem).replace("_", " ")
    return words[:1].upper() + words[1:]


def slugify(text: str) -> str:
    """ASCII slug for file names."""
    text = text.translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug if len(slug) <= 60 else slug[:61].rsplit("-", 1)[0]  # at most 60 characters, whole words


# --------------------------------------------------------------------------- images


def compose_puzzle(pieces: list[tuple[Image.Image, float, float]], width: int, height: int) -> Image.Image:
    """Composite jigsaw pieces at their centres (fractions of the board) and crop to the painting.

    Each piece is pasted with its alpha so that its centre lands at
    ``(cx * width, cy * height)``. The seams between pieces leave a few partly
    transparent pixels (well under 1 %); they are filled from their neighbours
    (normalised convolution) so the result has no holes.
    """
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    for piece, fx, fy in pieces:
        piece = piece.convert("RGBA")
        canvas.alpha_composite(piece, (int(round(fx * width - piece.width / 2)), int(round(fy * height - piece.height / 2))))
    rgba = np.asarray(canvas).astype(np.float64) / 255.0
    alpha = rgba[..., 3]
    ys, xs = np.nonzero(alpha > 0)
    if ys.size == 0:
        raise BuildError("Puzzle pieces cover nothing.")
    rgba = rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    alpha = rgba[..., 3:4]
    premult = rgba[..., :3] * alpha

    def smooth(a: np.ndarray, radius: int = 2) -> np.ndarray:
        # Box blur (twice, ~Gaussian) with edge padding, in float64 for exact repeatability.
        for _ in range(2):
            for axis in (0, 1):
                pad = [(0, 0)] * a.ndim
                pad[axis] = (radius + 1, radius)
                c = np.cumsum(np.pad(a, pad, mode="edge"), axis=axis)
                hi = np.take(c, range(2 * radius + 1, c.shape[axis]), axis=axis)
                lo = np.take(c, range(0, c.shape[axis] - 2 * radius - 1), axis=axis)
                a = (hi - lo) / (2 * radius + 1)
        return a

    fill = smooth(premult) / np.maximum(smooth(alpha), 1e-6)
    rgb = premult + (1.0 - alpha) * np.clip(fill, 0, 1)
    return Image.fromarray(np.clip(np.rint(rgb * 255), 0, 255).astype(np.uint8), "RGB")


SRGB = ImageCms.createProfile("sRGB")


def to_srgb(image: Image.Image) -> Image.Image:
    """Convert an image with an embedded ICC profile to sRGB (a few photos are Adobe RGB); drop metadata."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA"):
        rgb = image.convert("RGB")
        image = ImageCms.profileToProfile(rgb, ImageCms.ImageCmsProfile(io.BytesIO(icc)), SRGB, outputMode="RGB")
    image = image.convert("RGB")
    image.info = {}
    return image


def shrink(image: Image.Image) -> Image.Image:
    """sRGB RGB copy whose longest side is at most ``MAX_SIDE`` (Lanczos)."""
    image = to_srgb(image)
    scale = MAX_SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


# --------------------------------------------------------------------------- collect


def collect(bundles: dict[str, dict[str, bytes]]) -> tuple[list[Item], list[str]]:
    """Turn the parsed bundles into output items; also return notes on the files left out."""
    items: list[Item] = []
    left_out: list[str] = []

    pz = bundles["paintings"]
    base = f"{ACTIVITIES}/paintings/resource/"
    readme = pz.get(base + "image/README", b"").decode("utf-8")
    missing = [s for s in PAINTINGS_README_MUST_SAY if s not in readme]
    if missing:
        raise BuildError(f"paintings.rcc: its README no longer says {missing}; check the paintings' licence "
                         "and update PAINTINGS_LICENCE and the data card deliberately.")
    boards = sorted((k for k in pz if re.search(r"board/board\d+_0\.qml$", k)),
                    key=lambda k: int(re.search(r"board(\d+)_0", k).group(1)))
    for key in boards:
        line, width, height, pieces = parse_board(pz[key].decode("utf-8"))
        artist, title, year = parse_title_line(line)
        for p, _, _ in pieces:
            if base + p not in pz:
                raise BuildError(f"paintings.rcc: {key} names the piece {p}, which is not in the bundle.")
        image = compose_puzzle([(_open(pz[base + p]), x, y) for p, x, y in pieces], width, height)
        sculpture = "Pieta" in title or "Pietà" in title
        style = "photo-sculpture" if sculpture else PUZZLE_STYLE.get(artist, "old-masters")
        items.append(Item(
            shrink(image), "Pietà (photo of the sculpture)" if sculpture else title, artist, year, style,
            "photo" if sculpture else "painting",
            f"paintings.rcc {key.split('/', 4)[-1]} ({len(pieces)} pieces in resource/image/); "
            f"upstream: the WebMuseum ({WEBMUSEUM_URL})",
            PAINTINGS_LICENCE,
        ))

    det = bundles["details"]
    det_base = f"{ACTIVITIES}/details/resource/"
    attributions = parse_attributions(det[det_base + "image/README"].decode("utf-8"))
    det_boards = sorted((k for k in det if re.search(r"board/board\d+_0\.qml$", k)),
                        key=lambda k: int(re.search(r"board(\d+)_0", k).group(1)))
    for key in det_boards:
        line, background = parse_details_board(det[key].decode("utf-8"))
        name = background.rsplit("/", 1)[-1]
        stem = name[: -len("_background.webp")]
        info = attributions.get(name)
        if info is None or det_base + background not in det:
            raise BuildError(f"details.rcc: {key} names {background}, which has no README entry or is missing.")
        comment = info.get("comment", "")
        licence = info.get("license", "")
        if "painting by Van Gogh" in comment:
            artist, title, year = parse_title_line(line)
            if not licence.lower().startswith("public domain"):
                raise BuildError(f"details.rcc: {name} is a Van Gogh painting but its README licence is {licence!r}.")
            style, kind, source = "van-gogh", "painting", f"details.rcc resource/{background}; {comment}"
        else:
            author = re.search(r"by (.+?), license ([^,]+)", comment)
            url = re.search(r"(https?://\S+)", comment)
            if not (author and url):
                raise BuildError(f"details.rcc: cannot read the photo's author and source from {comment!r}.")
            if stem not in DETAILS_PHOTOS:
                raise BuildError(f"details.rcc: {name} ({line!r}) is a photo not in DETAILS_PHOTOS; add it there.")
            (title, style), artist, year = DETAILS_PHOTOS[stem], author.group(1), ""
            kind, source = "photo", f"details.rcc resource/{background}; {url.group(1)}"
            licence = (f"{licence} (GCompris adaptation, (c) {info.get('copyright', '')}) "
                       f"of a photo by {author.group(1)}, {author.group(2)}")
        items.append(Item(shrink(_open(det[det_base + background])), title, artist, year, style, kind, source, licence))

    for bundle, (folder, style) in PHOTO_BUNDLES.items():
        files = bundles[bundle]
        folder = f"{ACTIVITIES}/{folder}"
        readme = files.get(f"{folder}/README")
        if readme is None:
            raise BuildError(f"{bundle}.rcc: no README at {folder}/README.")
        attributions = parse_attributions(readme.decode("utf-8"))
        titles: dict[str, str] = {}
        for key in sorted(k for k in files if k.endswith(".qml")):
            titles.update(parse_gallery_titles(files[key].decode("utf-8")))
        for key in sorted(k for k in files if k.startswith(folder + "/") and k.endswith(".webp")):
            name = key.split("/")[-1]
            inner = key.split("/", 4)[-1]  # path inside the activity, e.g. resource/india/charminar.webp
            info = attributions.get(name, {})
            licence = info.get("license", "")
            if not info:
                near = difflib.get_close_matches(name, attributions, n=1, cutoff=0.8)
                hint = f" (its README has an entry for `{near[0]}`, perhaps a typo, but that is not this file's name)" if near else ""
                left_out.append(f"`{bundle}.rcc {inner}`: no README entry names this file{hint}")
                continue
            if not REDISTRIBUTABLE.match(licence) or not info.get("source"):
                left_out.append(f"`{bundle}.rcc {inner}`: licence {licence!r} / source {info.get('source', '')!r}")
                continue
            title = titles.get(name) or title_from_name(name)
            author = re.sub(r"^©\s*", "", info.get("copyright", "")).strip()
            items.append(Item(shrink(_open(files[key])), title, author, "", style, "photo",
                              f"{bundle}.rcc {inner}; {info['source']}", licence))
    return items, left_out


# --------------------------------------------------------------------------- output


def write_items(items: list[Item], out: Path) -> list[dict[str, str]]:
    """Write the images and ``manifest.csv``; return the manifest rows (sorted by file)."""
    rows = []
    seen: Counter[str] = Counter()
    for item in items:
        image = item.image
        short = SHORT_NAMES.get(item.artist, item.artist.split()[-1] if item.artist else "")
        slug = slugify(f"{short if item.kind == 'painting' else ''} {item.title}")
        seen[f"{item.style}/{slug}"] += 1
        if seen[f"{item.style}/{slug}"] > 1:
            slug += f"-{seen[f'{item.style}/{slug}']}"
        rel = f"images/{item.style}/{slug}.jpg"
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False, subsampling="4:2:0")
        (out / rel).write_bytes(buf.getvalue())
        rows.append(dict(file=rel, title=item.title, artist=item.artist, year=item.year, style=item.style,
                         kind=item.kind, source=item.source, licence=item.licence,
                         sha256=hashlib.sha256(buf.getvalue()).hexdigest(),
                         width=str(image.width), height=str(image.height)))
    rows.sort(key=lambda r: r["file"])
    with open(out / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def write_card(rows: list[dict[str, str]], left_out: list[str], out: Path) -> None:
    """Write the data card ``README.md``: counts, provenance, licences and every file's attribution."""
    import PIL

    counts = Counter((r["kind"], r["style"]) for r in rows)
    kinds = Counter(r["kind"] for r in rows)
    licences = Counter(re.sub(r" \(.*", "", r["licence"]).split(";")[0] for r in rows)
    size = sum((out / r["file"]).stat().st_size for r in rows)
    lines = [
        "# The bundled art collection",
        "",
        f"{len(rows)} images ({size / 2**20:.1f} MiB): "
        + ", ".join(f"{n} {k}s" for k, n in sorted(kinds.items()))
        + f"; RGB JPEG (sRGB, quality {JPEG_QUALITY}, no metadata), {MAX_SIDE} px on the longest side. "
        "Every file is listed in `manifest.csv` (title, artist, year, style, kind, source, licence, sha256, size).",
        "",
        "| kind | style | images |",
        "|---|---|---|",
        *[f"| {k} | {s} | {n} |" for (k, s), n in sorted(counts.items())],
        f"| **all** | | **{len(rows)}** |",
        "",
        "## Where it comes from",
        "",
        f"Debian's package `{DEB_NAME}` {DEB_VERSION} (`{DEB_NAME}_{DEB_VERSION}_all.deb`, sha256 `{DEB_SHA256}`), "
        "the data of the GCompris educational suite, which stores images in Qt resource bundles under "
        f"`/{RCC_DIR}/`:",
        "",
        "* `paintings.rcc`: 22 works cut into jigsaw pieces; each is restored by compositing its pieces at the "
        "centres given in `resource/board/boardN_0.qml` (the seams' few partly transparent pixels are filled from "
        "their neighbours). Title, artist and year come from each board's title line. One of them is a photo of "
        "Michelangelo's Pietà, a sculpture: it is kept as kind `photo`, style `photo-sculpture`.",
        "* `details.rcc`: the 21 `*_background.webp` images: 8 Van Gogh paintings (public domain) and 13 photos of "
        "monuments and landscapes. The paintings' titles and years come from the boards "
        "`resource/board/boardN_0.qml`, the photos' short titles are ours (the boards' captions are sentences such "
        "as \"Eiffel Tower, seen from the champ de Mars, Paris, France\"); licences and authors come from "
        "`resource/image/README`.",
        "* `explore_monuments.rcc`, `explore_world_animals.rcc`, `explore_farm_animals.rcc`, `erase.rcc`: photos "
        "whose README gives an author, a source and a redistributable licence; titles from the boards where they "
        "name the photo (else from the file name).",
        "",
        "Build and verify (Python 3.11 with NumPy and Pillow, on Debian or with apt available):",
        "",
        "```bash",
        "python tools/build_data.py            # fetches the .deb (apt-get download), verifies its sha256, writes data/",
        "python tools/build_data.py --check    # rebuilds in a temp folder, compares manifest, data card and files",
        f"python tools/build_data.py --deb path/to/{DEB_NAME}_{DEB_VERSION}_all.deb   # with a copy at hand",
        "```",
        "",
        f"Built with Pillow {PIL.__version__}; a different Pillow (libjpeg, libwebp, LittleCMS) version may "
        "encode the same pictures to different bytes, which `--check` reports.",
        "",
        "Processing: puzzles composited as above; images with an embedded ICC profile converted to sRGB "
        "(two photos are Adobe RGB); resized with Lanczos so the longest side is "
        f"{MAX_SIDE} px; saved as baseline JPEG, quality {JPEG_QUALITY}, 4:2:0, without EXIF or ICC data.",
        "",
        "Corrections to the source's metadata: artist names `Katsushika Hokusa` -> Katsushika Hokusai, "
        "`Pieter Brugel` -> Pieter Bruegel the Elder, `Bazille` -> Frédéric Bazille, `Vincent Van Gogh` -> "
        "Vincent van Gogh; the year 1760-70 given for Hiroshige's *The Benzaiten Shrine at Inokashira in Snow* is "
        "impossible (Hiroshige lived 1797-1858) and is left blank; Bellini's *La Pala di Pesaro* puzzle shows only "
        "the landscape behind the altarpiece's figures, so it is titled as a detail.",
        "",
    ]
    if left_out:
        lines += ["Left out (no usable attribution):", "", *[f"* {x}" for x in left_out], ""]
    lines += [
        "## Licences",
        "",
        "The project's MIT licence covers its code, not these files. Each file keeps the licence its source "
        "states (counts: " + ", ".join(f"{k} {n}" for k, n in sorted(licences.items())) + "):",
        "",
        "* **Puzzle works** (`paintings.rcc`, 22 files including the Pietà photo): the works themselves are in the "
        "public domain; the bundle's README gives the digitisations as \"Copyright 1994-2006 Nicolas Pioch, "
        "Copyright 2008 Bruno Coudoin\", \"License: GPLv3 or later\", and says: \"All the paintings are from the "
        "WebMuseum. As per the WebMuseum license, the paintings are released under the GPLv3 or later.\" "
        f"({WEBMUSEUM_URL}). Redistribution of these files must keep the GPL-3.0-or-later "
        "(https://www.gnu.org/licenses/gpl-3.0.html) and these notices.",
        "* **Van Gogh paintings** in `details.rcc`: the README says \"License: Public domain\" and \"based on an "
        "original painting by Van Gogh, Public domain image.\"",
        "* **Photos in `details.rcc`**: GCompris' adaptations, \"Copyright: 2000, 2008 Bruno Coudoin and others\", "
        "under CC-BY-SA 4.0 (one, Eilean Donan Castle, CC-BY 4.0), each \"based on\" a photo whose author, licence "
        "(CC-BY-SA 2.0/3.0/4.0, CC-BY 3.0) and Wikimedia Commons source the README names; both layers are listed "
        "per file below.",
        "* **Other photos**: the licence named per file in their bundle's README (CC-BY-SA 4.0, CC-BY 2.0/3.0, "
        "CC0-1.0 or Public Domain). CC-BY and CC-BY-SA require attribution (author, source, licence, as below) and "
        "a note of changes (these are resized, re-encoded copies); CC-BY-SA also requires that adaptations be "
        "shared under the same licence. CC0 and public-domain files need no attribution; it is given anyway.",
        "",
        f"Note: Debian's own `usr/share/doc/{DEB_NAME}/copyright` in the same package still lists "
        "`src/activities/details/resource/image/*` and `src/activities/explore_farm_animals/resource/animals/*` "
        "under \"2000, 2008 Bruno Coudoin and others, Franck Doucet\", GPL-3, an older state of those folders; "
        "this collection follows the per-file READMEs shipped inside the bundles with the images themselves.",
        "",
        "## Attributions",
        "",
        "| file | title | artist / author | licence | source |",
        "|---|---|---|---|---|",
    ]
    esc = lambda s: s.replace("|", "\\|")  # noqa: E731
    lines += [f"| `{r['file']}` | {esc(r['title'])} | {esc(r['artist'])} | {esc(r['licence'])} | {esc(r['source'])} |"
              for r in rows]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build(deb: Path, out: Path) -> list[dict[str, str]]:
    """Build the whole collection from ``deb`` into ``out`` (replacing ``out/images``)."""
    verify_deb(deb)
    bundles = read_bundles(deb, ["paintings", "details", *PHOTO_BUNDLES])
    items, left_out = collect(bundles)
    if (out / "images").exists():
        shutil.rmtree(out / "images")
    out.mkdir(parents=True, exist_ok=True)
    rows = write_items(items, out)
    write_card(rows, left_out, out)
    return rows


def compare(committed: Path, rebuilt: Path) -> list[str]:
    """Readable differences between a committed data folder and a fresh build (empty if none).

    Compared: ``manifest.csv`` line by line (it holds every file's sha256),
    the data card ``README.md``, and the committed image files themselves
    against their manifest sha256 (missing, modified or unlisted files).
    """
    if not (committed / "manifest.csv").is_file():
        return [f"{committed}/manifest.csv does not exist: build it first (python tools/build_data.py)."]
    problems: list[str] = []
    old = (committed / "manifest.csv").read_text(encoding="utf-8").splitlines()
    new = (rebuilt / "manifest.csv").read_text(encoding="utf-8").splitlines()
    if new != old:
        problems += ["manifest.csv differs from the rebuild:",
                     *difflib.unified_diff(old, new, "committed manifest.csv", "rebuilt manifest.csv", lineterm="", n=0)]
    card = committed / "README.md"
    old_card = card.read_text(encoding="utf-8").splitlines() if card.is_file() else []
    new_card = (rebuilt / "README.md").read_text(encoding="utf-8").splitlines()
    if old_card != new_card:
        problems += ["README.md (data card) differs from the rebuild:",
                     *difflib.unified_diff(old_card, new_card, "committed README.md", "rebuilt README.md", lineterm="", n=0)]
    listed = set()
    for row in csv.DictReader(io.StringIO("\n".join(old) + "\n")):
        listed.add(row["file"])
        path = committed / row["file"]
        if not path.is_file():
            problems.append(f"{row['file']}: listed in the committed manifest but missing")
        elif (digest := sha256_file(path)) != row["sha256"]:
            problems.append(f"{row['file']}: sha256 on disk {digest} differs from the committed manifest's {row['sha256']}")
    if (committed / "images").is_dir():
        for path in sorted((committed / "images").rglob("*")):
            rel = path.relative_to(committed).as_posix()
            if path.is_file() and rel not in listed:
                problems.append(f"{rel}: on disk but not in the committed manifest")
    return problems


def check(deb: Path, committed: Path) -> list[str]:
    """Rebuild from ``deb`` into a temp dir and ``compare`` it with ``committed``."""
    with tempfile.TemporaryDirectory() as tmp:
        build(deb, Path(tmp))
        return compare(committed, Path(tmp))


def main(argv: list[str] | None = None) -> int:
    """Command line: build (default) or ``--check``; exit 0 on success, 1 on a check mismatch, 2 on an error."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deb", type=Path, help=f"path to {DEB_NAME}_{DEB_VERSION}_all.deb (default: apt-get download)")
    parser.add_argument("--out", type=Path, default=ROOT / "data", help="output folder (default: data/)")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache", help="where to download the .deb (default: .cache/)")
    parser.add_argument("--check", action="store_true", help="rebuild in a temp dir and compare with --out")
    args = parser.parse_args(argv)

    def shown(path: Path) -> str:  # relative paths in messages, never a machine's absolute path
        try:
            return str(path.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    try:
        deb = args.deb or fetch_deb(args.cache)
        if args.check:
            problems = check(deb, args.out)
            if problems:
                print("\n".join(problems[:80]))
                if len(problems) > 80:
                    print(f"... and {len(problems) - 80} more lines")
                card = args.out / "README.md"
                built = re.search(r"Built with Pillow (\S+);", card.read_text(encoding="utf-8")) if card.is_file() else None
                import PIL

                if built and built.group(1) != PIL.__version__:
                    print(f"note: {shown(args.out)} was built with Pillow {built.group(1)}, this is Pillow "
                          f"{PIL.__version__}; JPEG bytes depend on the encoder version.", file=sys.stderr)
                print(f"\nThe rebuild differs from {shown(args.out)}/ ({len(problems)} lines above).", file=sys.stderr)
                return 1
            print(f"OK: the rebuild reproduces {shown(args.out / 'manifest.csv')}, the data card and every file exactly.")
            return 0
        rows = build(deb, args.out)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {len(rows)} images, manifest.csv and README.md to {shown(args.out)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
