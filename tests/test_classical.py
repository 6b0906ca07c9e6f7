"""The classical colour-transfer baselines of notebook 09 (artgan_utils.transfer.classical)."""

import numpy as np
import pytest

from artgan_utils.transfer import classical


def _image(seed, lo=0.2, hi=0.8, shape=(24, 32, 3)):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def test_lab_round_trip():
    x = _image(0).reshape(-1, 3)
    np.testing.assert_allclose(classical.lab_to_rgb(classical.rgb_to_lab(x)), x, atol=1e-9)


def test_reinhard_gives_the_style_statistics_in_lab():
    photo, style = _image(1, 0.3, 0.6), _image(2, 0.35, 0.75)
    out = classical.reinhard(photo, style)
    assert out.shape == photo.shape and out.dtype == np.float32
    got, want = classical.rgb_to_lab(out.reshape(-1, 3).astype(float)), classical.rgb_to_lab(style.reshape(-1, 3))
    np.testing.assert_allclose(got.mean(0), want.mean(0), atol=1e-4)
    np.testing.assert_allclose(got.std(0), want.std(0), rtol=1e-3)


def test_reinhard_with_its_own_statistics_changes_nothing():
    photo = _image(3)
    np.testing.assert_allclose(classical.reinhard(photo, photo), photo, atol=1e-5)


def test_histogram_match_takes_the_style_distribution_and_keeps_the_order():
    photo, style = _image(4, 0.0, 1.0), _image(5, 0.0, 1.0, (40, 40, 3)) ** 3  # the style is darker
    out = classical.histogram_match(photo, style)
    for c in range(3):
        q = np.linspace(0.05, 0.95, 10)
        np.testing.assert_allclose(np.quantile(out[..., c], q), np.quantile(style[..., c], q), atol=0.03)
        order = np.argsort(photo[..., c].ravel())
        assert np.all(np.diff(out[..., c].ravel()[order]) >= -1e-7)  # brighter stays brighter


def test_several_style_images_are_pooled():
    photo, a, b = _image(6), _image(7, 0.0, 0.3), _image(8, 0.7, 1.0)
    pooled = classical.reinhard(photo, [a, b])
    assert abs(pooled.mean() - np.concatenate([a, b]).mean()) < 0.08
    assert not np.allclose(pooled, classical.reinhard(photo, a))


@pytest.mark.parametrize("fn", [classical.reinhard, classical.histogram_match])
def test_bad_input_is_refused_with_a_clear_message(fn):
    with pytest.raises(ValueError, match=r"\(h, w, 3\)"):
        fn(np.zeros((8, 8)), _image(0))
    bad = _image(0)
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fn(_image(1), bad)
    with pytest.raises(ValueError, match="No style"):
        fn(_image(1), [])
