"""tools/build_data.py: Qt rcc parsing, metadata parsing, puzzle composition, reproducibility."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("build_data", ROOT / "tools" / "build_data.py")
build_data = importlib.util.module_from_spec(spec)
sys.modules["build_data"] = build_data  # dataclasses look their module up
spec.loader.exec_module(build_data)


def make_rcc(tree: dict, version: int = 3) -> bytes:
    """Write a Qt rcc bundle the way ``rcc`` lays it out (data, then names, then the tree).

    ``tree`` maps names to bytes (a plain file), ``("z", bytes)`` (zlib-compressed),
    ``("zstd", bytes)`` (flagged as zstd) or dicts (directories).
    """
    names, data, entries = bytearray(), bytearray(), []
    name_offsets: dict[str, int] = {}

    def name_offset(name: str) -> int:
        if name not in name_offsets:
            name_offsets[name] = len(names)
            names.extend(struct.pack(">HI", len(name), 0) + name.encode("utf-16-be"))
        return name_offsets[name]

    # breadth-first as rcc does: the children of a directory are contiguous
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
            flags, payload = (0, node) if isinstance(node, bytes) else ({"z": 1, "zstd": 4}[node[0]], node[1])
            if flags == 1:
                payload = struct.pack(">I", len(payload)) + zlib.compress(payload)
            entries[index] = ("file", name, flags, len(data))
            data.extend(struct.pack(">I", len(payload)) + payload)
    tree_bytes = bytearray()
    for kind, name, a, b in entries:
        noff = name_offset(name) if name else 0
        if kind == "dir":
            tree_bytes += struct.pack(">iHii", noff, 2, a, b)
        else:
            tree_bytes += struct.pack(">iHhhi", noff, a, 0, 0, b)
        if version >= 2:
            tree_bytes += struct.pack(">q", 1676732615000)
    header_size = 24 if version == 3 else 20
    data_off = header_size
    names_off = data_off + len(data)
    tree_off = names_off + len(names)
    header = b"qres" + struct.pack(">iiii", version, tree_off, data_off, names_off)
    if version == 3:
        header += struct.pack(">i", 1)  # overall flags: zlib used
    return header + bytes(data) + bytes(names) + bytes(tree_bytes)


NESTED = {"a": {"b": {"plain.txt": b"hello"}, "z.bin": ("z", b"x" * 1000 + b"end")}, "top.qml": b"QtObject {}"}


@pytest.mark.parametrize("version", [1, 2, 3])
def test_parse_rcc_nested_plain_and_compressed(version):
    files = build_data.parse_rcc(make_rcc(NESTED, version))
    assert files == {"a/b/plain.txt": b"hello", "a/z.bin": b"x" * 1000 + b"end", "top.qml": b"QtObject {}"}


def test_parse_rcc_non_ascii_names():
    files = build_data.parse_rcc(make_rcc({"Pietà": {"ø.webp": b"\x00\x01"}}))
    assert files == {"Pietà/ø.webp": b"\x00\x01"}


def test_parse_rcc_rejects_bad_magic_and_version():
    with pytest.raises(build_data.BuildError, match="magic 'qres'"):
        build_data.parse_rcc(b"PK\x03\x04" + b"\x00" * 40)
    blob = bytearray(make_rcc({"f": b"1"}))
    blob[4:8] = struct.pack(">i", 9)
    with pytest.raises(build_data.BuildError, match="version 9"):
        build_data.parse_rcc(bytes(blob))


def test_parse_rcc_rejects_zstd_entries_and_truncation():
    with pytest.raises(build_data.BuildError, match=r"d/w\.bin: zstd"):
        build_data.parse_rcc(make_rcc({"d": {"w.bin": ("zstd", b"\x28\xb5\x2f\xfd")}}))
    blob = make_rcc(NESTED)
    with pytest.raises(build_data.BuildError, match="Truncated or corrupt"):
        build_data.parse_rcc(blob[:-30])  # the tree is last: cut into it


def test_parse_rcc_checks_the_uncompressed_length():
    blob = bytearray(make_rcc({"z.bin": ("z", b"abc" * 50)}))
    at = blob.index(struct.pack(">I", 150))  # the 4-byte uncompressed-length prefix
    blob[at : at + 4] = struct.pack(">I", 151)
    with pytest.raises(build_data.BuildError, match="inflated to 150 bytes, the rcc file says 151"):
        build_data.parse_rcc(bytes(blob))


def test_read_ar_splits_members():
    def member(name: str, body: bytes) -> bytes:
        header = f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(body):<10}".encode() + b"`\n"
        return header + body + (b"\n" if len(body) % 2 else b"")

    blob = b"!<arch>\n" + member("debian-binary", b"2.0\n") + member("data.tar.xz", b"odd")
    assert build_data.read_ar(blob) == {"debian-binary": b"2.0\n", "data.tar.xz": b"odd"}
    with pytest.raises(build_data.BuildError, match="Not a Debian package"):
        build_data.read_ar(b"PK\x03\x04")


def test_verify_deb_rejects_another_file(tmp_path):
    fake = tmp_path / "gcompris-qt-data_3.1-2_all.deb"
    fake.write_bytes(b"not the package")
    with pytest.raises(build_data.BuildError, match="is not the pinned .*Delete the file and run again"):
        build_data.verify_deb(fake)


@pytest.mark.parametrize("line, expected", [
    ("Katsushika Hokusai, The Great Wave off Kanagawa - 1823-1829", ("Katsushika Hokusai", "The Great Wave off Kanagawa", "1823-1829")),
    ("Katsushika Hokusai, Kazusa sea Route - 1830.", ("Katsushika Hokusai", "Kazusa sea Route", "1830")),
    ("Katsushika Hokusai, Oiran and Kamuro", ("Katsushika Hokusai", "Oiran and Kamuro", "")),
    ("Katsushika Hokusa, Poppies - 1833-1834", ("Katsushika Hokusai", "Poppies", "1833-1834")),
    ("Wassily Kandinsky, Composition VIII - 1923", ("Wassily Kandinsky", "Composition VIII", "1923")),
    ("Vincent van Gogh, Portrait of Pere Tanguy 1887-8", ("Vincent van Gogh", "Portrait of Pere Tanguy", "1887-8")),
    ("Giovanni Bellini, La Pala di Pesaro - 1475-85", ("Giovanni Bellini", "La Pala di Pesaro (detail: landscape)", "1475-85")),
    ("Utagawa Hiroshige, The Benzaiten Shrine at Inokashira in Snow - 1760-70", ("Utagawa Hiroshige", "The Benzaiten Shrine at Inokashira in Snow", "")),
])
def test_parse_title_line(line, expected):
    assert build_data.parse_title_line(line) == expected


def test_parse_title_line_error():
    with pytest.raises(build_data.BuildError, match="Artist, Title"):
        build_data.parse_title_line("Untitled")


BOARD = """import QtQuick 2.12

QtObject {
   property string instruction: qsTr("Katsushika Hokusai, The Great Wave off Kanagawa - 1823-1829")
   property var levels: [
      {
         "pixmapfile" : "image/GreatWave_a1.webp",
         "x" : "0.25",
         "y" : "0.5",
         "dropAreaSize" : "8"
      },
      {
         "pixmapfile" : "image/GreatWave_a2.webp",
         "x" : "0.75",
         "y" : "0.5"
      },
      {
         "type" : "SHAPE_BACKGROUND",
         "width" : 100,
         "height" : 80
      }
   ]
}
"""


def test_parse_board():
    line, width, height, pieces = build_data.parse_board(BOARD)
    assert line.startswith("Katsushika Hokusai, The Great Wave")
    assert (width, height) == (100, 80)
    assert pieces == [("image/GreatWave_a1.webp", 0.25, 0.5), ("image/GreatWave_a2.webp", 0.75, 0.5)]


def test_parse_details_board_and_gallery_titles():
    details = """QtObject {
   property string instruction: qsTr("Vincent van Gogh, The Harvest - 1888")
   property var levels: [
      { "pixmapfile" : "image/VincentVanGogh0019_background.webp", "type" : "SHAPE_BACKGROUND_IMAGE" },
      { "pixmapfile" : "image/VincentVanGogh0019_0.webp", "x" : "0.5", "y" : "0.1" }
   ]
}"""
    assert build_data.parse_details_board(details) == ("Vincent van Gogh, The Harvest - 1888",
                                                       "image/VincentVanGogh0019_background.webp")
    gallery = """    property var tab: [
        {
            "image": "qrc:/gcompris/src/activities/explore_monuments/resource/key.svg",
            "title": qsTr("Palais des Papes"),
            "text": qsTr("The Palais des Papes (Palace of the Popes) in Avignon."),
            "image2": "qrc:/gcompris/src/activities/explore_monuments/resource/france/palaisdesPapes.webp",
            "x": "0.7"
        },
        {
            "title": qsTr("No picture here"),
            "x": "0.1"
        }
    ]"""
    assert build_data.parse_gallery_titles(gallery) == {"palaisdesPapes.webp": "Palais des Papes"}
    assert build_data.title_from_name("chateaudeChambord.webp") == "Chateau de Chambord"
    assert build_data.title_from_name("palaisdesPapes.webp") == "Palais des Papes"
    assert build_data.title_from_name("long_nosed_monkey.webp") == "Long nosed monkey"


def test_compose_2x2_puzzle_restores_the_picture():
    rng = np.random.default_rng(0)
    painting = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    pieces = []
    for top in (0, 20):
        for left in (0, 30):
            tile = Image.fromarray(painting[top:top + 20, left:left + 30]).convert("RGBA")
            # the painting sits at (10, 5) on a 100x80 board; centres are fractions of the board
            pieces.append((tile, (10 + left + 15) / 100, (5 + top + 10) / 80))
    out = np.asarray(build_data.compose_puzzle(pieces, 100, 80))
    assert out.shape == (40, 60, 3)
    assert np.array_equal(out, painting)


def test_compose_uses_the_pieces_alpha():
    """Jigsaw pieces overlap with transparent tabs: only their opaque pixels may land on the painting."""
    left = np.zeros((10, 12, 4), np.uint8)
    left[:, :10] = (255, 0, 0, 255)  # opaque 10x10 red, then a 2-px transparent margin reaching into the right half
    right = np.zeros((10, 10, 4), np.uint8)
    right[:] = (0, 0, 255, 255)
    pieces = [(Image.fromarray(left, "RGBA"), 6 / 20, 5 / 10), (Image.fromarray(right, "RGBA"), 15 / 20, 5 / 10)]
    out = np.asarray(build_data.compose_puzzle(pieces, 20, 10))
    assert out.shape == (10, 20, 3)
    assert (out[:, :10] == (255, 0, 0)).all() and (out[:, 10:] == (0, 0, 255)).all()


def test_compose_fills_seam_holes_from_neighbours():
    arr = np.zeros((10, 10, 4), np.uint8)
    arr[:] = (200, 100, 50, 255)
    arr[5, 5, 3] = 0  # a transparent seam pixel
    out = np.asarray(build_data.compose_puzzle([(Image.fromarray(arr, "RGBA"), 0.5, 0.5)], 10, 10))
    assert out[5, 5].tolist() == [200, 100, 50]


def test_to_srgb_converts_an_embedded_profile_and_drops_metadata():
    srgb_bytes = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    im = Image.new("RGB", (4, 4), (10, 200, 30))
    im.info["icc_profile"] = srgb_bytes
    im.info["exif"] = b"Exif\x00\x00junk"
    out = build_data.to_srgb(im)
    assert out.mode == "RGB" and out.info == {}
    assert np.abs(np.asarray(out).astype(int) - (10, 200, 30)).max() <= 1  # sRGB -> sRGB keeps the colours
    plain = Image.new("RGBA", (2, 2), (1, 2, 3, 4))
    assert build_data.to_srgb(plain).mode == "RGB" and build_data.to_srgb(plain).getpixel((0, 0)) == (1, 2, 3)


ATTRIBUTIONS = """Copyright: Dietmar Rabich / Wikimedia Commons
Source: https://commons.wikimedia.org/wiki/File:Alpakas.jpg
License: CC-BY-SA-4.0
Comments: cropping, sharpening
Files: alpaca.webp

Copyright: 2000, 2008 Bruno Coudoin and others
License: CC-BY 4.0
EilanDonanCastle_0.webp
EilanDonanCastle_background.webp
Comment: based on a photo by Guillaume Piolle, license CC-BY 3.0, source at https://example.org/x.jpg

Copyright: Berthold Werner
License: Public Domain
Source: https://commons.wikimedia.org/wiki/File:Trier_Kaiserthermen_BW_1.JPG
Files:
germany/trierImperialBaths.webp
germany/wormsCathedral.webp
"""


def test_parse_attributions_inline_and_listed_files():
    out = build_data.parse_attributions(ATTRIBUTIONS)
    assert out["alpaca.webp"]["license"] == "CC-BY-SA-4.0"
    assert out["alpaca.webp"]["copyright"] == "Dietmar Rabich / Wikimedia Commons"
    assert out["alpaca.webp"]["comment"] == "cropping, sharpening"
    assert out["EilanDonanCastle_background.webp"]["license"] == "CC-BY 4.0"
    assert "Guillaume Piolle" in out["EilanDonanCastle_background.webp"]["comment"]
    assert out["wormsCathedral.webp"]["copyright"] == "Berthold Werner"  # keyed by basename
    assert out["trierImperialBaths.webp"]["source"].endswith("Trier_Kaiserthermen_BW_1.JPG")
    assert set(out) == {"alpaca.webp", "EilanDonanCastle_0.webp", "EilanDonanCastle_background.webp",
                        "trierImperialBaths.webp", "wormsCathedral.webp"}


def test_redistributable_licences():
    ok = ["Public Domain", "CC0-1.0", "CC-BY-SA-4.0", "CC-BY 4.0", "CC-BY-2.0", "GPLv3"]
    assert all(build_data.REDISTRIBUTABLE.match(x) for x in ok)
    assert not any(build_data.REDISTRIBUTABLE.match(x) for x in ["", "All rights reserved", "CC-BY-NC 2.0", "CC-BY-ND 4.0"])


def test_slugify():
    assert build_data.slugify("Windmill on Fanø") == "windmill-on-fano"
    assert build_data.slugify(" Château de Chenonceau ") == "chateau-de-chenonceau"
    long = build_data.slugify("hokusai Viewing Sunset over the Ryogoku Bridge from the Ommaya Embankment")
    assert len(long) <= 60 and long.endswith("-the")  # cut at a word boundary


def _deb() -> Path | None:
    env = os.environ.get("ARTGAN_DATA_DEB")
    path = Path(env) if env else ROOT / ".cache" / f"{build_data.DEB_NAME}_{build_data.DEB_VERSION}_all.deb"
    return path if path.exists() else None


def _built_with_pillow() -> str:
    match = re.search(r"Built with Pillow ([0-9][0-9.]*[0-9])", (ROOT / "data" / "README.md").read_text(encoding="utf-8"))
    assert match, "data/README.md must record the Pillow version the data was built with"
    return match.group(1)


@pytest.mark.skipif(_deb() is None, reason="the gcompris-qt-data .deb is not in .cache/ and ARTGAN_DATA_DEB is not "
                                           "set (python tools/build_data.py fetches it)")
def test_check_reproduces_committed_data(capsys):
    import PIL

    if PIL.__version__ != _built_with_pillow():
        pytest.skip(f"data/ was built with Pillow {_built_with_pillow()}, this is {PIL.__version__}: "
                    "JPEG bytes are encoder-version specific, so a byte-exact rebuild needs the same Pillow")
    code = build_data.main(["--check", "--deb", str(_deb()), "--out", str(ROOT / "data")])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    assert "OK: the rebuild reproduces" in captured.out


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian/Ubuntu) to build a test package")
@pytest.mark.parametrize("compression", ["xz", "gzip", "zstd"])
def test_read_bundles_from_a_deb(tmp_path, compression):
    """A tiny .deb built by dpkg-deb: xz and gzip are read by tarfile, zstd through `dpkg-deb --fsys-tarfile`."""
    pkg = tmp_path / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "DEBIAN" / "control").write_text("Package: t\nVersion: 1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n")
    rcc = pkg / build_data.RCC_DIR
    rcc.mkdir(parents=True)
    (rcc / "paintings.rcc").write_bytes(make_rcc(NESTED))
    (rcc / "other.rcc").write_bytes(make_rcc({"x": b"y"}))
    deb = tmp_path / "t.deb"
    subprocess.run(["dpkg-deb", f"-Z{compression}", "--root-owner-group", "--build", str(pkg), str(deb)],
                   check=True, capture_output=True)
    suffix = {"xz": "xz", "gzip": "gz", "zstd": "zst"}[compression]
    assert f"data.tar.{suffix}" in build_data.read_ar(deb.read_bytes())
    bundles = build_data.read_bundles(deb, ["paintings"])
    assert bundles == {"paintings": {"a/b/plain.txt": b"hello", "a/z.bin": b"x" * 1000 + b"end", "top.qml": b"QtObject {}"}}
    with pytest.raises(build_data.BuildError, match=r"rcc/missing\.rcc not inside"):
        build_data.read_bundles(deb, ["paintings", "missing"])


def _data_folder(path: Path, files: dict[str, bytes], card: str = "# card\n") -> Path:
    import csv
    import hashlib

    path.mkdir()
    rows = []
    for rel, body in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_bytes(body)
        rows.append({"file": rel, "title": rel, "sha256": hashlib.sha256(body).hexdigest()})
    with open(path / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "title", "sha256"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["file"]))
    (path / "README.md").write_text(card, encoding="utf-8")
    return path


def test_compare_reports_every_kind_of_difference(tmp_path):
    files = {"images/a/one.jpg": b"1", "images/a/two.jpg": b"2"}
    rebuilt = _data_folder(tmp_path / "rebuilt", files)
    assert build_data.compare(_data_folder(tmp_path / "same", files), rebuilt) == []

    committed = _data_folder(tmp_path / "committed", {**files, "images/a/two.jpg": b"changed"}, card="# old card\n")
    (committed / "images/a/one.jpg").write_bytes(b"edited after the build")
    (committed / "images/a/stray.jpg").write_bytes(b"?")
    report = "\n".join(build_data.compare(committed, rebuilt))
    assert "manifest.csv differs from the rebuild" in report
    assert re.search(r"^-images/a/two\.jpg,", report, re.M) and re.search(r"^\+images/a/two\.jpg,", report, re.M)
    assert "README.md (data card) differs" in report and "-# old card" in report
    assert "images/a/one.jpg: sha256 on disk" in report
    assert "images/a/stray.jpg: on disk but not in the committed manifest" in report
    (committed / "images/a/one.jpg").unlink()
    assert "images/a/one.jpg: listed in the committed manifest but missing" in build_data.compare(committed, rebuilt)


def test_main_fails_clearly_on_a_wrong_deb(tmp_path, capsys):
    fake = tmp_path / "fake.deb"
    fake.write_bytes(b"!<arch>\n")
    assert build_data.main(["--deb", str(fake), "--out", str(tmp_path / "out")]) == 2
    assert "error: fake.deb: sha256" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing written


def test_fetch_deb_failure_says_what_to_do(tmp_path, monkeypatch):
    def failing_run(cmd, **kwargs):
        raise subprocess.CalledProcessError(100, cmd, stderr="E: Unable to locate package gcompris-qt-data")

    monkeypatch.setattr(build_data.subprocess, "run", failing_run)
    with pytest.raises(build_data.BuildError, match=r"(?s)Unable to locate.*apt-get update.*--deb PATH"):
        build_data.fetch_deb(tmp_path)
