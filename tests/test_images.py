"""Users' own image files: every kind of bad or unusual input gets a clear answer.

All inputs are made here, in tmp_path: truncated and empty files, text and web
pages named .png, CMYK JPEGs, 16-bit PNG/TIFF/PGM with known values, float and
1-bit images, transparency, palettes, EXIF rotation, and headers that claim
enormous dimensions (crafted bytes, so nothing large is ever allocated).
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from artgan_utils.data import (
    MAX_PIXELS,
    ImageFolder,
    ImageFolderNotFoundError,
    ImageLoadError,
    ImageTooLargeError,
    NoImagesFoundError,
    load_image,
    load_image_folder,
)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares width x height, with a tiny (invalid) image body."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b"")


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF0 frame header is patched to declare width x height."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    # FF C0, segment length (2), precision (1), height (2), width (2)
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _mode(path) -> str:
    """The Pillow mode a file opens in (to check that a test really exercises that mode)."""
    with Image.open(path) as im:
        return im.mode


def _jpeg(arr: np.ndarray, **kwargs) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", **kwargs)
    return buf.getvalue()


@pytest.fixture
def rgb():
    """A smooth 20 x 30 picture (JPEG keeps it within a few levels) with a little noise."""
    y, x = np.mgrid[0:20, 0:30]
    noise = np.random.default_rng(0).integers(0, 8, (20, 30, 3))
    return np.clip(np.stack([x * 8, y * 12, 255 - x * 4], axis=-1) + noise, 0, 255).astype(np.uint8)


@pytest.fixture
def messy(tmp_path, rgb):
    """A user's folder: 3 good images, 4 bad ones, non-image and hidden files, a hidden folder."""
    d = tmp_path / "my_paintings"
    d.mkdir()
    Image.fromarray(rgb).save(d / "a_good.jpg", quality=95)
    jpeg = _jpeg(rgb)
    (d / "b_truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    (d / "c_empty.png").write_bytes(b"")
    (d / "d_text.png").write_text("hello, I am not an image\n")
    Image.fromarray(rgb).convert("CMYK").save(d / "e_cmyk.jpg", quality=95)
    Image.fromarray(rgb[..., 0]).save(d / "f_gray.png")
    (d / "g_huge.png").write_bytes(_png_header_only(100_000, 100_000))
    (d / "notes.txt").write_text("ignored")
    (d / ".DS_Store").write_bytes(b"\x00\x01")
    (d / "._a_good.jpg").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 60)  # macOS AppleDouble metadata
    (d / ".ipynb_checkpoints").mkdir()
    (d / ".ipynb_checkpoints" / "broken.png").write_text("never opened: hidden folders are not entered")
    return d


# ---------------------------------------------------------------- colour modes and bit depths


def test_rgb_cmyk_and_gray_become_rgb(messy, rgb):
    good = load_image(messy / "a_good.jpg")
    assert good.shape == (20, 30, 3) and good.dtype == np.uint8
    assert np.abs(good.astype(int) - rgb).mean() < 6  # JPEG is lossy, but it is the same picture
    cmyk = load_image(messy / "e_cmyk.jpg")
    assert _mode(messy / "e_cmyk.jpg") == "CMYK"
    assert cmyk.shape == (20, 30, 3) and np.abs(cmyk.astype(int) - rgb).mean() < 6
    gray = load_image(messy / "f_gray.png")
    assert gray.shape == (20, 30, 3)
    assert np.array_equal(gray[..., 0], rgb[..., 0])  # PNG is lossless
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 1], gray[..., 2])


def test_16bit_png_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 257, 32768, 65535, 128, 1000]], dtype=np.uint16)
    Image.fromarray(values).save(tmp_path / "deep.png")
    assert _mode(tmp_path / "deep.png").startswith("I;16")
    img = load_image(tmp_path / "deep.png")
    # v * 255 / 65535, rounded. Clipping would give [0, 255, 255, 255, 128, 255].
    assert img[0, :, 0].tolist() == [0, 1, 128, 255, 0, 4]
    assert np.array_equal(img[..., 0], img[..., 2])


def test_dark_16bit_image_stays_dark(tmp_path):
    """A 16-bit image whose values happen to be <= 255 is nearly black, not an 8-bit image."""
    Image.fromarray(np.array([[0, 100, 255]], dtype=np.uint16)).save(tmp_path / "dark.png")
    assert load_image(tmp_path / "dark.png")[0, :, 0].tolist() == [0, 0, 1]


def test_16bit_big_endian_tiff(tmp_path):
    Image.fromarray(np.array([[0, 257, 65535]], dtype=">u2")).save(tmp_path / "scan.tif")
    assert _mode(tmp_path / "scan.tif") == "I;16B"
    assert load_image(tmp_path / "scan.tif")[0, :, 0].tolist() == [0, 1, 255]


@pytest.mark.parametrize("maxval, samples, expected", [
    (65535, [0, 257, 65535], [0, 1, 255]),
    (4095, [0, 2048, 4095], [0, 128, 255]),  # 12-bit: Pillow rescales to 0..65535 in mode I
])
def test_16bit_pgm_read_as_mode_i(tmp_path, maxval, samples, expected):
    header = f"P5\n3 1\n{maxval}\n".encode()
    (tmp_path / "scan.pgm").write_bytes(header + np.array(samples, ">u2").tobytes())
    assert _mode(tmp_path / "scan.pgm") == "I"
    assert load_image(tmp_path / "scan.pgm")[0, :, 0].tolist() == expected


def test_signed_32bit_image_is_stretched(tmp_path):
    Image.fromarray(np.array([[-100, 0, 100]], dtype=np.int32)).save(tmp_path / "dem.tif")
    assert _mode(tmp_path / "dem.tif") == "I"
    assert load_image(tmp_path / "dem.tif")[0, :, 0].tolist() == [0, 127, 255]


@pytest.mark.parametrize("values, expected", [
    ([0.0, 0.5, 1.0, float("nan")], [0, 128, 255, 0]),  # [0, 1] floats
    ([0.0, 100.0, 300.0, -5.0], [0, 100, 255, 0]),     # [0, 255] floats, clipped
])
def test_float_images(tmp_path, values, expected):
    Image.fromarray(np.array([values], dtype=np.float32), "F").save(tmp_path / "f.tif")
    assert _mode(tmp_path / "f.tif") == "F"
    assert load_image(tmp_path / "f.tif")[0, :, 0].tolist() == expected


def test_one_bit_image(tmp_path):
    Image.fromarray(np.array([[True, False]])).convert("1").save(tmp_path / "bw.png")
    assert _mode(tmp_path / "bw.png") == "1"
    assert load_image(tmp_path / "bw.png")[0].tolist() == [[255, 255, 255], [0, 0, 0]]


def test_transparency_is_composited_over_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 255)  # opaque red
    rgba[0, 1] = (0, 0, 255, 0)    # fully transparent -> white
    rgba[1, 0] = (0, 0, 0, 128)    # half-transparent black -> mid gray
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    img = load_image(tmp_path / "alpha.png")
    assert img[0, 0].tolist() == [255, 0, 0]
    assert img[0, 1].tolist() == [255, 255, 255]
    assert 120 <= img[1, 0, 0] <= 135 and img[1, 0, 0] == img[1, 0, 2]

    la = Image.fromarray(np.array([[[0, 0], [0, 255]]], np.uint8), "LA")
    la.save(tmp_path / "la.png")
    assert load_image(tmp_path / "la.png")[0].tolist() == [[255, 255, 255], [0, 0, 0]]

    gray_key = Image.fromarray(np.array([[0, 90]], np.uint8))
    gray_key.save(tmp_path / "key.png", transparency=0)  # tRNS: gray value 0 is transparent
    assert load_image(tmp_path / "key.png")[0].tolist() == [[255, 255, 255], [90, 90, 90]]


def test_palette_images_with_and_without_transparency(tmp_path):
    pal = Image.new("P", (2, 1))
    pal.putpalette([0, 255, 0, 10, 10, 10] + [0] * 762)
    pal.putdata([0, 1])
    pal.save(tmp_path / "opaque.png")
    assert load_image(tmp_path / "opaque.png")[0].tolist() == [[0, 255, 0], [10, 10, 10]]
    pal.save(tmp_path / "transparent.png", transparency=1)
    assert _mode(tmp_path / "transparent.png") == "P"
    assert load_image(tmp_path / "transparent.png")[0].tolist() == [[0, 255, 0], [255, 255, 255]]
    pal.save(tmp_path / "anim.gif", transparency=1)
    assert load_image(tmp_path / "anim.gif")[0].tolist() == [[0, 255, 0], [255, 255, 255]]


@pytest.mark.parametrize("orientation, shape, white_corner", [
    (1, (10, 40, 3), (0, 0)),     # as stored: white block top-left
    (3, (10, 40, 3), (-1, -1)),   # rotated 180: bottom-right
    (6, (40, 10, 3), (0, -1)),    # rotate 90 clockwise to display: top-right
    (8, (40, 10, 3), (-1, 0)),    # rotate 90 counter-clockwise: bottom-left
])
def test_exif_orientation_applied(tmp_path, orientation, shape, white_corner):
    arr = np.zeros((10, 40, 3), np.uint8)
    arr[:5, :5] = 255  # a white block in the stored top-left corner
    im = Image.fromarray(arr)
    exif = im.getexif()
    exif[0x0112] = orientation
    im.save(tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95)
    img = load_image(tmp_path / "phone.jpg")
    assert img.shape == shape
    r, c = white_corner
    assert img[r, c].min() > 200, "the white block is in the corner the orientation puts it"
    assert img[-1 - r if r >= 0 else 0, -1 - c if c >= 0 else 0].max() < 50  # opposite corner is black


def test_grayscale_mode_and_resize(messy):
    gray = load_image(messy / "a_good.jpg", mode="L")
    rgb = load_image(messy / "a_good.jpg")
    assert gray.shape == (20, 30, 1) and gray.dtype == np.uint8
    luma = (rgb.astype(float) @ [0.299, 0.587, 0.114])[..., None]
    assert np.abs(gray - luma).max() <= 1
    assert load_image(messy / "a_good.jpg", size=15).shape == (10, 15, 3)  # longest side
    assert load_image(messy / "a_good.jpg", size=(8, 9)).shape == (8, 9, 3)  # (height, width)
    assert load_image(messy / "a_good.jpg", size=(8, 9), mode="L").shape == (8, 9, 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"size": 0}, "size must be"),
    ({"size": (0, 5)}, "size must be"),
    ({"size": (5, 5, 3)}, "size must be"),
    ({"size": True}, "size must be"),
    ({"mode": "RGBA"}, "mode must be"),
    ({"max_pixels": 0}, "max_pixels must be"),
])
def test_invalid_arguments_are_not_reported_as_bad_files(messy, kwargs, message):
    with pytest.raises(ValueError, match=message) as info:
        load_image(messy / "a_good.jpg", **kwargs)
    assert not isinstance(info.value, ImageLoadError), "a wrong argument is not a corrupt image"


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize("name, reason, hint", [
    ("b_truncated.jpg", "truncated JPEG file", "interrupted"),
    ("c_empty.png", r"empty file \(0 bytes\)", "Re-download or re-export"),
    ("d_text.png", "not an image: a text file", "Remove it"),
    ("missing.png", "no such file", "Check the name"),
])
def test_bad_files_name_the_file_the_reason_and_what_to_do(messy, name, reason, hint):
    with pytest.raises(ImageLoadError, match=rf"^{name}: {reason}.*\. .*{hint}") as info:
        load_image(messy / name)
    assert info.value.file == name


@pytest.mark.parametrize("content, reason", [
    (b"<!DOCTYPE html><html><body>403 Forbidden</body></html>", "HTML web page"),
    (b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n", "Git LFS pointer"),
    (b"GIF89a\x10", r"damaged GIF file"),
    (b"\x00\x01\x02\x03\xfe\xfd\xfc" * 20, "does not recognise the format"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 50, "a PDF document"),
])
def test_non_images_are_described(tmp_path, content, reason):
    (tmp_path / "x.png").write_bytes(content)
    with pytest.raises(ImageLoadError, match=rf"^x\.png: .*{reason}"):
        load_image(tmp_path / "x.png")


def test_truncated_png_and_folder_given_as_file(tmp_path, rgb):
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    (tmp_path / "cut.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageLoadError, match=r"^cut\.png: truncated PNG file"):
        load_image(tmp_path / "cut.png")
    with pytest.raises(ImageLoadError, match="is a folder.*load_image_folder"):
        load_image(tmp_path)


def test_truncated_images_setting_is_left_alone(messy):
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(ImageLoadError):
        load_image(messy / "b_truncated.jpg")
    load_image_folder(messy, on_error="skip")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is before is False


def test_errors_survive_pickling_and_plain_messages_work():
    err = pickle.loads(pickle.dumps(ImageTooLargeError("a.png", "too big", "shrink it", 10, 20, 100)))
    assert (err.file, err.width, err.height, err.max_pixels, str(err)) == ("a.png", 10, 20, 100, "a.png: too big. shrink it")
    assert str(ImageLoadError("something went wrong")) == "something went wrong"


# ---------------------------------------------------------------- size limits (decompression bombs)


@pytest.mark.parametrize("name, data, dims", [
    ("huge.png", _png_header_only(100_000, 100_000), "100000 x 100000"),
    ("huge.jpg", _jpeg_claiming(60_000, 50_000), "60000 x 50000"),
])
def test_huge_image_is_refused_fast_before_decoding(tmp_path, name, data, dims):
    (tmp_path / name).write_bytes(data)
    pillow_limit = Image.MAX_IMAGE_PIXELS
    start = time.perf_counter()
    with pytest.raises(ImageTooLargeError, match=rf"^{name}: {dims} pixels .* limit of 64 megapixels\. .*max_pixels=\d+") as info:
        load_image(tmp_path / name)
    assert time.perf_counter() - start < 2.0
    w, h = (int(v) for v in dims.split(" x "))
    assert (info.value.width, info.value.height, info.value.max_pixels) == (w, h, MAX_PIXELS)
    assert Image.MAX_IMAGE_PIXELS == pillow_limit, "Pillow's global limit is restored"


def test_max_pixels_can_be_lowered_and_raised(tmp_path):
    Image.new("RGB", (100, 50)).save(tmp_path / "p.png")
    with pytest.raises(ImageTooLargeError, match=r"100 x 50 pixels .*max_pixels=5000"):
        load_image(tmp_path / "p.png", max_pixels=4999)
    assert load_image(tmp_path / "p.png", max_pixels=5000).shape == (50, 100, 3)


def test_pillow_own_bomb_check_applies_without_our_limit(tmp_path):
    """max_pixels=None removes this module's limit, not Pillow's: still a clear error, and fast."""
    (tmp_path / "huge.png").write_bytes(_png_header_only(100_000, 100_000))
    start = time.perf_counter()
    with pytest.raises(ImageTooLargeError, match=r"^huge\.png: refused by Pillow's decompression-bomb check .*MAX_IMAGE_PIXELS"):
        load_image(tmp_path / "huge.png", max_pixels=None)
    assert time.perf_counter() - start < 2.0


# ---------------------------------------------------------------- folders


def test_folder_raise_names_first_bad_file_and_the_skip_option(messy):
    with pytest.raises(ImageLoadError, match=r"^b_truncated\.jpg: truncated JPEG file .*on_error='skip'"):
        load_image_folder(messy)


def test_folder_skip_lists_every_bad_file_and_summarises(messy):
    folder = load_image_folder(messy, on_error="skip", size=(16, 16))
    assert folder.paths == ["a_good.jpg", "e_cmyk.jpg", "f_gray.png"]
    assert isinstance(folder.images, np.ndarray) and folder.images.shape == (3, 16, 16, 3)
    assert folder.images.dtype == np.uint8 and len(folder) == 3
    reasons = dict(folder.skipped)
    assert list(reasons) == ["b_truncated.jpg", "c_empty.png", "d_text.png", "g_huge.png"]
    assert reasons["b_truncated.jpg"].startswith("truncated JPEG file")
    assert reasons["c_empty.png"] == "empty file (0 bytes)"
    assert reasons["d_text.png"] == "not an image: a text file"
    assert reasons["g_huge.png"].startswith("100000 x 100000 pixels")
    assert folder.ignored == [".DS_Store", "._a_good.jpg", ".ipynb_checkpoints/", "notes.txt"]
    summary = folder.summary()
    assert summary.startswith(
        "Loaded 3 images from my_paintings/; skipped 4: b_truncated.jpg (truncated JPEG file"
    ), summary
    assert "c_empty.png (empty file (0 bytes)), d_text.png (not an image: a text file), g_huge.png (100000 x" in summary
    assert summary.endswith("; ignored 4 non-image or hidden files.")
    assert str(messy.parent) not in summary, "no machine paths in the summary"
    assert repr(folder) == "ImageFolder(folder='my_paintings', loaded=3, skipped=4, ignored=4)"
    assert (folder.root / folder.paths[0]).is_file()


def test_summary_lists_a_few_skipped_files_and_counts_the_rest(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "ok.png")
    for i in range(8):
        (tmp_path / f"bad{i}.png").write_bytes(b"")
    folder = load_image_folder(tmp_path, on_error="skip")
    assert folder.summary().endswith("bad4.png (empty file (0 bytes)), and 3 more (see .skipped).")
    assert len(folder.skipped) == 8


def test_folder_order_recursion_and_extensions(tmp_path):
    (tmp_path / "sub").mkdir()
    Image.new("RGB", (5, 4)).save(tmp_path / "x.png")
    Image.new("RGB", (7, 3)).save(tmp_path / "sub" / "y.png")
    Image.new("RGB", (6, 6)).save(tmp_path / "b.JPG")  # upper-case extension
    Image.new("RGB", (6, 6)).save(tmp_path / "a.bmp")
    f = load_image_folder(tmp_path)
    assert f.paths == ["a.bmp", "b.JPG", "sub/y.png", "x.png"]
    assert isinstance(f.images, list) and [im.shape for im in f.images] == [(6, 6, 3), (6, 6, 3), (3, 7, 3), (4, 5, 3)]
    assert load_image_folder(tmp_path, recursive=False).paths == ["a.bmp", "b.JPG", "x.png"]
    only_png = load_image_folder(tmp_path, extensions=["png"])
    assert only_png.paths == ["sub/y.png", "x.png"] and only_png.ignored == ["a.bmp", "b.JPG"]
    # an int size keeps aspect ratios, so the result stays a list even when the shapes agree
    same = load_image_folder(tmp_path, size=6, extensions=(".jpg", ".bmp"))
    assert isinstance(same.images, list) and [im.shape for im in same.images] == [(6, 6, 3), (6, 6, 3)]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_broken_link_in_folder_is_a_bad_file(tmp_path):
    Image.new("RGB", (4, 4)).save(tmp_path / "ok.png")
    os.symlink(tmp_path / "gone.png", tmp_path / "link.png")
    folder = load_image_folder(tmp_path, on_error="skip")
    assert folder.paths == ["ok.png"]
    assert folder.skipped == [("link.png", "no such file")]


def test_folder_errors(tmp_path):
    with pytest.raises(ImageFolderNotFoundError, match=r"^No folder '.*nope'\. Check the name") as info:
        load_image_folder(tmp_path / "nope")
    assert isinstance(info.value, FileNotFoundError)
    (tmp_path / "file.png").write_bytes(b"x")
    with pytest.raises(ImageFolderNotFoundError, match="is a file, not a folder"):
        load_image_folder(tmp_path / "file.png")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoImagesFoundError, match=r"^empty/: no loadable images: it is empty"):
        load_image_folder(tmp_path / "empty")
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(NoImagesFoundError, match="none of its 1 files has an image extension"):
        load_image_folder(tmp_path / "empty")
    (tmp_path / "empty" / "bad.png").write_bytes(b"")
    with pytest.raises(NoImagesFoundError, match=r"all 1 image files were unreadable \(bad\.png: empty file"):
        load_image_folder(tmp_path / "empty", on_error="skip")
    with pytest.raises(ValueError, match="on_error must be 'raise' or 'skip'"):
        load_image_folder(tmp_path, on_error="ignore")


def test_relative_missing_folder_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ImageFolderNotFoundError, match=r"No folder 'my_paintings' \(looked for .*my_paintings: relative"):
        load_image_folder("my_paintings")


def test_result_type_is_exported_and_module_imports_no_tensorflow():
    assert ImageFolder.__name__ == "ImageFolder"
    code = "import sys, artgan_utils.data, artgan_utils.data.online; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
