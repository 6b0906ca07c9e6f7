"""Checkers for 00_welcome."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


@exercise(
    "00.1",
    "scale uint8 images to the generator's [-1, 1] range",
    hint="Convert to float32 first, then map 0 -> -1 and 255 -> 1: x / 127.5 - 1.",
)
def _check_to_model_range(c: Checker) -> None:
    pixels = np.array([[[0, 127, 255]]], dtype=np.uint8)
    out = c.call(pixels.copy(), describe="a 1x1x3 uint8 image [0, 127, 255]")
    c.expect_dtype("dtype of the result", out, np.float32)
    c.expect_close("pixel values 0, 127, 255", out, np.array([[[-1.0, 127 / 127.5 - 1, 1.0]]]), atol=1e-6)

    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, size=(4, 8, 8, 3), dtype=np.uint8)
    out = c.call(batch.copy(), describe="a batch of shape (4, 8, 8, 3)")
    c.expect_shape("shape is unchanged for a batch", out, batch.shape)
    c.expect_close("values for a random batch", out, batch.astype(np.float64) / 127.5 - 1.0, atol=1e-6)
    if float(np.min(out)) < -1.0 - 1e-6 or float(np.max(out)) > 1.0 + 1e-6:
        c.fail(f"values must lie in [-1, 1]; yours span [{np.min(out):.3f}, {np.max(out):.3f}].")
    c.ok("values lie in [-1, 1]")


@exercise(
    "00.2",
    "map generator outputs in [-1, 1] back to displayable uint8 images",
    hint="Invert x / 127.5 - 1, round to the nearest integer, clip to [0, 255], then cast to uint8.",
)
def _check_to_uint8(c: Checker) -> None:
    x = np.array([[-1.0, 0.0, 1.0, 1.5, -3.0]], dtype=np.float32)
    out = c.call(x.copy(), describe="[-1, 0, 1, 1.5, -3] (the last two are out of range)")
    c.expect_dtype("dtype of the result", out, np.uint8)
    c.expect_close("values, with out-of-range inputs clipped", out, np.array([[0, 128, 255, 255, 0]]), atol=0)
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, size=(2, 5, 5, 3)).astype(np.uint8)
    back = c.call((imgs.astype(np.float32) / 127.5 - 1.0), describe="scaled images")
    c.expect_close("round trip uint8 -> [-1, 1] -> uint8 is exact", back, imgs, atol=0)
