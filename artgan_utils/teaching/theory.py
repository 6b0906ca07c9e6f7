r"""The GAN objective in numbers: value function, optimal discriminator, divergences.

Taught in notebook 01.

Goodfellow et al. (2014) define the two-player game

.. math::

    \min_G \max_D V(D, G) = \mathbb{E}_{x \sim p_{data}}[\log D(x)]
                          + \mathbb{E}_{z \sim p_z}[\log(1 - D(G(z)))] .

For a fixed generator with density :math:`p_g`, the best discriminator is
:math:`D^*(x) = p_{data}(x) / (p_{data}(x) + p_g(x))`, and at that discriminator
:math:`V(D^*, G) = -\log 4 + 2\,\mathrm{JS}(p_{data} \,\|\, p_g)`.

Everything here is NumPy on 1-D grids (densities sampled at points ``x``),
so each step of the derivation can be checked numerically. Logarithms are
natural (JS is then at most :math:`\log 2`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

EPS = 1e-12


def gaussian_pdf(x: ArrayLike, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """Density of N(mean, std^2) at ``x``."""
    if std <= 0:
        raise ValueError(f"std must be positive, got {std}.")
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2.0 * np.pi))


def grid(low: float = -8.0, high: float = 8.0, n: int = 2001) -> np.ndarray:
    """An evenly spaced integration grid."""
    return np.linspace(low, high, n)


def integrate(values: ArrayLike, x: ArrayLike) -> float:
    """Trapezoidal integral of ``values`` sampled at ``x``."""
    return float(np.trapezoid(np.asarray(values, dtype=np.float64), np.asarray(x, dtype=np.float64)))


def optimal_discriminator(p_data: ArrayLike, p_g: ArrayLike) -> np.ndarray:
    r""":math:`D^*(x) = p_{data}(x) / (p_{data}(x) + p_g(x))`, elementwise.

    Where both densities are 0 the value is undefined; we return 0.5 (the
    discriminator cannot tell, and the point carries no probability mass).
    """
    p = np.asarray(p_data, dtype=np.float64)
    q = np.asarray(p_g, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"p_data and p_g must have the same shape, got {p.shape} and {q.shape}.")
    if (p < 0).any() or (q < 0).any():
        raise ValueError("Densities must be non-negative.")
    total = p + q
    return np.divide(p, total, out=np.full_like(total, 0.5), where=total > 0)


def value_function(d: ArrayLike, p_data: ArrayLike, p_g: ArrayLike, x: ArrayLike) -> float:
    r""":math:`V(D, G) = \int p_{data} \log D + \int p_g \log(1 - D)`, by quadrature.

    ``d`` holds the discriminator's probabilities at ``x``. Terms where a
    density is 0 contribute 0 (the convention :math:`0 \log 0 = 0`).
    """
    d = np.clip(np.asarray(d, dtype=np.float64), EPS, 1.0 - EPS)
    p = np.asarray(p_data, dtype=np.float64)
    q = np.asarray(p_g, dtype=np.float64)
    return integrate(p * np.log(d), x) + integrate(q * np.log1p(-d), x)


def value_function_mc(discriminator, data_samples: ArrayLike, generated_samples: ArrayLike) -> float:
    """Monte-Carlo estimate of V: mean log D(x_real) + mean log(1 - D(x_fake)).

    ``discriminator`` maps an array of points to probabilities.
    """
    d_real = np.clip(np.asarray(discriminator(np.asarray(data_samples)), dtype=np.float64), EPS, 1 - EPS)
    d_fake = np.clip(np.asarray(discriminator(np.asarray(generated_samples)), dtype=np.float64), EPS, 1 - EPS)
    return float(np.mean(np.log(d_real)) + np.mean(np.log1p(-d_fake)))


def kl_divergence(p: ArrayLike, q: ArrayLike, x: ArrayLike) -> float:
    r""":math:`\mathrm{KL}(p \| q) = \int p \log(p / q)`, by quadrature (``inf`` if p > 0 where q = 0)."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if ((p > 0) & (q <= 0)).any():
        return float("inf")
    mask = p > 0
    integrand = np.zeros_like(p)
    integrand[mask] = p[mask] * np.log(p[mask] / q[mask])
    return integrate(integrand, x)


def js_divergence(p: ArrayLike, q: ArrayLike, x: ArrayLike) -> float:
    r"""Jensen-Shannon divergence of two densities on a grid.

    :math:`\mathrm{JS}(p \| q) = \tfrac12 \mathrm{KL}(p \| m) + \tfrac12 \mathrm{KL}(q \| m)`
    with :math:`m = (p + q) / 2`; natural log, so :math:`0 \le \mathrm{JS} \le \log 2`.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    total = p + q

    def half_kl(a: np.ndarray) -> float:
        # a log(a / m) with m = (p + q) / 2, written as a log(2a / (p + q)) so that a tiny
        # (subnormal) a never meets an m that underflowed to 0.
        mask = a > 0
        integrand = np.zeros_like(a)
        integrand[mask] = a[mask] * (np.log(2.0) + np.log(a[mask]) - np.log(total[mask]))
        return 0.5 * integrate(integrand, x)

    return max(0.0, half_kl(p) + half_kl(q))  # never a rounding-error "-0.0000"


def js_divergence_discrete(p: ArrayLike, q: ArrayLike) -> float:
    r"""Jensen-Shannon divergence of two discrete distributions (natural log).

    Inputs are probability vectors of the same shape: non-negative and summing
    to 1 (within 1e-6). Unnormalised counts are refused rather than silently
    normalised, so a mistake upstream cannot hide; divide by the sum first.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}.")
    for name, v in (("p", p), ("q", q)):
        if (v < 0).any():
            raise ValueError(f"{name} has negative entries.")
        if not np.isclose(v.sum(), 1.0, atol=1e-6):
            raise ValueError(f"{name} sums to {v.sum():.6g}, not 1; normalise it (v / v.sum()) first.")
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        mask = a > 0
        return float(np.sum(a[mask] * np.log(a[mask] / m[mask])))

    return 0.5 * kl(p) + 0.5 * kl(q)


# ----------------------------------------------------------------- generator losses

def saturating_loss(d_fake: ArrayLike) -> np.ndarray:
    r"""The generator's original (minimax) loss :math:`\log(1 - D(G(z)))`, to minimise."""
    d = np.clip(np.asarray(d_fake, dtype=np.float64), EPS, 1 - EPS)
    return np.log1p(-d)


def non_saturating_loss(d_fake: ArrayLike) -> np.ndarray:
    r"""The non-saturating generator loss :math:`-\log D(G(z))`, to minimise."""
    d = np.clip(np.asarray(d_fake, dtype=np.float64), EPS, 1 - EPS)
    return -np.log(d)


def saturating_grad_wrt_logit(d_fake: ArrayLike) -> np.ndarray:
    r"""d/da of :math:`\log(1 - \sigma(a))` where :math:`D = \sigma(a)`: equals :math:`-D`.

    When the discriminator confidently rejects fakes (D -> 0, early in training)
    this gradient vanishes: the generator learns nothing. That is the
    "saturation".
    """
    return -np.asarray(d_fake, dtype=np.float64)


def non_saturating_grad_wrt_logit(d_fake: ArrayLike) -> np.ndarray:
    r"""d/da of :math:`-\log \sigma(a)`: equals :math:`-(1 - D)`, largest when D -> 0."""
    return -(1.0 - np.asarray(d_fake, dtype=np.float64))


def saturating_grad_wrt_d(d_fake: ArrayLike) -> np.ndarray:
    r"""d/dD of :math:`\log(1 - D)` = :math:`-1 / (1 - D)`."""
    d = np.clip(np.asarray(d_fake, dtype=np.float64), EPS, 1 - EPS)
    return -1.0 / (1.0 - d)


def non_saturating_grad_wrt_d(d_fake: ArrayLike) -> np.ndarray:
    r"""d/dD of :math:`-\log D` = :math:`-1 / D`."""
    d = np.clip(np.asarray(d_fake, dtype=np.float64), EPS, 1 - EPS)
    return -1.0 / d


def discriminator_loss(d_real: ArrayLike, d_fake: ArrayLike) -> float:
    r"""The loss the discriminator minimises: :math:`-\frac1n\sum\log D(x) - \frac1m\sum\log(1 - D(G(z)))`.

    That is :math:`-V` estimated on a batch, i.e. binary cross-entropy with
    label 1 for real and 0 for generated samples (summed over the two halves).
    """
    r = np.clip(np.asarray(d_real, dtype=np.float64), EPS, 1 - EPS)
    f = np.clip(np.asarray(d_fake, dtype=np.float64), EPS, 1 - EPS)
    return float(-np.mean(np.log(r)) - np.mean(np.log1p(-f)))
