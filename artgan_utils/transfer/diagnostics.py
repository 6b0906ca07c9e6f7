"""Detectors for the failures CycleGAN users report, to run on any translator's outputs.

Taught in notebook 09 (section "When CycleGAN fails"). Each detector returns numbers
with a documented threshold, so a learner can check a run of their own:

``checkerboard_score(image, period=2)``
    Transposed convolutions of stride ``s`` overlap unevenly and leave a grid of
    period ``s`` pixels (Odena et al. 2016, "Deconvolution and checkerboard artifacts").
    A grid of period ``p`` is a spike in the image's power spectrum at frequency
    ``1/p`` cycles per pixel. The score is the power at those frequencies divided by
    the median power of the frequencies around them: a few units for a natural image,
    hundreds for a visible grid (:data:`CHECKERBOARD_LIMIT` has the measured values).
``colour_report(output, photo, style)``
    Colour inversion and drift, the failures the identity loss is there to prevent:
    the correlation of output and photo luminance (negative = inverted tones), and
    where the output's mean colour (lαβ, :mod:`~artgan_utils.transfer.classical`) moved:
    ``toward_style`` is the share of the photo-to-style colour difference the output
    covered along that direction (0 = kept the photo's colours, 1 = reached the
    style's), ``off_axis`` the size of the move in any other direction, relative to
    the photo-to-style distance (above :data:`DRIFT_LIMIT` and above ``toward_style``:
    a tint the style does not have).
``copy_score(output, photo)``
    Mean absolute difference in [0, 1] units. Below :data:`COPY_LIMIT` the generator
    returns its input almost unchanged: the collapse that too strong an identity loss
    (or a discriminator that has won) produces.

``diagnose(outputs, photos, style)`` applies all of them and names what it finds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from artgan_utils.transfer.classical import rgb_to_lab

#: ``diagnose`` flags a set of outputs whose median checkerboard score is above this. The 12
#: comparison photos at 256 px score 0.5-5.1 (median 1.4); a grid of amplitude 0.005 on a smooth
#: image scores hundreds, an untrained CycleGAN generator (transposed convolutions) about 400.
CHECKERBOARD_LIMIT = 10.0
#: Colour drift: the mean colour moved sideways by more than this share of the photo-to-style distance
#: (and more than it moved toward the style).
DRIFT_LIMIT = 0.5
#: A mean absolute change below this (in [0, 1] units) is a copy of the input.
COPY_LIMIT = 0.03
_LUMA = np.array([0.299, 0.587, 0.114])


def _rgb(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"{name}: expected an RGB image (h, w, 3) in [0, 1]; got shape {x.shape}.")
    return x


def power_spectrum(image) -> np.ndarray:
    """Power of the luminance's 2-D Fourier transform, zero frequency at the corner.

    The mean is removed and a Hann window applied first, so that the jump between opposite
    borders (the transform treats the image as a tile) does not spread power along the axes.
    """
    lum = _rgb(image, "image") @ _LUMA
    window = np.outer(np.hanning(lum.shape[0]), np.hanning(lum.shape[1]))
    return np.abs(np.fft.fft2((lum - lum.mean()) * window)) ** 2


def checkerboard_score(image, period: int = 2, radius: int = 4) -> float:
    """Power at the frequencies of a ``period``-pixel grid over the median power around them (1 = no grid).

    The image is cropped to sides that are multiples of ``period`` (so that the grid
    frequency is exactly one Fourier bin). The surroundings are the frequencies within
    ``radius`` bins, leaving out the peak's immediate neighbours (where the window spreads
    it). Averages the horizontal, vertical and diagonal grid frequencies.
    """
    x = _rgb(image, "image")
    if min(x.shape[:2]) < 4 * period:
        raise ValueError(f"checkerboard_score needs an image of at least {4 * period} pixels a side; got {x.shape}.")
    power = power_spectrum(x[: x.shape[0] // period * period, : x.shape[1] // period * period])
    h, w = power.shape
    ring = np.ones((2 * radius + 1, 2 * radius + 1), bool)
    ring[radius - 1: radius + 2, radius - 1: radius + 2] = False
    ratios = []
    for fy, fx in ((h // period, 0), (0, w // period), (h // period, w // period)):
        ys = np.arange(fy - radius, fy + radius + 1) % h
        xs = np.arange(fx - radius, fx + radius + 1) % w
        patch = power[np.ix_(ys, xs)]
        ratios.append(patch[radius, radius] / max(float(np.median(patch[ring])), 1e-12))
    return float(np.mean(ratios))


def _mean_lab(images) -> np.ndarray:
    images = [images] if isinstance(images, np.ndarray) and images.ndim == 3 else list(images)
    return np.concatenate([rgb_to_lab(np.clip(_rgb(x, "image"), 0, 1).reshape(-1, 3)) for x in images]).mean(0)


def colour_report(output, photo, style) -> dict:
    """Luminance correlation with the photo, and how the mean colour moved relative to the style's."""
    out, ref = _rgb(output, "output"), _rgb(photo, "photo")
    if out.shape != ref.shape:
        raise ValueError(f"output {out.shape} and photo {ref.shape} must have the same shape.")
    correlation = float(np.corrcoef((out @ _LUMA).ravel(), (ref @ _LUMA).ravel())[0, 1])
    start, target, got = _mean_lab(ref), _mean_lab(style), _mean_lab(out)
    axis, move = target - start, got - start
    distance = max(float(np.linalg.norm(axis)), 1e-6)
    along = float(move @ axis) / distance
    off = float(np.linalg.norm(move - along * axis / distance))
    return {"luminance_correlation": correlation, "toward_style": along / distance, "off_axis": off / distance}


def copy_score(output, photo) -> float:
    """Mean absolute difference between output and input, in [0, 1] units (below ``COPY_LIMIT``: a copy)."""
    out, ref = _rgb(output, "output"), _rgb(photo, "photo")
    if out.shape != ref.shape:
        raise ValueError(f"output {out.shape} and photo {ref.shape} must have the same shape.")
    return float(np.mean(np.abs(out - ref)))


def diagnose(outputs: Sequence[np.ndarray], photos: Sequence[np.ndarray], style, period: int = 2) -> dict:
    """All detectors over paired outputs and photos: medians, and the failures found (``problems``)."""
    if len(outputs) != len(photos) or not outputs:
        raise ValueError(f"Give the same number (>0) of outputs and photos; got {len(outputs)} and {len(photos)}.")
    grid = [checkerboard_score(o, period) for o in outputs]
    colours = [colour_report(o, p, style) for o, p in zip(outputs, photos)]
    copies = [copy_score(o, p) for o, p in zip(outputs, photos)]
    found = {
        "checkerboard": float(np.median(grid)),
        "luminance_correlation": float(np.median([c["luminance_correlation"] for c in colours])),
        "toward_style": float(np.median([c["toward_style"] for c in colours])),
        "off_axis": float(np.median([c["off_axis"] for c in colours])),
        "copy": float(np.median(copies)),
    }
    problems = []
    if found["checkerboard"] > CHECKERBOARD_LIMIT:
        problems.append(f"checkerboard: power at the {period}-pixel grid frequency is {found['checkerboard']:.0f}x "
                        f"its surroundings (limit {CHECKERBOARD_LIMIT:.0f}); from stride-2 transposed convolutions (try "
                        f"upsample='resize') or from nearest-neighbour upsampling the next convolution has not learned "
                        f"to smooth (train longer)")
    if found["luminance_correlation"] < 0:
        problems.append("inverted tones: output luminance is anti-correlated with the photo's; keep the identity loss")
    if found["off_axis"] > DRIFT_LIMIT and found["off_axis"] > abs(found["toward_style"]):
        problems.append("colour drift: the mean colour moved away from both the photo's and the style's; "
                        "keep (or raise) the identity loss")
    if found["copy"] < COPY_LIMIT:
        problems.append(f"copy of the input: mean change {found['copy']:.3f} < {COPY_LIMIT}; lower the identity "
                        "weight or check that the discriminator is not winning outright")
    return found | {"problems": problems}
