"""Checkers for 07_neural_style_transfer: total variation, and keeping the photo's colours.

Each checker runs cases built so that the usual mistakes fail with a message
naming them (squared instead of absolute differences, one direction only, one
number for the whole batch; luminance and colour swapped, no clipping).
"""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise

#: ITU-R BT.601 luma weights (the Y of YIQ and YUV).
LUMA = np.array([0.299, 0.587, 0.114])


def _tv_reference(x: np.ndarray) -> np.ndarray:
    dy = np.abs(x[:, 1:] - x[:, :-1]).mean(axis=(1, 2, 3))
    dx = np.abs(x[:, :, 1:] - x[:, :, :-1]).mean(axis=(1, 2, 3))
    return dy + dx


@exercise(
    "07.1",
    "total variation of a batch of images",
    hint="Compare each pixel with its neighbour below and with its neighbour to the right (two slices of the "
    "array, each one pixel shorter), and keep one number per image.",
)
def _check_total_variation(c: Checker) -> None:
    stripes = np.zeros((1, 4, 4, 3), np.float32)
    stripes[:, :, 1::2] = 1.0  # vertical stripes: changes only from left to right
    got = np.asarray(c.call(stripes, describe="vertical stripes"), dtype=np.float64)
    if got.shape == ():
        c.fail("you returned one number; return one per image (shape (n,)): average over height, width "
               "and channels, not over the batch.")
    c.expect_shape("one value per image", got, (1,))
    if np.isclose(got[0], 0.0):
        c.fail("vertical stripes have total variation 0 in your function: you compare only vertical neighbours; "
               "add the horizontal ones.")
    c.expect_close("vertical stripes (horizontal neighbours differ by 1)", got, _tv_reference(stripes))
    flat = np.full((1, 5, 5, 3), 0.25, np.float32)
    flat[:, 2:] = 0.75  # a step of 0.5 between rows
    got = np.asarray(c.call(flat, describe="a horizontal edge of height 0.5"), dtype=np.float64)
    if np.isclose(got[0], 0.0):
        c.fail("a horizontal edge has total variation 0 in your function: you compare only horizontal "
               "neighbours; add the vertical ones.")
    if np.isclose(got[0], (0.5**2) / 4):
        c.fail("a step of 0.5 counts 0.25 in your function: you squared the differences; total variation here "
               "uses their absolute values.")
    c.expect_close("a horizontal edge of 0.5", got, _tv_reference(flat))
    rng = np.random.default_rng(7)
    batch = rng.uniform(0, 1, (3, 6, 5, 3)).astype(np.float32)
    got = np.asarray(c.call(batch, describe="3 random 6x5 images"), dtype=np.float64)
    c.expect_shape("one value per image of a batch of 3", got, (3,))
    if np.allclose(got, _tv_reference(batch) * (5 * 5 * 3)) or np.allclose(got, _tv_reference(batch) * 90):
        c.fail("your values are too large by the number of pixels: average the differences, do not sum them.")
    c.expect_close("3 random images", got, _tv_reference(batch), atol=1e-5)
    c.ok("smooth images score low, stripes and edges score by their steps")


def _luma(x: np.ndarray) -> np.ndarray:
    return x @ LUMA


def _chroma(x: np.ndarray) -> np.ndarray:
    """What is left of an RGB image once its grey level (luminance) is removed."""
    return x - _luma(x)[..., None]


@exercise(
    "07.2",
    "keep the photo's colours, take the stylised image's light and dark",
    hint="Split both images into luminance and colour (a colour space such as YIQ or YUV does this with a 3x3 "
    "matrix); combine the parts you want to keep; go back to RGB and keep the result a valid image.",
)
def _check_keep_colours(c: Checker) -> None:
    rng = np.random.default_rng(8)
    photo = rng.uniform(0.2, 0.8, (6, 7, 3)).astype(np.float32)
    stylised = rng.uniform(0.2, 0.8, (6, 7, 3)).astype(np.float32)
    got = np.asarray(c.call(photo, stylised, describe="a 6x7 photo and stylised image"), dtype=np.float64)
    c.expect_shape("same shape as the photo", got, photo.shape)
    if np.allclose(_luma(got), _luma(photo), atol=1e-3) and not np.allclose(_luma(photo), _luma(stylised), atol=1e-3):
        c.fail("your result has the photo's luminance: take the luminance from the stylised image and the colour "
               "from the photo, not the other way round.")
    c.expect_close("luminance equals the stylised image's", _luma(got), _luma(stylised), atol=2e-3)
    if np.allclose(_chroma(got), _chroma(stylised), atol=1e-3):
        c.fail("your result has the stylised image's colours: keep the photo's colour channels.")
    c.expect_close("colour (RGB minus luminance) equals the photo's", _chroma(got), _chroma(photo), atol=2e-3)
    vivid = np.zeros((2, 2, 3), np.float32)
    vivid[..., 0] = 1.0  # pure red
    bright = np.ones((2, 2, 3), np.float32)  # white: taking red's colour at white's luminance leaves [0, 1]
    got = np.asarray(c.call(vivid, bright, describe="a pure red photo, a white stylised image"), dtype=np.float64)
    if got.min() < -1e-6 or got.max() > 1 + 1e-6:
        c.fail(f"values outside [0, 1] ({got.min():.3f} .. {got.max():.3f}) for a pure red photo and a white stylised "
               "image: clip the result to the valid range.")
    c.ok("stays a valid image in [0, 1]")
