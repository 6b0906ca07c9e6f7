"""Mode coverage on constructed samples with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from artgan_utils.evaluation.coverage import mode_coverage
from artgan_utils.teaching.toy import grid_centres, ring_centres, ring_of_gaussians


def test_perfect_samples_cover_every_mode():
    rng = np.random.default_rng(0)
    m = mode_coverage(ring_of_gaussians(2500, rng), ring_centres(), 0.02)
    assert m.modes_covered == 8 and m.high_quality > 0.99
    assert m.kl_to_uniform < 0.01 and m.counts.sum() == round(m.high_quality * 2500)


def test_collapsed_samples_cover_one_mode():
    rng = np.random.default_rng(1)
    samples = ring_centres()[3] + 0.02 * rng.standard_normal((1000, 2))
    m = mode_coverage(samples, ring_centres(), 0.02)
    assert m.modes_covered == 1 and m.counts[3] >= 975  # 98.9 % of a 2-D Gaussian lies within 3 sigma
    assert m.kl_to_uniform == pytest.approx(np.log(8), abs=0.01)


def test_high_quality_is_3_sigma_rule():
    centres = np.array([[0.0, 0.0]])
    samples = np.array([[0.059, 0.0], [0.061, 0.0], [0.0, -0.05], [5.0, 5.0]])
    m = mode_coverage(samples, centres, 0.02, min_fraction=0.0)
    assert m.high_quality == 0.5 and m.counts.tolist() == [2]


def test_stray_points_do_not_count_as_a_mode():
    rng = np.random.default_rng(2)
    c = grid_centres()
    samples = np.concatenate([c[:24][rng.integers(24, size=2495)] + 0.05 * rng.standard_normal((2495, 2)),
                              c[24] + 0.01 * rng.standard_normal((5, 2))])
    m = mode_coverage(samples, c, 0.05)
    assert m.modes_covered == 24, "5 samples where 100 are expected is not coverage"
    assert mode_coverage(samples, c, 0.05, min_fraction=0.0).modes_covered == 25


def test_nan_samples_are_low_quality_and_shapes_checked():
    samples = np.array([[np.nan, 0.0], [2.0, 0.0]])
    m = mode_coverage(samples, ring_centres(), 0.02, min_fraction=0)
    assert m.high_quality == 0.5
    with pytest.raises(ValueError, match="agree in d"):
        mode_coverage(np.zeros((3, 3)), ring_centres(), 0.02)
    assert "modes covered" in str(m) and m.row()["modes"] == "1/8"


def test_nearest_training_images_finds_copies_and_scales():
    from artgan_utils.evaluation.coverage import nearest_training_images

    rng = np.random.default_rng(0)
    train = rng.uniform(-1, 1, (50, 8, 8, 3))
    copies = train[[7, 3]] + 0.001 * rng.standard_normal((2, 8, 8, 3))
    novel = rng.uniform(-1, 1, (3, 8, 8, 3))
    nn = nearest_training_images(np.concatenate([copies, novel]), train, batch=2)
    assert nn.indices[:2].tolist() == [7, 3]
    assert (nn.distances[:2] < 0.01).all() and (nn.distances[2:] > 0.3).all()
    # brute-force reference for the novel samples
    ref = np.sqrt(((novel[:, None] - train[None]) ** 2).mean(axis=(2, 3, 4))).min(axis=1)
    np.testing.assert_allclose(nn.distances[2:], ref, rtol=1e-6)
    assert 0.5 < nn.train_spacing < 1.0  # uniform noise images are far apart
    assert "nearest train" in nn.table(3) and len(nn.table(3).splitlines()) == 4
    u8 = ((train[:5] + 1) * 127.5).round().astype(np.uint8)
    assert nearest_training_images(u8[:1], u8).distances[0] == 0.0
    with pytest.raises(ValueError, match="differ in size"):
        nearest_training_images(train[:1, :4], train)
