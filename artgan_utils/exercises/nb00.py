"""Checkers for 00_welcome."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


@exercise(
    "00.1",
    "scale 8-bit and 16-bit images to the generator's [-1, 1] range",
    hint="The formula of the text divides by half of 255, the largest uint8 value. A uint16 image's largest value is "
    "np.iinfo(np.uint16).max; np.iinfo(images.dtype).max gives it for any unsigned dtype. Convert to float32 first.",
)
def _check_to_model_range(c: Checker) -> None:
    pixels = np.array([[[0, 127, 255]]], dtype=np.uint8)
    out = c.call(pixels.copy(), describe="a 1x1x3 uint8 image [0, 127, 255]")
    c.expect_dtype("dtype of the result", out, np.float32)
    c.expect_close("uint8 pixel values 0, 127, 255", out, np.array([[[-1.0, 127 / 127.5 - 1, 1.0]]]), atol=1e-6)

    dark = np.array([[[0, 10, 100]]], dtype=np.uint8)
    out = c.call(dark.copy(), describe="a dark uint8 image [0, 10, 100]")
    if np.isclose(float(np.max(out)), 1.0, atol=1e-4):
        c.fail("a dark image's brightest pixel (100) came out as 1: scale by the largest value the *dtype* can hold, "
               "not by the image's own maximum, or every image gets stretched to full contrast.")
    c.expect_close("a dark uint8 image keeps its darkness", out, dark / 127.5 - 1.0, atol=1e-6)

    deep = np.array([[[0, 32768, 65535]]], dtype=np.uint16)
    out = c.call(deep.copy(), describe="a 1x1x3 uint16 image [0, 32768, 65535] (a 16-bit PNG)")
    c.expect_dtype("dtype of the result for uint16", out, np.float32)
    if float(np.max(out)) > 2.0:
        c.fail(f"a 16-bit image came out spanning [{np.min(out):.1f}, {np.max(out):.1f}]: uint16 values go up to 65,535, "
               "not 255, so the divisor depends on the image's dtype.")
    c.expect_close("uint16 pixel values 0, 32768, 65535", out, deep / 32767.5 - 1.0, atol=1e-5)

    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, size=(4, 8, 8, 3), dtype=np.uint8)
    out = c.call(batch.copy(), describe="a batch of shape (4, 8, 8, 3)")
    c.expect_shape("shape is unchanged for a batch", out, batch.shape)
    c.expect_close("values for a random batch", out, batch.astype(np.float64) / 127.5 - 1.0, atol=1e-6)
    c.ok("values lie in [-1, 1] for 8-bit and 16-bit images")


@exercise(
    "00.2",
    "map generator outputs in [-1, 1] back to displayable uint8 images",
    hint="Invert x / 127.5 - 1, round to the nearest integer, clip to [0, 255], then cast to uint8.",
)
def _check_to_uint8(c: Checker) -> None:
    x = np.array([[-1.0, 0.0, 1.0, 1.5, -3.0]], dtype=np.float32)
    out = c.call(x.copy(), describe="[-1, 0, 1, 1.5, -3] (the last two are out of range)")
    c.expect_dtype("dtype of the result", out, np.uint8)
    mid = c.call(np.array([[0.0, 0.999]], dtype=np.float32), describe="[0, 0.999]")
    if np.array_equal(np.asarray(mid), [[127, 254]]):
        c.fail("0 came out as 127 and 0.999 as 254: casting to uint8 cuts the fraction off (127.5 -> 127); "
               "round to the nearest integer first.")
    c.expect_close("values, with out-of-range inputs clipped", out, np.array([[0, 128, 255, 255, 0]]), atol=0)
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, size=(2, 5, 5, 3)).astype(np.uint8)
    back = c.call((imgs.astype(np.float32) / 127.5 - 1.0), describe="scaled images")
    c.expect_close("round trip uint8 -> [-1, 1] -> uint8 is exact", back, imgs, atol=0)
