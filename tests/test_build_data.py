"""tools/build_data.py: Qt rcc parsing, metadata parsing, puzzle composition, reproducibility."""

from __future__ import annotations

import importlib.util
import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("build_data", ROOT / "tools" / "build_data.py")
build_data = importlib.util.module_from_spec(spec)
sys.modules["build_data"] = build_data  # dataclasses look their module up
spec.loader.exec_module(build_data)


def make_rcc(tree: dict, version: int = 3) -> bytes:
    """Write a Qt rcc bundle: ``tree`` maps names to bytes (file), ("z", bytes) (compressed) or dicts (dirs)."""
    names, data, entries = bytearray(), bytearray(), []
    name_offsets: dict[str, int] = {}

    def name_offset(name: str) -> int:
        if name not in name_offsets:
            name_offsets[name] = len(names)
            encoded = name.encode("utf-16-be")
            names.extend(struct.pack(">HI", len(name), 0) + encoded)
        return name_offsets[name]

    # breadth-first layout as rcc does: children of a directory are contiguous
    entries.append(None)
    queue = [(0, "", tree)]
    while queue:
        index, name, node = queue.pop(0)
        if isinstance(node, dict):
            first = len(entries)
            children = sorted(node.items())
            entries.extend([None] * len(children))
            entries[index] = ("dir", name, len(children), first)
            for i, (child_name, child) in enumerate(children):
                queue.append((first + i, child_name, child))
        else:
            compressed = isinstance(node, tuple)
            payload = node[1] if compressed else node
            if compressed:
                payload = struct.pack(">I", len(payload)) + zlib.compress(payload)
            entries[index] = ("file", name, 1 if compressed else 0, len(data))
            data.extend(struct.pack(">I", len(payload)) + payload)
    tree_bytes = bytearray()
    for kind, name, a, b in entries:
        noff = name_offset(name) if name else 0
        if kind == "dir":
            tree_bytes += struct.pack(">iHii", noff, 2, a, b)
        else:
            tree_bytes += struct.pack(">iHhhi", noff, a, 0, 0, b)
        tree_bytes += struct.pack(">q", 0)
    header_size = 24
    tree_off = header_size
    data_off = tree_off + len(tree_bytes)
    names_off = data_off + len(data)
    header = b"qres" + struct.pack(">iiiii", version, tree_off, data_off, names_off, 0)
    return header + bytes(tree_bytes) + bytes(data) + bytes(names)


def test_parse_rcc_nested_plain_and_compressed():
    blob = make_rcc({"a": {"b": {"plain.txt": b"hello"}, "z.bin": ("z", b"x" * 1000)}, "top.qml": b"QtObject {}"})
    files = build_data.parse_rcc(blob)
    assert files == {"a/b/plain.txt": b"hello", "a/z.bin": b"x" * 1000, "top.qml": b"QtObject {}"}


def test_parse_rcc_rejects_bad_magic_and_version():
    with pytest.raises(build_data.BuildError, match="magic 'qres'"):
        build_data.parse_rcc(b"PK\x03\x04" + b"\x00" * 40)
    blob = bytearray(make_rcc({"f": b"1"}))
    blob[4:8] = struct.pack(">i", 9)
    with pytest.raises(build_data.BuildError, match="version 9"):
        build_data.parse_rcc(bytes(blob))


@pytest.mark.parametrize("line, expected", [
    ("Katsushika Hokusai, The Great Wave off Kanagawa - 1823-1829", ("Katsushika Hokusai", "The Great Wave off Kanagawa", "1823-1829")),
    ("Katsushika Hokusai, Kazusa sea Route - 1830.", ("Katsushika Hokusai", "Kazusa sea Route", "1830")),
    ("Katsushika Hokusai, Oiran and Kamuro", ("Katsushika Hokusai", "Oiran and Kamuro", "")),
    ("Katsushika Hokusa, Poppies - 1833-1834", ("Katsushika Hokusai", "Poppies", "1833-1834")),
    ("Utagawa Hiroshige, The Benzaiten Shrine at Inokashira in Snow - 1760-70", ("Utagawa Hiroshige", "The Benzaiten Shrine at Inokashira in Snow", "")),
])
def test_parse_title_line(line, expected):
    assert build_data.parse_title_line(line) == expected


def test_parse_title_line_error():
    with pytest.raises(build_data.BuildError, match="Artist, Title"):
        build_data.parse_title_line("Untitled")


def test_compose_2x2_puzzle_restores_the_picture():
    rng = np.random.default_rng(0)
    painting = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    pieces = []
    for top in (0, 20):
        for left in (0, 30):
            tile = Image.fromarray(painting[top:top + 20, left:left + 30]).convert("RGBA")
            pieces.append((tile, (10 + left + 15) / 100, (5 + top + 10) / 80))
    out = np.asarray(build_data.compose_puzzle(pieces, 100, 80))
    assert out.shape == (40, 60, 3)
    assert np.array_equal(out, painting)


def test_compose_fills_seam_holes_from_neighbours():
    full = Image.new("RGBA", (10, 10), (200, 100, 50, 255))
    arr = np.asarray(full).copy()
    arr[5, 5, 3] = 0  # a transparent seam pixel
    out = np.asarray(build_data.compose_puzzle([(Image.fromarray(arr, "RGBA"), 0.5, 0.5)], 10, 10))
    assert out[5, 5].tolist() == [200, 100, 50]


def test_parse_attributions_inline_and_listed_files():
    text = """Copyright: Dietmar Rabich / Wikimedia Commons
Source: https://commons.wikimedia.org/wiki/File:Alpakas.jpg
License: CC-BY-SA-4.0
Comments: cropping, sharpening
Files: alpaca.webp

Copyright: 2000, 2008 Bruno Coudoin and others
License: CC-BY 4.0
EilanDonanCastle_0.webp
EilanDonanCastle_background.webp
Comment: based on a photo by Guillaume Piolle, license CC-BY 3.0, source at https://example.org/x.jpg
"""
    out = build_data.parse_attributions(text)
    assert out["alpaca.webp"]["license"] == "CC-BY-SA-4.0"
    assert out["alpaca.webp"]["copyright"] == "Dietmar Rabich / Wikimedia Commons"
    assert out["EilanDonanCastle_background.webp"]["license"] == "CC-BY 4.0"
    assert "Guillaume Piolle" in out["EilanDonanCastle_background.webp"]["comment"]


def test_redistributable_licences():
    ok = ["Public Domain", "CC0-1.0", "CC-BY-SA-4.0", "CC-BY 4.0", "CC-BY-2.0"]
    assert all(build_data.REDISTRIBUTABLE.match(x) for x in ok)
    assert not any(build_data.REDISTRIBUTABLE.match(x) for x in ["", "All rights reserved", "CC-BY-NC 2.0"])


def _deb() -> Path | None:
    env = os.environ.get("ARTGAN_DATA_DEB")
    path = Path(env) if env else ROOT / ".cache" / f"{build_data.DEB_NAME}_{build_data.DEB_VERSION}_all.deb"
    return path if path.exists() else None


def _built_with_pillow() -> str:
    import re

    match = re.search(r"Built with Pillow ([0-9][0-9.]*[0-9])", (ROOT / "data" / "README.md").read_text(encoding="utf-8"))
    assert match, "data/README.md must record the Pillow version the data was built with"
    return match.group(1)


@pytest.mark.skipif(_deb() is None, reason="the gcompris-qt-data .deb is not in .cache/ (python tools/build_data.py fetches it)")
def test_rebuild_reproduces_committed_manifest():
    import PIL

    if PIL.__version__ != _built_with_pillow():
        pytest.skip(f"data/ was built with Pillow {_built_with_pillow()}, this is {PIL.__version__}: "
                    "JPEG bytes are encoder-version specific, so a byte-exact rebuild needs the same Pillow")
    assert build_data.check(_deb(), ROOT / "data") == []
