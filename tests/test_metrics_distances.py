"""Fréchet distance, KID, precision/recall and SWD against independent computations and known cases."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from artgan_utils.evaluation import metrics


def _random_cov(d, rng, rank=None):
    a = rng.standard_normal((d, rank or d))
    return a @ a.T / (rank or d)


def _fd_reference(mu1, s1, mu2, s2):
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean.real))


def test_frechet_distance_matches_closed_form_for_diagonal_gaussians():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    sd1, sd2 = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.5])
    expected = ((mu1 - mu2) ** 2).sum() + ((sd1 - sd2) ** 2).sum()  # W2 between diagonal Gaussians
    assert metrics.frechet_distance(mu1, np.diag(sd1**2), mu2, np.diag(sd2**2)) == pytest.approx(expected, rel=1e-12)


def test_frechet_distance_agrees_with_scipy_sqrtm_on_full_covariances():
    rng = np.random.default_rng(0)
    for d in (2, 10, 40):
        s1, s2 = _random_cov(d, rng), _random_cov(d, rng)
        mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
        assert metrics.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(_fd_reference(mu1, s1, mu2, s2), rel=1e-8)


def test_frechet_distance_is_stable_on_singular_covariances():
    rng = np.random.default_rng(1)
    s = _random_cov(64, rng, rank=10)  # 10 images, 64 features: rank-deficient
    assert metrics.frechet_distance(np.zeros(64), s, np.zeros(64), s) == pytest.approx(0.0, abs=1e-9)
    s2 = _random_cov(64, rng, rank=10)
    d = metrics.frechet_distance(np.zeros(64), s, np.zeros(64), s2)
    assert np.isfinite(d) and d > 0
    # the same value as a well-conditioned computation with a tiny ridge
    eps = 1e-10 * np.eye(64)
    assert d == pytest.approx(_fd_reference(np.zeros(64), s + eps, np.zeros(64), s2 + eps), rel=1e-4)


def test_frechet_distance_of_samples_of_shifted_gaussians():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((20000, 4))
    y = rng.standard_normal((20000, 4)) + np.array([1.0, 0.0, 0.0, 2.0])
    assert metrics.frechet_distance_features(x, y) == pytest.approx(5.0, rel=0.03)
    assert metrics.frechet_distance_features(x, x) == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="NaN"):
        metrics.frechet_distance_features(x, np.full((3, 4), np.nan))
    with pytest.raises(ValueError, match="feature sizes differ"):
        metrics.frechet_distance_features(x, y[:, :3])


def test_mmd2_unbiased_matches_a_double_loop():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((7, 5)), rng.standard_normal((6, 5)) + 0.3
    k = lambda a, b: (a @ b / 5 + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    yy = sum(k(y[i], y[j]) for i in range(6) for j in range(6) if i != j) / (6 * 5)
    xy = sum(k(x[i], y[j]) for i in range(7) for j in range(6)) / (7 * 6)
    assert metrics.mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)


def test_kid_is_unbiased_around_zero_for_one_distribution_and_positive_otherwise():
    rng = np.random.default_rng(4)
    same = [metrics.mmd2_unbiased(rng.standard_normal((50, 16)), rng.standard_normal((50, 16))) for _ in range(300)]
    # mean of 300 unbiased estimates: within 4 standard errors of 0 (a biased estimator sits well above)
    assert abs(np.mean(same)) < 4 * np.std(same) / np.sqrt(len(same))
    assert min(same) < 0 < max(same)
    x, y = rng.standard_normal((400, 16)), rng.standard_normal((400, 16)) + 0.5
    kid = metrics.kernel_distance(x, y, subsets=10, subset_size=100)
    assert kid.mean > 5 * kid.std and kid.subset_size == 100 and "±" in str(kid)
    assert metrics.kernel_distance(x, x[:30], subsets=3).subset_size == 30


def test_precision_recall_against_brute_force_and_collapse():
    rng = np.random.default_rng(5)
    real, fake = rng.standard_normal((40, 3)), rng.standard_normal((30, 3)) * 0.5

    def brute(a, b, k):  # share of b inside a's k-NN balls
        radius = [sorted(np.linalg.norm(a - a[i], axis=1))[k] for i in range(len(a))]  # [0] is the point itself
        return np.mean([any(np.linalg.norm(p - a[i]) <= radius[i] for i in range(len(a))) for p in b])

    pr = metrics.precision_recall(real, fake, k=3)
    assert pr.precision == pytest.approx(brute(real, fake, 3))
    assert pr.recall == pytest.approx(brute(fake, real, 3))
    big = rng.standard_normal((600, 3))
    collapsed = big[:600] * 0.05  # every fake near the centre: realistic but no variety
    pr = metrics.precision_recall(big, collapsed)
    assert pr.precision > 0.95 and pr.recall < 0.1
    same = metrics.precision_recall(big, rng.standard_normal((600, 3)))
    assert same.precision > 0.85 and same.recall > 0.85


def test_laplacian_pyramid_reconstructs_the_image():
    rng = np.random.default_rng(6)
    img = rng.uniform(-1, 1, (2, 32, 32, 3))
    levels = metrics.laplacian_pyramid(img, 3)
    assert [l.shape[1] for l in levels] == [32, 16, 8]
    x = levels[-1]
    for band in reversed(levels[:-1]):
        x = metrics._upsample(x, band.shape[1:3]) + band
    np.testing.assert_allclose(x, img, atol=1e-12)


def test_swd_small_for_one_distribution_large_for_another():
    rng = np.random.default_rng(7)
    a, b = rng.uniform(-1, 1, (64, 32, 32, 3)), rng.uniform(-1, 1, (64, 32, 32, 3))
    smooth = np.repeat(np.repeat(rng.uniform(-1, 1, (64, 8, 8, 3)), 4, axis=1), 4, axis=2)
    same, other = metrics.sliced_wasserstein(a, b), metrics.sliced_wasserstein(a, smooth)
    assert same.resolutions == (32, 16) and len(same.per_level) == 2
    assert other.mean > 5 * same.mean
    assert metrics.sliced_wasserstein(a, b, seed=1).mean == pytest.approx(same.mean, rel=0.5)
    with pytest.raises(ValueError, match="same number"):
        metrics.sliced_wasserstein(a, b[:10])


def test_sliced_wasserstein_1d_matches_scipy_per_direction():
    from scipy.stats import wasserstein_distance

    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((200, 5)), rng.standard_normal((200, 5)) * 2 + 1
    ours = metrics.sliced_wasserstein_1d(a, b, 16, np.random.default_rng(0))
    dirs = np.random.default_rng(0).standard_normal((5, 16))
    dirs /= np.linalg.norm(dirs, axis=0, keepdims=True)
    reference = np.mean([wasserstein_distance(a @ dirs[:, j], b @ dirs[:, j]) for j in range(16)])
    assert ours == pytest.approx(reference, rel=1e-10)
