"""Users' own image files: every kind of bad or unusual input gets a clear answer."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from artgan_utils.images import ImageLoadError, ImageTooLargeError, load_image, load_image_folder


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares width x height, with a tiny (invalid) image body."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


@pytest.fixture
def messy(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
    d = tmp_path / "my_paintings"
    d.mkdir()
    Image.fromarray(rgb).save(d / "a_good.jpg", quality=95)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG")
    (d / "b_truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    (d / "c_empty.png").write_bytes(b"")
    (d / "d_text.png").write_text("hello, I am not an image")
    Image.fromarray(rgb).convert("CMYK").save(d / "e_cmyk.jpg")
    Image.fromarray(rgb[..., 0]).save(d / "f_gray.png")
    (d / "g_huge.png").write_bytes(_png_header_only(100_000, 100_000))
    (d / "notes.txt").write_text("ignored")
    (d / ".DS_Store").write_bytes(b"\x00\x01")
    return d


def test_cmyk_gray_and_rgb_become_rgb(messy):
    for name in ("a_good.jpg", "e_cmyk.jpg", "f_gray.png"):
        img = load_image(messy / name)
        assert img.shape == (20, 30, 3) and img.dtype == np.uint8
    gray = load_image(messy / "f_gray.png")
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 1], gray[..., 2])


def test_16bit_png_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 257, 32768, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "deep.png")
    assert Image.open(tmp_path / "deep.png").mode.startswith("I")
    img = load_image(tmp_path / "deep.png")
    assert img[0, :, 0].tolist() == [0, 1, 128, 255]


def test_rgba_and_palette_transparency_composite_over_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)          # opaque red
    rgba[0, 1] = (0, 0, 255, 0)            # fully transparent -> white
    rgba[1, 0] = (0, 0, 0, 128)            # half-transparent black -> mid gray
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    img = load_image(tmp_path / "alpha.png")
    assert img[0, 0].tolist() == [255, 0, 0]
    assert img[0, 1].tolist() == [255, 255, 255]
    assert 120 <= img[1, 0, 0] <= 135
    pal = Image.new("P", (2, 1))
    pal.putpalette([0, 255, 0, 10, 10, 10] + [0] * 762)
    pal.putdata([0, 1])
    pal.info["transparency"] = 1
    pal.save(tmp_path / "pal.png", transparency=1)
    img = load_image(tmp_path / "pal.png")
    assert img[0].tolist() == [[0, 255, 0], [255, 255, 255]]


def test_exif_orientation_applied(tmp_path):
    arr = np.zeros((10, 40, 3), np.uint8)
    im = Image.fromarray(arr)
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    im.save(tmp_path / "phone.jpg", exif=exif.tobytes())
    assert load_image(tmp_path / "phone.jpg").shape == (40, 10, 3)


def test_resize_longest_side_and_exact(messy):
    assert load_image(messy / "a_good.jpg", size=15).shape == (10, 15, 3)
    assert load_image(messy / "a_good.jpg", size=(8, 8)).shape == (8, 8, 3)


@pytest.mark.parametrize("name, message", [
    ("b_truncated.jpg", "truncated"),
    ("c_empty.png", "empty"),
    ("d_text.png", "not an image"),
    ("missing.png", "no such file"),
])
def test_bad_files_name_the_file_and_reason(messy, name, message):
    with pytest.raises(ImageLoadError, match=rf"^{name}: .*{message}"):
        load_image(messy / name)


def test_huge_image_is_refused_fast_before_decoding(messy):
    start = time.perf_counter()
    with pytest.raises(ImageTooLargeError, match=r"g_huge\.png: 100000 x 100000 .* limit of 64 megapixels.*max_pixels="):
        load_image(messy / "g_huge.png")
    assert time.perf_counter() - start < 2.0


def test_folder_raise_names_first_bad_file_and_hint(messy):
    with pytest.raises(ImageLoadError, match=r"b_truncated\.jpg: .*on_error='skip'"):
        load_image_folder(messy)


def test_folder_skip_summary(messy):
    folder = load_image_folder(messy, on_error="skip", size=(16, 16))
    assert folder.paths == ["a_good.jpg", "e_cmyk.jpg", "f_gray.png"]
    assert isinstance(folder.images, np.ndarray) and folder.images.shape == (3, 16, 16, 3)
    assert [f for f, _ in folder.skipped] == ["b_truncated.jpg", "c_empty.png", "d_text.png", "g_huge.png"]
    summary = folder.summary()
    assert summary.startswith("Loaded 3 images from my_paintings/; skipped 4: b_truncated.jpg (truncated")
    assert "ignored 2 non-image or hidden files" in summary
    assert str(messy.parent) not in summary, "no machine paths in the summary"


def test_folder_mixed_sizes_stay_a_list_and_recursion(tmp_path):
    (tmp_path / "sub").mkdir()
    Image.new("RGB", (5, 4)).save(tmp_path / "x.png")
    Image.new("RGB", (7, 3)).save(tmp_path / "sub" / "y.png")
    f = load_image_folder(tmp_path)
    assert f.paths == ["sub/y.png", "x.png"] and isinstance(f.images, list)
    assert load_image_folder(tmp_path, recursive=False).paths == ["x.png"]


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No folder 'nope'"):
        load_image_folder(tmp_path / "nope")
    (tmp_path / "readme.txt").write_text("x")
    with pytest.raises(ImageLoadError, match="No loadable images"):
        load_image_folder(tmp_path)
    with pytest.raises(ValueError, match="on_error"):
        load_image_folder(tmp_path, on_error="ignore")
