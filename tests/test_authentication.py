"""Notebook 11's forgeries, tiles, detectors and arms race (artgan_utils.authentication)."""

import numpy as np
import pytest

from artgan_utils.authentication import arms_race, detectors, forgeries
from artgan_utils.evaluation import roc


def _item(image, label=0, method="genuine", group="a"):
    return forgeries.Item(np.asarray(image, np.uint8), label, method, group, group)


# ---------------------------------------------------------------- forgeries

def test_jpeg_and_resampled_keep_the_shape_and_change_the_pixels():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    for out in (forgeries.jpeg(img, 30), forgeries.resampled(img)):
        assert out.shape == img.shape and out.dtype == np.uint8
        assert np.abs(out.astype(int) - img).mean() > 5
    smooth = np.tile(np.linspace(0, 255, 70, dtype=np.uint8)[None, :, None], (50, 1, 3))
    assert np.abs(forgeries.jpeg(smooth, 95).astype(int) - smooth).mean() < 2


def test_copies_share_the_group_of_their_work_and_saving_leaves_genuine_works_alone():
    works = [_item(np.full((40, 40, 3), 100 + i), group=f"w{i}") for i in range(3)]
    copies = forgeries.copies("resampled", works) + forgeries.copies("recompressed", works)
    assert [c.group for c in copies] == ["w0", "w1", "w2"] * 2 and all(c.label == 1 for c in copies)
    saved = forgeries.saved_as_jpeg(works + copies, 90)
    assert all(a is b for a, b in zip(saved[:3], works))  # genuine: untouched
    assert all(a is b for a, b in zip(saved[6:], copies[3:]))  # already a JPEG
    with pytest.raises(ValueError, match="resampled, recompressed"):
        forgeries.copies("photocopy", works)


def test_photo_files_do_not_repeat_and_say_when_there_are_too_few():
    a, b = forgeries.photo_files(5), forgeries.photo_files(5, offset=5)
    assert len(set(a) | set(b)) == 10
    with pytest.raises(ValueError, match="bundled photos"):
        forgeries.photo_files(10_000)


@pytest.mark.slow
def test_a_small_forgery_set_splits_by_work():
    items = forgeries.build(n_samples=3, n_photos=2, render_size=96, n_copies=4,
                            methods=("dcgan", "singan", "colour-transfer", "resampled", "recompressed"))
    counts = forgeries.counts(items)
    assert counts["genuine"] == (29, 29) and counts["dcgan"] == (3, 3) and counts["singan"] == (2, 1)
    assert counts["colour-transfer"][0] == 2 and counts["resampled"] == (4, 4)
    assert all(it.image.dtype == np.uint8 and it.image.ndim == 3 for it in items)
    wave = {it.method for it in items if it.group == "hokusai-the-great-wave-off-kanagawa"}
    assert {"genuine", "singan"} <= wave  # the variations belong to the painting they vary
    groups = np.array([it.group for it in items])
    labels = np.array([it.label for it in items])
    train, test = roc.split_by_work(groups, labels, test_fraction=1 / 3, seed=0)
    roc.check_split(train, test, groups)
    assert not set(groups[train]) & set(groups[test])
    assert set(labels[test]) == {0, 1} and set(labels[train]) == {0, 1}
    with pytest.raises(ValueError, match="unknown forgery methods"):
        forgeries.build(1, 1, 64, methods=("xerox",))


# ---------------------------------------------------------------- tiles

def test_tile_grid_is_centred_and_pads_small_images():
    img = np.arange(100 * 150 * 3).reshape(100, 150, 3) % 251
    tiles, corners = detectors.tile_grid(img, 64, 32)
    assert tiles.shape == (2 * 3, 64, 64, 3)  # rows at 0 and 32, columns at 0, 32, 64, then centred
    assert sorted(set(corners[:, 0])) == [2, 34] and sorted(set(corners[:, 1])) == [11, 43, 75]
    np.testing.assert_array_equal(tiles[0], img[corners[0][0]:corners[0][0] + 64, corners[0][1]:corners[0][1] + 64])
    small, _ = detectors.tile_grid(np.zeros((40, 64, 3)), 64, 32)
    assert small.shape == (1, 64, 64, 3)
    with pytest.raises(ValueError, match="RGB"):
        detectors.tile_grid(np.zeros((64, 64)), 64, 32)


def test_entropy_of_flat_two_level_and_uniform_tiles():
    flat = np.full((1, 8, 8, 3), 7)
    half = np.zeros((1, 8, 8, 3))
    half[:, :4] = 200
    uniform = np.repeat(np.arange(256).reshape(1, 16, 16, 1), 3, axis=-1)
    np.testing.assert_allclose(detectors.tile_entropy(np.concatenate([flat, half])), [0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(detectors.tile_entropy(uniform), [8.0], atol=1e-12)


def test_make_tiles_keeps_the_detailed_tiles():
    rng = np.random.default_rng(1)
    img = np.full((64, 256, 3), 128, np.uint8)
    img[:, 128:192] = rng.integers(0, 256, (64, 64, 3))  # one busy tile among three flat ones
    ts = detectors.make_tiles([_item(img, 1, "x", "g")], 64, 64)
    assert len(ts) == 1 and ts.tiles[0].std() > 50 and ts.label[0] == 1 and ts.group[0] == "g"
    both = detectors.make_tiles([_item(img), _item(img, 1, "x", "h")], 64, 64, keep=0.5)
    assert len(both) == 4 and list(both.item) == [0, 0, 1, 1]
    assert len(detectors.make_tiles([_item(img)], 64, 64, keep=1.0, max_per_image=3)) == 3
    items, scores = detectors.image_scores(np.array([1.0, 3.0, 5.0, 7.0]), both.item)
    np.testing.assert_allclose(scores, [2.0, 6.0])
    assert list(items) == [0, 1]


# ---------------------------------------------------------------- detectors

def _flat_and_noisy(n, rng):
    flat = np.repeat(rng.integers(60, 200, (n, 1, 1, 3)), 32, axis=1).repeat(32, axis=2).astype(np.uint8)
    noisy = np.clip(flat + rng.normal(0, 25, flat.shape), 0, 255).astype(np.uint8)
    return np.concatenate([flat, noisy]), np.r_[np.zeros(n), np.ones(n)]


def test_feature_probe_learns_a_separable_direction_and_needs_both_classes():
    rng = np.random.default_rng(2)
    f = rng.normal(size=(200, 10))
    y = (f[:, 3] + 0.1 * rng.normal(size=200) > 0).astype(int)
    probe = detectors.FeatureProbe(features=lambda x: x).fit(f, y)
    assert roc.auc(y, probe.score(f)) > 0.98
    assert np.argmax(np.abs(probe.w)) == 3
    with pytest.raises(ValueError, match="genuine"):
        detectors.FeatureProbe(features=lambda x: x).fit(f, np.zeros(200))
    with pytest.raises(RuntimeError, match="fit"):
        detectors.FeatureProbe(features=lambda x: x).score(f)


def test_patch_cnn_learns_noise_from_flat_and_the_heatmap_covers_the_image():
    rng = np.random.default_rng(3)
    x, y = _flat_and_noisy(64, rng)
    cnn = detectors.PatchCNN(32, width=8, seed=0).fit(x, y, epochs=6, batch_size=32)
    xt, yt = _flat_and_noisy(20, np.random.default_rng(4))
    assert roc.auc(yt, cnn.score(xt)) > 0.9
    image = np.concatenate([xt[0], xt[-1]], axis=1)  # flat left half, noisy right half
    heat = detectors.heatmap(cnn, image, 32, 8)
    assert heat.shape == image.shape[:2] and np.isfinite(heat).all()
    assert heat[:, 48:].mean() > heat[:, :16].mean()


def test_discriminator_detector_is_minus_the_logit_and_resizes():
    import keras

    inputs = keras.Input((16, 16, 3))
    d = keras.Model(inputs, keras.layers.Lambda(lambda t: keras.ops.mean(t, axis=(1, 2, 3), keepdims=False)[:, None])(inputs))
    det = detectors.DiscriminatorDetector(d)
    tiles = np.stack([np.full((32, 32, 3), 0, np.uint8), np.full((32, 32, 3), 255, np.uint8)])
    np.testing.assert_allclose(det.score(tiles), [1.0, -1.0], atol=1e-5)


# ---------------------------------------------------------------- arms race

def test_fine_tuning_lowers_the_frozen_detectors_logit_and_leaves_both_originals_alone():
    import keras

    keras.utils.set_random_seed(0)
    z_in = keras.Input((4,))
    generator = keras.Model(z_in, keras.layers.Reshape((8, 8, 3))(keras.layers.Dense(8 * 8 * 3, activation="tanh")(z_in)))
    x_in = keras.Input((8, 8, 3))
    detector = keras.Model(x_in, keras.layers.Dense(1)(keras.layers.Flatten()(x_in)))
    g0, d0 = [w.copy() for w in generator.get_weights()], [w.copy() for w in detector.get_weights()]
    tuned, history = arms_race.fine_tune_against(generator, detector, steps=40, batch_size=8, lr=1e-2, anchor=0.1)
    assert history["detector_logit"][-1] < history["detector_logit"][0] - 0.5
    assert len(history["anchor_l1"]) == 40 and history["anchor_l1"][0] == pytest.approx(0.0, abs=1e-6)
    for a, b in zip(generator.get_weights() + detector.get_weights(), g0 + d0):
        np.testing.assert_array_equal(a, b)
    assert any(np.abs(a - b).max() > 0 for a, b in zip(tuned.get_weights(), g0))
