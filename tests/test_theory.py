"""The GAN objective, checked against closed forms and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.spatial.distance import jensenshannon

from artgan_utils.teaching import theory

X = theory.grid(-20, 20, 8001)  # wide enough that every density used here integrates to 1


def test_gaussian_pdf_matches_scipy():
    np.testing.assert_allclose(theory.gaussian_pdf(X, 1.5, 0.7), stats.norm(1.5, 0.7).pdf(X), rtol=1e-12)
    with pytest.raises(ValueError):
        theory.gaussian_pdf(X, 0, 0)


def test_optimal_discriminator_is_half_when_equal_and_safe_where_both_zero():
    p = theory.gaussian_pdf(X)
    np.testing.assert_allclose(theory.optimal_discriminator(p, p), 0.5)
    d = theory.optimal_discriminator(np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 2.0]))
    assert d.tolist() == [0.5, 1.0, 0.0]
    with pytest.raises(ValueError, match="same shape"):
        theory.optimal_discriminator(p, p[:-1])


def test_d_star_maximises_v_pointwise():
    p, q = theory.gaussian_pdf(X, 0, 1), theory.gaussian_pdf(X, 1.5, 0.8)
    best = theory.value_function(theory.optimal_discriminator(p, q), p, q, X)
    rng = np.random.default_rng(0)
    for _ in range(20):
        other = np.clip(theory.optimal_discriminator(p, q) + 0.05 * rng.standard_normal(X.shape), 0.01, 0.99)
        assert theory.value_function(other, p, q, X) < best


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (2.0, 1.0), (-1.0, 0.5), (3.0, 2.5)])
def test_v_at_d_star_equals_minus_log4_plus_2js(mu, sigma):
    p, q = theory.gaussian_pdf(X, 0, 1), theory.gaussian_pdf(X, mu, sigma)
    v = theory.value_function(theory.optimal_discriminator(p, q), p, q, X)
    js = theory.js_divergence(p, q, X)
    assert v == pytest.approx(-np.log(4) + 2 * js, abs=1e-6)


def test_js_identical_zero_disjoint_log2_and_matches_scipy_quadrature():
    p = theory.gaussian_pdf(X, 0, 1)
    assert theory.js_divergence(p, p, X) == pytest.approx(0.0, abs=1e-12)
    far = theory.gaussian_pdf(X, 10, 0.3)
    near0 = theory.gaussian_pdf(X, -6, 0.3)
    assert theory.js_divergence(near0, far, X) == pytest.approx(np.log(2), abs=1e-6)
    q = theory.gaussian_pdf(X, 1, 2)
    m = 0.5 * (p + q)
    f = lambda t: 0.5 * stats.norm(0, 1).pdf(t) * np.log(stats.norm(0, 1).pdf(t) / (0.5 * stats.norm(0, 1).pdf(t) + 0.5 * stats.norm(1, 2).pdf(t))) \
        + 0.5 * stats.norm(1, 2).pdf(t) * np.log(stats.norm(1, 2).pdf(t) / (0.5 * stats.norm(0, 1).pdf(t) + 0.5 * stats.norm(1, 2).pdf(t)))
    ref, _ = integrate.quad(f, -12, 12, limit=200)
    assert theory.js_divergence(p, q, X) == pytest.approx(ref, abs=1e-6)
    assert m.sum() > 0


def test_kl_closed_form_for_gaussians():
    p, q = theory.gaussian_pdf(X, 0, 1), theory.gaussian_pdf(X, 1, 2)
    closed = np.log(2 / 1) + (1 + 1) / (2 * 4) - 0.5
    assert theory.kl_divergence(p, q, X) == pytest.approx(closed, abs=1e-6)
    assert theory.kl_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.0, 1.0])) == float("inf")


def test_js_discrete_matches_scipy_and_validates():
    rng = np.random.default_rng(1)
    for _ in range(10):
        p, q = rng.random(7), rng.random(7)
        p, q = p / p.sum(), q / q.sum()
        assert theory.js_divergence_discrete(p, q) == pytest.approx(jensenshannon(p, q) ** 2, abs=1e-12)
    assert theory.js_divergence_discrete([1, 0], [0, 1]) == pytest.approx(np.log(2))
    with pytest.raises(ValueError, match="sums to 3"):
        theory.js_divergence_discrete([1, 2], [0.5, 0.5])
    with pytest.raises(ValueError, match="negative"):
        theory.js_divergence_discrete([1.5, -0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="same shape"):
        theory.js_divergence_discrete([1.0], [0.5, 0.5])


def test_monte_carlo_value_agrees_with_quadrature():
    rng = np.random.default_rng(0)
    mu, sigma = 1.0, 1.5
    d = lambda t: theory.optimal_discriminator(theory.gaussian_pdf(t, 0, 1), theory.gaussian_pdf(t, mu, sigma))
    mc = theory.value_function_mc(d, rng.normal(0, 1, 400_000), rng.normal(mu, sigma, 400_000))
    p, q = theory.gaussian_pdf(X), theory.gaussian_pdf(X, mu, sigma)
    assert mc == pytest.approx(theory.value_function(d(X), p, q, X), abs=5e-3)


def test_generator_losses_and_gradients():
    d = np.array([0.01, 0.5, 0.99])
    np.testing.assert_allclose(theory.saturating_loss(d), np.log(1 - d))
    np.testing.assert_allclose(theory.non_saturating_loss(d), -np.log(d))
    # numerical derivatives w.r.t. D and w.r.t. the logit
    h = 1e-6
    np.testing.assert_allclose(theory.saturating_grad_wrt_d(d), (theory.saturating_loss(d + h) - theory.saturating_loss(d - h)) / (2 * h), rtol=1e-4)
    np.testing.assert_allclose(theory.non_saturating_grad_wrt_d(d), (theory.non_saturating_loss(d + h) - theory.non_saturating_loss(d - h)) / (2 * h), rtol=1e-4)
    a = np.log(d / (1 - d))
    sig = lambda t: 1 / (1 + np.exp(-t))
    np.testing.assert_allclose(theory.saturating_grad_wrt_logit(d), (np.log(1 - sig(a + h)) - np.log(1 - sig(a - h))) / (2 * h), rtol=1e-4)
    np.testing.assert_allclose(theory.non_saturating_grad_wrt_logit(d), (-np.log(sig(a + h)) + np.log(sig(a - h))) / (2 * h), rtol=1e-4)
    # the point of the non-saturating loss: a strong gradient when D rejects the fakes
    assert abs(theory.non_saturating_grad_wrt_logit(0.01)) > 90 * abs(theory.saturating_grad_wrt_logit(0.01))


def test_discriminator_loss_is_bce():
    r, f = np.array([0.9, 0.8]), np.array([0.2, 0.4])
    expected = -np.mean(np.log(r)) - np.mean(np.log(1 - f))
    assert theory.discriminator_loss(r, f) == pytest.approx(expected)
    assert np.isfinite(theory.discriminator_loss([1.0], [0.0]))
