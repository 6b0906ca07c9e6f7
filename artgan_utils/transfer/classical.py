"""Two classical colour-transfer baselines, no learning: Reinhard et al. (2001) and histogram matching.

Taught in notebook 09 (the comparison): every learned method of notebooks 07-09 must
beat these at the style score to have learned more than a palette.

``reinhard(photo, style)``
    Reinhard, Ashikhmin, Gooch & Shirley, "Color Transfer between Images" (2001): convert
    to the decorrelated lαβ space of Ruderman et al. (log LMS cone responses), then give
    each channel of the photo the mean and standard deviation of the style's.
``histogram_match(photo, style)``
    Per RGB channel, map the photo's values through its cumulative histogram onto the
    style's, so each channel ends with the style's distribution of values.

``style`` may be one image or a list of them (their pixels pooled). Images are (h, w, 3)
float in [0, 1]; outputs too, the photo's size.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Reinhard et al. (2001), eqs. 1-6: RGB -> LMS, then log10 LMS -> l alpha beta.
_RGB_TO_LMS = np.array([[0.3811, 0.5783, 0.0402], [0.1967, 0.7244, 0.0782], [0.0241, 0.1288, 0.8444]])
_LOG_LMS_TO_LAB = np.diag([1 / np.sqrt(3), 1 / np.sqrt(6), 1 / np.sqrt(2)]) @ np.array(
    [[1, 1, 1], [1, 1, -2], [1, -1, 0]], dtype=float)
_EPS = 1e-4  # LMS floor before the logarithm (black pixels)


def _check(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[-1] != 3:
        raise ValueError(f"{name}: expected an RGB image (h, w, 3) in [0, 1]; got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: the image contains NaN or infinite values.")
    return np.clip(x, 0.0, 1.0)


def _pixels(style: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
    styles = [style] if isinstance(style, np.ndarray) and style.ndim == 3 else list(style)
    if not styles:
        raise ValueError("No style image given.")
    return np.concatenate([_check(s, "style").reshape(-1, 3) for s in styles])


def rgb_to_lab(pixels: np.ndarray) -> np.ndarray:
    """(n, 3) RGB in [0, 1] -> Ruderman's lαβ (Reinhard's eqs. 1-4)."""
    lms = np.maximum(pixels @ _RGB_TO_LMS.T, _EPS)
    return np.log10(lms) @ _LOG_LMS_TO_LAB.T


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """The inverse of :func:`rgb_to_lab` (values may leave [0, 1]; clip afterwards)."""
    lms = 10.0 ** (lab @ np.linalg.inv(_LOG_LMS_TO_LAB).T)
    return lms @ np.linalg.inv(_RGB_TO_LMS).T


def reinhard(photo, style) -> np.ndarray:
    """The photo with the lαβ channel means and standard deviations of the style image(s)."""
    x = _check(photo, "photo")
    src, ref = rgb_to_lab(x.reshape(-1, 3)), rgb_to_lab(_pixels(style))
    scale = ref.std(axis=0) / np.maximum(src.std(axis=0), 1e-6)
    out = (src - src.mean(axis=0)) * scale + ref.mean(axis=0)
    return np.clip(lab_to_rgb(out), 0, 1).reshape(x.shape).astype(np.float32)


def histogram_match(photo, style) -> np.ndarray:
    """Each RGB channel of the photo mapped onto the style's distribution of that channel (ranks kept)."""
    x = _check(photo, "photo")
    ref = _pixels(style)
    out = np.empty_like(x)
    quantiles = np.linspace(0.0, 1.0, 1025)
    for c in range(3):
        channel = x[..., c].ravel()
        # the photo's cumulative distribution at each pixel (ties share a value) ...
        values, inverse, counts = np.unique(channel, return_inverse=True, return_counts=True)
        cdf = (np.cumsum(counts) - 0.5 * counts) / channel.size
        # ... read off the style's quantile function
        out[..., c] = np.interp(cdf, quantiles, np.quantile(ref[:, c], quantiles))[inverse].reshape(x.shape[:2])
    return out.astype(np.float32)
