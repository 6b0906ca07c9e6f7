"""CycleGAN failure detectors (artgan_utils.transfer.diagnostics), on images with known faults."""

import numpy as np
import pytest

from artgan_utils.transfer import diagnostics as D


def _smooth(shape=(64, 96), seed=0):
    """A smooth, photo-like image: a few low-frequency waves per channel."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]] / max(shape)
    chans = [0.5 + 0.2 * np.sin(2 * np.pi * (rng.uniform(0.5, 2) * yy + rng.uniform(0.5, 2) * xx + rng.uniform()))
             for _ in range(3)]
    return np.clip(np.stack(chans, axis=-1) + rng.normal(0, 0.01, (*shape, 3)), 0, 1)  # and a camera's noise


def _grid(x, period, amplitude):
    yy, xx = np.mgrid[: x.shape[0], : x.shape[1]]
    sign = ((yy // (period // 2) + xx // (period // 2)) % 2) * 2 - 1
    return np.clip(x + amplitude * sign[..., None], 0, 1)


@pytest.mark.parametrize("period", [2, 4])
def test_a_faint_grid_is_found_at_its_period_and_a_smooth_image_passes(period):
    x = _smooth()
    assert D.checkerboard_score(x, period) < D.CHECKERBOARD_LIMIT
    assert D.checkerboard_score(_grid(x, period, 0.005), period) > D.CHECKERBOARD_LIMIT
    # odd sides are cropped, not refused
    assert D.checkerboard_score(_grid(x, period, 0.005)[:-1, :-3], period) > D.CHECKERBOARD_LIMIT


def test_tiny_or_wrong_images_are_refused():
    with pytest.raises(ValueError, match="at least"):
        D.checkerboard_score(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match=r"\(h, w, 3\)"):
        D.checkerboard_score(np.zeros((32, 32)))


def test_inverted_tones_and_copies():
    photo = _smooth()
    report = D.colour_report(1 - photo, photo, photo)
    assert report["luminance_correlation"] < -0.99
    assert D.colour_report(photo, photo, photo)["luminance_correlation"] > 0.99
    assert D.copy_score(photo, photo) == 0
    assert D.copy_score(np.clip(photo + 0.1, 0, 1), photo) > D.COPY_LIMIT


def test_colour_moves_are_measured_along_and_across_the_photo_to_style_axis():
    photo = _smooth() * 0.6 + 0.2
    style = np.clip(photo * [1.0, 0.8, 0.5] + [0.15, 0.05, 0.0], 0, 1)  # a warm palette
    assert D.colour_report(style, photo, style)["toward_style"] == pytest.approx(1.0, abs=1e-6)
    half = D.colour_report(0.5 * photo + 0.5 * style, photo, style)
    assert 0.3 < half["toward_style"] < 0.7 and half["off_axis"] < 0.2
    magenta = D.colour_report(np.clip(photo * [1.1, 0.6, 1.1], 0, 1), photo, style)  # a tint the style lacks
    assert magenta["off_axis"] > D.DRIFT_LIMIT and abs(magenta["toward_style"]) < 0.2


def test_diagnose_names_each_failure_and_passes_a_good_translation():
    photos = [_smooth(seed=s) for s in range(3)]
    style = [np.clip(p * [1.0, 0.85, 0.6] + 0.05, 0, 1) for p in photos]
    good = D.diagnose(style, photos, style)
    assert good["problems"] == []
    names = {"checkerboard": [_grid(s, 2, 0.01) for s in style], "inverted": [1 - p for p in photos],
             "copy": photos, "drift": [np.clip(p * [1.1, 0.6, 1.1], 0, 1) for p in photos]}
    for name, outputs in names.items():
        problems = " ".join(D.diagnose(outputs, photos, style)["problems"])
        assert name in problems, (name, problems)
    with pytest.raises(ValueError, match="same number"):
        D.diagnose(photos[:2], photos, style)
