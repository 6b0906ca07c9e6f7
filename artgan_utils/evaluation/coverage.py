"""Does a generator cover the data, and does it copy it? Mode coverage and nearest training images.

Toy mixtures (notebook 02)
--------------------------
:func:`mode_coverage` scores samples from a generator trained on a mixture of
Gaussians with known centres, the benchmark of the Unrolled GAN (Metz et al.
2017), VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018) papers:

* a sample is **high quality** if it lies within ``n_std`` (3) standard
  deviations of its nearest mode centre;
* a mode is **covered** if enough high-quality samples fall near it. The papers
  agree on the 3-sigma rule but not on "enough"; here a mode needs at least
  ``min_fraction`` (default 0.2) of the samples a perfect generator would put
  there (n / K), so a few stray points do not count as a mode;
* the **KL divergence** between the histogram of high-quality samples over
  modes and the uniform histogram measures how evenly modes are covered (0 is
  perfectly balanced).

Memorisation (notebook 04, section 6)
-------------------------------------
:func:`nearest_training_images` finds each sample's nearest training image and
compares the distance with the training set's own spacing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class ModeCoverage:
    """Result of :func:`mode_coverage`."""

    modes_covered: int
    n_modes: int
    high_quality: float  # share of samples within n_std of their nearest centre
    counts: np.ndarray  # high-quality samples per mode
    kl_to_uniform: float  # KL(histogram of covered samples || uniform), natural log
    n_samples: int

    def row(self) -> dict[str, float | int]:
        """A table row: modes covered, high-quality %, KL."""
        return {
            "modes": f"{self.modes_covered}/{self.n_modes}",
            "high-quality %": round(100 * self.high_quality, 1),
            "KL to uniform": round(self.kl_to_uniform, 3),
        }

    def __str__(self) -> str:
        return (f"{self.modes_covered}/{self.n_modes} modes covered, "
                f"{100 * self.high_quality:.1f}% high-quality samples, KL to uniform {self.kl_to_uniform:.3f}")


def mode_coverage(
    samples: ArrayLike,
    centres: ArrayLike,
    std: float,
    *,
    n_std: float = 3.0,
    min_fraction: float = 0.2,
) -> ModeCoverage:
    """Count covered modes and the share of high-quality samples.

    Parameters
    ----------
    samples:
        Generated points, shape (n, d).
    centres:
        Mode centres, shape (K, d).
    std:
        Standard deviation of each mixture component.
    n_std:
        A sample within ``n_std * std`` of its nearest centre is high quality.
    min_fraction:
        A mode is covered if it has at least ``min_fraction * n / K``
        high-quality samples (and at least one).
    """
    x = np.asarray(samples, dtype=np.float64)
    c = np.asarray(centres, dtype=np.float64)
    if x.ndim != 2 or c.ndim != 2 or x.shape[1] != c.shape[1]:
        raise ValueError(f"samples (n, d) and centres (K, d) must agree in d; got {x.shape} and {c.shape}.")
    if std <= 0:
        raise ValueError("std must be positive.")
    n, k = x.shape[0], c.shape[0]
    if n == 0:
        raise ValueError("No samples.")
    finite = np.isfinite(x).all(axis=1)
    dist = np.full((n, k), np.inf)
    dist[finite] = np.linalg.norm(x[finite, None, :] - c[None, :, :], axis=-1)
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(n), nearest] <= n_std * std
    counts = np.bincount(nearest[good], minlength=k)
    threshold = max(1.0, min_fraction * n / k)
    covered = int((counts >= threshold).sum())
    if counts.sum() > 0:
        p = counts / counts.sum()
        mask = p > 0
        kl = float(np.sum(p[mask] * np.log(p[mask] * k)))
    else:
        kl = float("inf")
    return ModeCoverage(covered, k, float(good.mean()), counts, kl, n)


# ------------------------------------------------------------------ memorisation

@dataclass(frozen=True)
class NearestNeighbours:
    """Result of :func:`nearest_training_images`: for each sample, its closest training image."""

    distances: np.ndarray  # (n_samples,) root-mean-square pixel distance, images in [-1, 1]
    indices: np.ndarray  # (n_samples,) index of the nearest training image
    train_spacing: float  # median distance between a training image and its nearest other training image

    def table(self, max_rows: int = 10) -> str:
        """Text table: sample, nearest training index, distance, distance relative to the training spacing."""
        lines = [f"{'sample':>6} {'nearest train':>13} {'RMS distance':>13} {'/ train spacing':>16}"]
        for i in range(min(max_rows, len(self.distances))):
            lines.append(f"{i:>6} {self.indices[i]:>13} {self.distances[i]:>13.4f} "
                         f"{self.distances[i] / max(self.train_spacing, 1e-12):>16.2f}")
        return "\n".join(lines)


def _flatten(images: ArrayLike) -> np.ndarray:
    arr = np.asarray(images)
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 127.5 - 1.0
    return arr.reshape(len(arr), -1).astype(np.float64)


def nearest_training_images(samples: ArrayLike, train: ArrayLike, batch: int = 256) -> NearestNeighbours:
    """Memorisation check: the distance from each generated sample to its nearest training image.

    Distances are root-mean-square pixel differences (images as uint8 or in
    [-1, 1]). A sample much closer to a training image than training images
    are to each other (ratio well below 1) is a likely copy. Computed in
    batches, so memory stays bounded.
    """
    s, t = _flatten(samples), _flatten(train)
    if s.shape[1] != t.shape[1]:
        raise ValueError(f"samples and training images differ in size: {np.shape(samples)[1:]} vs {np.shape(train)[1:]}.")
    if len(t) < 2:
        raise ValueError("Need at least two training images.")
    t_sq = (t**2).sum(axis=1)

    def nearest(x: np.ndarray, exclude_self: bool) -> tuple[np.ndarray, np.ndarray]:
        dist_out, idx_out = [], []
        for start in range(0, len(x), batch):
            chunk = x[start : start + batch]
            d2 = (chunk**2).sum(axis=1)[:, None] + t_sq[None, :] - 2.0 * chunk @ t.T
            if exclude_self:
                rows = np.arange(len(chunk))
                d2[rows, start + rows] = np.inf
            idx = d2.argmin(axis=1)
            dist_out.append(np.sqrt(np.maximum(d2[np.arange(len(chunk)), idx], 0.0) / x.shape[1]))
            idx_out.append(idx)
        return np.concatenate(dist_out), np.concatenate(idx_out)

    distances, indices = nearest(s, exclude_self=False)
    spacing, _ = nearest(t, exclude_self=True)
    return NearestNeighbours(distances, indices, float(np.median(spacing)))
