"""Distances between a set of generated images and a set of real ones: FD, KID, precision/recall, SWD.

Taught in notebook 05, section 1. Fréchet distance and KID work on *features*
(one vector per image) from an extractor (:mod:`artgan_utils.evaluation.features`),
whose name is part of the number's name; SWD works on pixels (Laplacian
pyramids). Each is checked against an independent computation in
``tests/test_metrics_distances.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

# ------------------------------------------------------------------ distribution distances
#
# The functions below compare a set of generated images with a set of real ones.
# Fréchet distance and KID work on *features* (one vector per image) from a
# feature extractor (artgan_utils.evaluation.features); which extractor was used is part of
# the number's name: "FID" means Inception-v3 pool features and nothing else.


def _as_features(x: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_images, n_features); got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinity: check the images (a diverged generator?).")
    return arr


def _psd_sqrt(a: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix (negative round-off eigenvalues clipped)."""
    w, v = np.linalg.eigh((a + a.T) / 2.0)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> float:
    """Fréchet (2-Wasserstein) distance between two Gaussians N(mu1, sigma1), N(mu2, sigma2).

    d^2 = |mu1 - mu2|^2 + tr(sigma1 + sigma2 - 2 (sigma1^1/2 sigma2 sigma1^1/2)^1/2).

    The trace term is computed from the eigenvalues of the symmetric matrix
    sigma1^1/2 sigma2 sigma1^1/2 (equal to those of sigma1 sigma2), which stays
    real and stable when the covariances are singular or nearly so (fewer
    images than feature dimensions), where ``scipy.linalg.sqrtm`` of the
    non-symmetric product returns complex round-off.
    """
    m1, m2 = np.asarray(mu1, np.float64).ravel(), np.asarray(mu2, np.float64).ravel()
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if not (m1.shape == m2.shape and s1.shape == s2.shape == (m1.size, m1.size)):
        raise ValueError(f"shapes do not match: mu {m1.shape}/{m2.shape}, sigma {s1.shape}/{s2.shape}.")
    root1 = _psd_sqrt(s1)
    middle = root1 @ s2 @ root1
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2.0), 0.0, None)).sum()
    d2 = float(((m1 - m2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2.0 * tr_sqrt)
    return max(d2, 0.0)


def frechet_distance_features(real: ArrayLike, fake: ArrayLike) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (FID when the features are Inception's)."""
    r, f = _as_features(real, "real"), _as_features(fake, "fake")
    if r.shape[1] != f.shape[1]:
        raise ValueError(f"feature sizes differ: {r.shape[1]} vs {f.shape[1]}.")
    if len(r) < 2 or len(f) < 2:
        raise ValueError("need at least 2 images per set to estimate a covariance.")
    return frechet_distance(r.mean(0), np.cov(r, rowvar=False), f.mean(0), np.cov(f, rowvar=False))


@dataclass(frozen=True)
class KID:
    """Kernel Inception Distance estimate: mean and spread over random subsets."""

    mean: float
    std: float
    subsets: int
    subset_size: int

    def __str__(self) -> str:
        return f"{self.mean:.4f} ± {self.std:.4f} ({self.subsets} subsets of {self.subset_size})"


def _poly_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: ArrayLike, y: ArrayLike) -> float:
    """Unbiased squared MMD with the cubic polynomial kernel k(a, b) = (a.b / d + 1)^3 (Bińkowski et al. 2018).

    Diagonal terms k(x_i, x_i) are left out of the within-set averages, so the
    estimate is unbiased: its expectation is 0 when x and y come from the same
    distribution (single estimates can be negative).
    """
    a, b = _as_features(x, "x"), _as_features(y, "y")
    m, n = len(a), len(b)
    if m < 2 or n < 2:
        raise ValueError("need at least 2 samples per set.")
    kxx, kyy, kxy = _poly_kernel(a, a), _poly_kernel(b, b), _poly_kernel(a, b)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2.0 * kxy.mean())


def kernel_distance(real: ArrayLike, fake: ArrayLike, subsets: int = 20, subset_size: int = 100,
                    seed: int = 0) -> KID:
    """KID: the unbiased MMD^2 averaged over ``subsets`` random subsets (without replacement within a subset).

    ``subset_size`` is capped by the smaller set. The spread (``std``) over
    subsets says how much of a difference between two models is noise.
    """
    r, f = _as_features(real, "real"), _as_features(fake, "fake")
    size = min(subset_size, len(r), len(f))
    rng = np.random.default_rng(seed)
    values = [mmd2_unbiased(r[rng.choice(len(r), size, replace=False)], f[rng.choice(len(f), size, replace=False)])
              for _ in range(subsets)]
    return KID(float(np.mean(values)), float(np.std(values)), subsets, size)


# ------------------------------------------------------------------ precision and recall


@dataclass(frozen=True)
class PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al. 2019)."""

    precision: float  # share of generated samples inside the real manifold: quality
    recall: float  # share of real samples inside the generated manifold: coverage
    k: int

    def __str__(self) -> str:
        return f"precision {self.precision:.3f}, recall {self.recall:.3f} (k={self.k})"


def _pairwise_sq(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum((a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T, 0.0)


def _kth_radius(x: np.ndarray, k: int) -> np.ndarray:
    d = _pairwise_sq(x, x)
    np.fill_diagonal(d, np.inf)
    return np.sqrt(np.partition(d, k - 1, axis=1)[:, k - 1])


def _inside(points: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    return (np.sqrt(_pairwise_sq(points, centres)) <= radii[None, :]).any(axis=1)


def precision_recall(real: ArrayLike, fake: ArrayLike, k: int = 3) -> PrecisionRecall:
    """k-NN manifold precision and recall of generated features against real ones.

    Each set's manifold is the union of balls around its points with radius the
    distance to the point's k-th nearest neighbour within the set. Precision is
    the share of fake points inside the real manifold; recall, the share of
    real points inside the fake manifold.
    """
    r, f = _as_features(real, "real"), _as_features(fake, "fake")
    if len(r) <= k or len(f) <= k:
        raise ValueError(f"need more than k={k} samples in each set.")
    return PrecisionRecall(float(_inside(f, r, _kth_radius(r, k)).mean()),
                           float(_inside(r, f, _kth_radius(f, k)).mean()), k)


# ------------------------------------------------------------------ sliced Wasserstein distance


def _binomial_blur_down(x: np.ndarray) -> np.ndarray:
    """5-tap binomial blur then 2x decimation, per channel; x: (n, h, w, c)."""
    from scipy.ndimage import convolve1d

    kernel = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0
    y = convolve1d(convolve1d(x, kernel, axis=1, mode="reflect"), kernel, axis=2, mode="reflect")
    return y[:, ::2, ::2]


def _upsample(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    from scipy.ndimage import convolve1d

    up = np.zeros((x.shape[0], shape[0], shape[1], x.shape[3]))
    up[:, ::2, ::2] = x
    kernel = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 8.0  # x2 per axis restores the mean after zero-insertion
    return convolve1d(convolve1d(up, kernel, axis=1, mode="reflect"), kernel, axis=2, mode="reflect")


def laplacian_pyramid(images: ArrayLike, levels: int) -> list[np.ndarray]:
    """Laplacian pyramid, finest level first; the last level is the coarse Gaussian residual."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 3:
        x = x[..., None]
    pyramid = []
    for _ in range(levels - 1):
        down = _binomial_blur_down(x)
        pyramid.append(x - _upsample(down, x.shape[1:3]))
        x = down
    pyramid.append(x)
    return pyramid


def _patches(level: np.ndarray, per_image: int, size: int, rng: np.random.Generator) -> np.ndarray:
    n, h, w, c = level.shape
    if h < size or w < size:
        raise ValueError(f"pyramid level {h}x{w} is smaller than the {size}x{size} descriptor.")
    ys = rng.integers(0, h - size + 1, (n, per_image))
    xs = rng.integers(0, w - size + 1, (n, per_image))
    dy, dx = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    rows = ys[..., None, None] + dy
    cols = xs[..., None, None] + dx
    out = level[np.arange(n)[:, None, None, None], rows, cols]  # (n, per_image, size, size, c)
    return out.reshape(n * per_image, size * size * c)


def sliced_wasserstein_1d(a: np.ndarray, b: np.ndarray, projections: int, rng: np.random.Generator) -> float:
    """Mean over random unit directions of the 1-D Wasserstein-1 distance between projected sets (equal sizes)."""
    dirs = rng.standard_normal((a.shape[1], projections))
    dirs /= np.linalg.norm(dirs, axis=0, keepdims=True)
    pa, pb = np.sort(a @ dirs, axis=0), np.sort(b @ dirs, axis=0)
    return float(np.abs(pa - pb).mean())


@dataclass(frozen=True)
class SWD:
    """Sliced Wasserstein distance per Laplacian-pyramid level (finest first), and their mean, all x 1e3."""

    per_level: tuple[float, ...]
    resolutions: tuple[int, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.per_level))

    def __str__(self) -> str:
        levels = ", ".join(f"{r}px {v:.1f}" for r, v in zip(self.resolutions, self.per_level))
        return f"SWD x1e3: mean {self.mean:.1f} ({levels})"


def sliced_wasserstein(real: ArrayLike, fake: ArrayLike, levels: int | None = None, patch: int = 7,
                       patches_per_image: int = 64, projections: int = 256, repeats: int = 4,
                       seed: int = 0) -> SWD:
    """Sliced Wasserstein distance between image sets on Laplacian-pyramid patches (Karras et al. 2018).

    For each pyramid level (down to 16 px), ``patches_per_image`` random
    ``patch`` x ``patch`` neighbourhoods are cut from every image; each
    descriptor coordinate is normalised by the real set's mean and standard
    deviation; the two descriptor sets are compared by the sliced Wasserstein
    distance (``repeats`` x ``projections`` random directions). Small values
    mean similar local statistics at that scale: the finest level measures
    texture and edges, coarse levels colour and layout. Needs no network, so it
    is the same number online and offline. Images: (n, h, w, c), any range,
    both sets the same size and range; equal set sizes.
    """
    a, b = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    if a.shape[1:] != b.shape[1:] or a.ndim != 4:
        raise ValueError(f"need two (n, h, w, c) sets of the same image size; got {a.shape} and {b.shape}.")
    if len(a) != len(b):
        raise ValueError(f"use the same number of real and generated images ({len(a)} vs {len(b)}).")
    side = min(a.shape[1:3])
    levels = levels or max(1, int(np.log2(side / 16)) + 1)
    rng = np.random.default_rng(seed)
    pa, pb = laplacian_pyramid(a, levels), laplacian_pyramid(b, levels)
    values, resolutions = [], []
    for la, lb in zip(pa, pb):
        da = _patches(la, patches_per_image, patch, rng)
        db = _patches(lb, patches_per_image, patch, rng)
        mu, sd = da.mean(0), da.std(0) + 1e-8
        da, db = (da - mu) / sd, (db - mu) / sd
        values.append(1e3 * np.mean([sliced_wasserstein_1d(da, db, projections, rng) for _ in range(repeats)]))
        resolutions.append(la.shape[1])
    return SWD(tuple(float(v) for v in values), tuple(resolutions))
