"""Build the bundled art collection in ``data/`` from Debian's ``gcompris-qt-data`` package.

GCompris, the educational software suite, ships public-domain paintings (as
jigsaw puzzles), Van Gogh paintings and openly licensed photos inside Qt
resource bundles (``.rcc``). This script

1. fetches the pinned ``.deb`` with ``apt-get download`` (or takes ``--deb``)
   and verifies its sha256;
2. reads ``usr/share/gcompris-qt/rcc/*.rcc`` with a small Qt rcc parser;
3. restores each puzzle painting by compositing its pieces at the centres the
   board files give, and takes the ``*_background.webp`` images and the photos
   whose README states a redistributable licence;
4. writes RGB JPEGs (longest side 384 px) under ``data/images/<style>/``, a
   manifest (``data/manifest.csv``) and the data card (``data/README.md``).

Usage::

    python tools/build_data.py                # build into data/
    python tools/build_data.py --check        # rebuild in a temp dir, compare with data/manifest.csv

It needs NumPy, Pillow and the project installed (``pip install -e .``) for the manifest's column list.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import lzma
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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from artgan_utils.data import MANIFEST_COLUMNS  # one definition of the manifest's columns

ROOT = Path(__file__).resolve().parent.parent
DEB_NAME = "gcompris-qt-data"
DEB_VERSION = "3.1-2"
DEB_SHA256 = "e9cf06ab2105529068df73085784e835d2ff03f870d2a8091f09125d40abac9f"
RCC_DIR = "usr/share/gcompris-qt/rcc"
MAX_SIDE = 384
JPEG_QUALITY = 90


class BuildError(RuntimeError):
    """The build cannot go on; the message says why and what to do."""


# --------------------------------------------------------------------------- Qt rcc


def parse_rcc(blob: bytes) -> dict[str, bytes]:
    """Parse a Qt resource bundle (rcc format versions 1-3) into ``{path: payload}``.

    Layout: magic ``qres``, then big-endian int32 format version, tree offset,
    data offset and names offset (version 3 adds an int32 of overall flags).
    Tree entries are 14 bytes (version 1) or 22 bytes (versions 2-3, with an
    int64 last-modified time): int32 name offset, int16 flags, then for a
    directory (flag 2) int32 child count and int32 first child index, for a file
    int16 country, int16 language and int32 data offset. Names are a uint16
    length, a uint32 hash and UTF-16BE characters. Payloads are a uint32 size
    and the bytes; with flag 1 they are zlib data after a 4-byte length prefix,
    with flag 4 zstd (not supported here).
    """
    if len(blob) < 20 or blob[:4] != b"qres":
        raise BuildError("Not a Qt resource bundle: the file does not start with the magic 'qres'.")
    version, tree, data, names = struct.unpack(">iiii", blob[4:20])
    if version not in (1, 2, 3):
        raise BuildError(f"Unsupported rcc format version {version} (1-3 are supported).")
    entry_size = 14 if version == 1 else 22

    def name_at(offset: int) -> str:
        (length,) = struct.unpack(">H", blob[names + offset : names + offset + 2])
        start = names + offset + 6
        return blob[start : start + 2 * length].decode("utf-16-be")

    files: dict[str, bytes] = {}

    def walk(index: int, prefix: str, depth: int) -> None:
        if depth > 64:
            raise BuildError("rcc tree is too deep (corrupt file?).")
        base = tree + index * entry_size
        name_offset, flags = struct.unpack(">iH", blob[base : base + 6])
        name = name_at(name_offset) if index else ""
        path = f"{prefix}/{name}" if prefix else name
        if flags & 2:
            count, first = struct.unpack(">ii", blob[base + 6 : base + 14])
            for child in range(first, first + count):
                walk(child, path, depth + 1)
            return
        (offset,) = struct.unpack(">i", blob[base + 10 : base + 14])
        (size,) = struct.unpack(">I", blob[data + offset : data + offset + 4])
        payload = blob[data + offset + 4 : data + offset + 4 + size]
        if flags & 4:
            raise BuildError(f"{path}: zstd-compressed rcc entries are not supported.")
        if flags & 1:
            payload = zlib.decompress(payload[4:])
        files[path] = payload

    walk(0, "", 0)
    return files


# --------------------------------------------------------------------------- .deb


def fetch_deb(cache: Path) -> Path:
    """Download the pinned .deb into ``cache`` with apt-get (unless already there)."""
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
                             "Is the Debian archive reachable? Or pass --deb PATH to a downloaded copy.") from None
    return path


def verify_deb(path: Path) -> None:
    """Check the .deb's sha256 against the pinned value."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != DEB_SHA256:
        raise BuildError(f"{path.name}: sha256 {digest} is not the pinned {DEB_SHA256} ({DEB_NAME} {DEB_VERSION}). "
                         "Delete the file and run again, or update DEB_VERSION/DEB_SHA256 deliberately.")


def read_bundles(deb: Path, names: list[str]) -> dict[str, dict[str, bytes]]:
    """Extract and parse the named rcc bundles from the .deb (ar + data.tar.xz)."""
    blob = deb.read_bytes()
    if blob[:8] != b"!<arch>\n":
        raise BuildError(f"{deb.name} is not a Debian package (no ar header).")
    pos, members = 8, {}
    while pos + 60 <= len(blob):
        header = blob[pos : pos + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        members[name] = blob[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size % 2)
    tar_name = next((n for n in members if n.startswith("data.tar")), None)
    if tar_name != "data.tar.xz":
        raise BuildError(f"{deb.name}: expected data.tar.xz inside, found {tar_name}.")
    out = {}
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(members[tar_name])), mode="r:") as tar:
        for name in names:
            member = tar.getmember(f"./{RCC_DIR}/{name}.rcc")
            out[name] = parse_rcc(tar.extractfile(member).read())
    return out


# --------------------------------------------------------------------------- metadata


@dataclass
class Item:
    """One output image before it is written."""

    image: Image.Image
    title: str
    artist: str
    year: str
    style: str
    kind: str
    source: str
    licence: str
    notes: list[str] = field(default_factory=list)


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
PAINTINGS_LICENCE = ("Public-domain work; digitisation from the WebMuseum (c) 1994-2006 Nicolas Pioch, "
                     "2008 Bruno Coudoin, distributed by GCompris under GPL-3.0-or-later")

# details.rcc backgrounds: title, artist, year, style, kind (the README gives licences, not titles).
DETAILS = {
    "Eglise_dAuvers-sur-Oise": ("The Church at Auvers", "Vincent van Gogh", "1890", "van-gogh", "painting"),
    "Gogh4": ("Café Terrace at Night", "Vincent van Gogh", "1888", "van-gogh", "painting"),
    "PortraitOfPereTanguy": ("Portrait of Père Tanguy", "Vincent van Gogh", "1887", "van-gogh", "painting"),
    "Van_Gogh_The_Night_Cafe": ("The Night Café", "Vincent van Gogh", "1888", "van-gogh", "painting"),
    "VincentVanGogh0012": ("Vestibule of the Asylum at Saint-Rémy", "Vincent van Gogh", "1889", "van-gogh", "painting"),
    "VincentVanGogh0013": ("The Painter on His Way to Work", "Vincent van Gogh", "1888", "van-gogh", "painting"),
    "VincentVanGogh0019": ("The Harvest", "Vincent van Gogh", "1888", "van-gogh", "painting"),
    "VincentVanGoghBridge": ("Langlois Bridge at Arles", "Vincent van Gogh", "1888", "van-gogh", "painting"),
    "Chenonceau": ("Château de Chenonceau", "", "", "photo-monument", "photo"),
    "EgeskovSlotSpejling": ("Egeskov Castle reflected", "", "", "photo-monument", "photo"),
    "EilanDonanCastle": ("Eilean Donan Castle", "", "", "photo-landscape", "photo"),
    "FanoeWindmill": ("Windmill on Fanø", "", "", "photo-landscape", "photo"),
    "GizahPyramids": ("Pyramids of Giza", "", "", "photo-landscape", "photo"),
    "Louvre_2007_02_24_c": ("The Louvre at dusk", "", "", "photo-monument", "photo"),
    "NDP": ("Notre-Dame de Paris", "", "", "photo-monument", "photo"),
    "Nagoya": ("Nagoya Castle", "", "", "photo-monument", "photo"),
    "Neuschwanstein": ("Neuschwanstein Castle", "", "", "photo-landscape", "photo"),
    "OperaSidney": ("Sydney Opera House", "", "", "photo-monument", "photo"),
    "TajMahal": ("Taj Mahal", "", "", "photo-monument", "photo"),
    "TourEiffel": ("Eiffel Tower", "", "", "photo-monument", "photo"),
    "TowerBridgeLondon": ("Tower Bridge, London", "", "", "photo-monument", "photo"),
}
PHOTO_BUNDLES = {
    "explore_monuments": ("gcompris/src/activities/explore_monuments/resource", "photo-monument"),
    "explore_world_animals": ("gcompris/src/activities/explore_world_animals/resource/animals", "photo-animal"),
    "explore_farm_animals": ("gcompris/src/activities/explore_farm_animals/resource/animals", "photo-animal"),
    "erase": ("gcompris/src/activities/erase/resource", "photo-animal"),
}
REDISTRIBUTABLE = re.compile(r"^(public domain|cc0|cc-by(-sa)?[- ][0-9.]+|gplv?3)", re.I)


def parse_title_line(line: str) -> tuple[str, str, str]:
    """Split a puzzle title line ``"Artist, Title - Year"`` into (artist, title, year).

    The year part is optional; a trailing full stop is dropped; known spelling
    slips in artist names are corrected (see ``ARTIST_FIXES``).
    """
    line = line.strip().rstrip(".").strip()
    if ", " not in line:
        raise BuildError(f"Cannot parse the title line {line!r} (expected 'Artist, Title - Year').")
    artist, rest = line.split(", ", 1)
    match = re.match(r"^(.*?)\s+-\s+([0-9][0-9 \-–]*)$", rest)
    title, year = (match.group(1), match.group(2).strip()) if match else (rest, "")
    artist = ARTIST_FIXES.get(artist.strip(), artist.strip())
    title = title.strip()
    year = YEAR_FIXES.get(title, year)
    return artist, title, year


def parse_board(qml: str) -> tuple[str, int, int, list[tuple[str, float, float]]]:
    """Read a puzzle board file: (title line, board width, board height, [(piece, cx, cy)])."""
    title = re.search(r'instruction:\s*qsTr\("(.*)"\)', qml)
    size = re.search(r'"width"\s*:\s*(\d+),\s*"height"\s*:\s*(\d+)', qml)
    pieces = re.findall(r'"pixmapfile"\s*:\s*"([^"]+\.webp)",\s*"x"\s*:\s*"([\d.]+)",\s*"y"\s*:\s*"([\d.]+)"', qml)
    if not (title and size and pieces):
        raise BuildError("Board file lacks a title, a board size or pieces.")
    return title.group(1), int(size.group(1)), int(size.group(2)), [(p, float(x), float(y)) for p, x, y in pieces]


def compose_puzzle(pieces: list[tuple[Image.Image, float, float]], width: int, height: int) -> Image.Image:
    """Composite jigsaw pieces at their centres (fractions of the board) and crop to the painting.

    The seams between pieces leave a few partly transparent pixels (well under
    1 %); they are filled from their neighbours (normalised convolution) so the
    result has no holes.
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


def parse_attributions(text: str) -> dict[str, dict[str, str]]:
    """Parse a GCompris (Debian-copyright-like) README into ``{file basename: fields}``.

    Blocks are separated by blank lines; ``Key: value`` lines set fields
    (``Copyright``, ``License``, ``Source``, ``Comment(s)``); ``Files:`` lists
    files inline or on the following lines; other non-empty lines are files.
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


def slugify(text: str) -> str:
    """ASCII slug for file names."""
    text = text.translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "ß": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


# --------------------------------------------------------------------------- collect


def collect(bundles: dict[str, dict[str, bytes]]) -> list[Item]:
    """Turn the parsed bundles into output items with their metadata."""
    items: list[Item] = []
    pz = bundles["paintings"]
    base = "gcompris/src/activities/paintings/resource/"
    boards = sorted((k for k in pz if re.search(r"board/board\d+_0\.qml$", k)),
                    key=lambda k: int(re.search(r"board(\d+)_0", k).group(1)))
    for key in boards:
        line, width, height, pieces = parse_board(pz[key].decode("utf-8"))
        artist, title, year = parse_title_line(line)
        image = compose_puzzle([(_open(pz[base + p]), x, y) for p, x, y in pieces], width, height)
        sculpture = "Pieta" in title or "Pietà" in title
        style = "photo-sculpture" if sculpture else PUZZLE_STYLE.get(artist, "old-masters")
        items.append(Item(
            image, "Pietà (photo of the sculpture)" if sculpture else title, artist, year, style,
            "photo" if sculpture else "painting",
            f"paintings.rcc {key.split('/')[-1]} ({len(pieces)} puzzle pieces); WebMuseum",
            PAINTINGS_LICENCE,
        ))

    det = bundles["details"]
    det_dir = "gcompris/src/activities/details/resource/image/"
    attributions = parse_attributions(det[det_dir + "README"].decode("utf-8"))
    for stem, (title, artist, year, style, kind) in DETAILS.items():
        name = f"{stem}_background.webp"
        info = attributions.get(name)
        if info is None:
            raise BuildError(f"details.rcc: no README entry for {name}.")
        comment = info.get("comment", "")
        if kind == "painting":
            licence = "Public domain" if info.get("license", "").lower().startswith("public domain") else info.get("license", "")
            source = f"details.rcc {name}; {comment}".strip("; ")
        else:
            author = re.search(r"by (.+?), license ([^,]+)", comment)
            url = re.search(r"(https?://\S+)", comment)
            if not author:
                raise BuildError(f"details.rcc: cannot read the photo's author from {comment!r}.")
            artist = author.group(1)
            licence = (f"{info.get('license', '')} (GCompris derivative, (c) {info.get('copyright', '')}) "
                       f"of a photo by {author.group(1)}, {author.group(2)}")
            source = f"details.rcc {name}; {url.group(1) if url else comment}"
        items.append(Item(_open(det[det_dir + name]), title, artist, year, style, kind, source, licence))

    for bundle, (folder, style) in PHOTO_BUNDLES.items():
        files = bundles[bundle]
        readme = next((v for k, v in files.items() if k == f"{folder}/README"), None)
        if readme is None:
            raise BuildError(f"{bundle}.rcc: no README at {folder}/README.")
        attributions = parse_attributions(readme.decode("utf-8"))
        for key in sorted(k for k in files if k.startswith(folder + "/") and k.endswith(".webp")):
            name = key.split("/")[-1]
            info = attributions.get(name, {})
            licence = info.get("license", "")
            if not REDISTRIBUTABLE.match(licence) or not info.get("source"):
                continue
            stem = re.sub(r"([a-z])(de|du|of)(?=[A-Z])", r"\1 \2", Path(name).stem)  # chateaudeChambord
            words = re.sub(r"([a-z])([A-Z])", r"\1 \2", stem).replace("_", " ")
            title = words[:1].upper() + words[1:]
            author = re.sub(r"^©\s*", "", info.get("copyright", "")).strip()
            items.append(Item(_open(files[key]), title, author, "", style, "photo",
                              f"{bundle}.rcc {key.split('/', 4)[-1]}; {info['source']}", licence))
    return items


def write_items(items: list[Item], out: Path) -> list[dict[str, str]]:
    """Write the images and return the manifest rows (sorted by file)."""
    rows = []
    seen: Counter[str] = Counter()
    for item in items:
        image = item.image.convert("RGB")
        scale = MAX_SIDE / max(image.size)
        if scale < 1:
            size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
            image = image.resize(size, Image.Resampling.LANCZOS)
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


def write_card(rows: list[dict[str, str]], out: Path) -> None:
    """Write the data card ``README.md`` with counts, provenance and attributions."""
    import PIL

    counts = Counter((r["kind"], r["style"]) for r in rows)
    size = sum((out / r["file"]).stat().st_size for r in rows)
    lines = [
        "# The bundled art collection",
        "",
        f"{len(rows)} images ({size / 2**20:.1f} MiB): public-domain paintings and openly licensed photos, "
        f"RGB JPEG (quality {JPEG_QUALITY}), at most {MAX_SIDE} px on the longest side. "
        "Every file is listed in `manifest.csv` (title, artist, year, style, kind, source, licence, sha256).",
        "",
        "| kind | style | images |",
        "|---|---|---|",
        *[f"| {k} | {s} | {n} |" for (k, s), n in sorted(counts.items())],
        "",
        "## Where it comes from",
        "",
        f"Debian's package `{DEB_NAME}` {DEB_VERSION} (sha256 `{DEB_SHA256}`), the data of the GCompris "
        "educational suite, which stores images in Qt resource bundles under "
        f"`/{RCC_DIR}/`:",
        "",
        "* `paintings.rcc`: 22 works cut into jigsaw pieces; each painting is restored by compositing its "
        "pieces at the centres given in `resource/board/boardN_0.qml` (the seams' few partly transparent "
        "pixels are filled from their neighbours). One of them is a photo of Michelangelo's Pietà, a "
        "sculpture: it is kept as kind `photo`, style `photo-sculpture`.",
        "* `details.rcc`: the `*_background.webp` images: Van Gogh paintings and photos of monuments and landscapes.",
        "* `explore_monuments.rcc`, `explore_world_animals.rcc`, `explore_farm_animals.rcc`, `erase.rcc`: photos whose "
        "README gives an author, a source and a redistributable licence (files without one are left out).",
        "",
        "Rebuild and verify:",
        "",
        "```bash",
        "python tools/build_data.py            # fetches the .deb with apt-get download, verifies its sha256",
        "python tools/build_data.py --check    # rebuilds in a temp folder and compares every sha256",
        "```",
        "",
        f"Built with Pillow {PIL.__version__}; a different Pillow or libjpeg version may encode the same pixels "
        "to different bytes, which `--check` reports.",
        "",
        "Corrections to the source's metadata: artist names `Katsushika Hokusa` -> Katsushika Hokusai, "
        "`Pieter Brugel` -> Pieter Bruegel the Elder, `Bazille` -> Frédéric Bazille; the year 1760-70 given for "
        "Hiroshige's *The Benzaiten Shrine at Inokashira in Snow* is impossible (Hiroshige lived 1797-1858) and is "
        "left blank. Titles of the Van Gogh paintings in `details.rcc` (whose file names are numbers) were "
        "identified by looking at them.",
        "",
        "## Licences",
        "",
        "The project's MIT licence covers its code, not these files. Each file keeps the licence its source "
        "states:",
        "",
        "* **Puzzle paintings** (`paintings.rcc`): the works are in the public domain; the digitisations come from "
        "the WebMuseum (c) 1994-2006 Nicolas Pioch, 2008 Bruno Coudoin, and GCompris distributes them under "
        "**GPL-3.0-or-later** (\"As per the WebMuseum license, the paintings are released under the GPLv3 or "
        "later\"). Redistribution must keep that licence.",
        "* **Van Gogh paintings** in `details.rcc`: **public domain**.",
        "* **Photos**: the licence named per file below (mostly CC-BY-SA and CC-BY, some CC0 or public domain). "
        "CC-BY and CC-BY-SA require attribution (author, source, licence, as below); CC-BY-SA also requires that "
        "adapted versions be shared under the same licence. The `details.rcc` photos are GCompris' CC-BY-SA 4.0 "
        "adaptations of the photos named.",
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
    items = collect(bundles)
    if (out / "images").exists():
        shutil.rmtree(out / "images")
    out.mkdir(parents=True, exist_ok=True)
    rows = write_items(items, out)
    write_card(rows, out)
    return rows


def check(deb: Path, committed: Path) -> list[str]:
    """Rebuild into a temp dir; return the differences from ``committed/manifest.csv`` (empty if none)."""
    with tempfile.TemporaryDirectory() as tmp:
        build(deb, Path(tmp))
        new = (Path(tmp) / "manifest.csv").read_text(encoding="utf-8").splitlines()
    old = (committed / "manifest.csv").read_text(encoding="utf-8").splitlines()
    if new == old:
        return []
    import difflib

    return list(difflib.unified_diff(old, new, "committed manifest.csv", "rebuilt manifest.csv", lineterm="", n=0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deb", type=Path, help=f"path to {DEB_NAME}_{DEB_VERSION}_all.deb (default: apt-get download)")
    parser.add_argument("--out", type=Path, default=ROOT / "data")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache")
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
            diff = check(deb, args.out)
            if diff:
                print("\n".join(diff[:60]))
                print(f"\nThe rebuild differs from {shown(args.out / 'manifest.csv')} ({len(diff)} diff lines).", file=sys.stderr)
                return 1
            print(f"OK: the rebuild reproduces {shown(args.out / 'manifest.csv')} exactly.")
            return 0
        rows = build(deb, args.out)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {len(rows)} images, manifest.csv and README.md to {shown(args.out)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
