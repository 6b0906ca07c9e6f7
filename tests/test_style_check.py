"""Style consistency and copy detection (notebook 10): the classifier, the confusion matrix, patch distances, StyleCheck."""

from __future__ import annotations

import numpy as np
import pytest

from artgan_utils.evaluation import style_check as SC


def test_confusion_matrix_counts_and_normalises_rows():
    m = SC.confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 3, normalise=False)
    assert m.tolist() == [[1, 1, 0], [1, 2, 0], [0, 0, 0]]
    n = SC.confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 3)
    assert np.allclose(n[0], [0.5, 0.5, 0]) and np.allclose(n[1], [1 / 3, 2 / 3, 0]) and np.allclose(n[2], 0)
    assert np.allclose(SC.per_class_accuracy(n), [0.5, 2 / 3, 0])


def test_classifier_separates_separable_classes_and_needs_every_class():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (60, 5)), rng.normal(3, 1, (60, 5))])
    y = np.repeat([0, 1], 60)
    clf = SC.StyleClassifier(("a", "b")).fit(x, y)
    test = np.concatenate([rng.normal(0, 1, (40, 5)), rng.normal(3, 1, (40, 5))])
    assert SC.per_class_accuracy(clf.confusion(test, np.repeat([0, 1], 40))).min() > 0.9
    with pytest.raises(ValueError, match=r"no training images for classes \['c'\]"):
        SC.StyleClassifier(("a", "b", "c")).fit(x, y)
    with pytest.raises(RuntimeError, match="fit"):
        SC.StyleClassifier(("a",)).predict(x)


def test_a_copy_has_zero_patch_distance_and_new_material_does_not():
    rng = np.random.default_rng(1)
    painting = rng.uniform(0, 1, (40, 60, 3)).astype("float32")
    crop = painting[5:30, 10:45]
    assert SC.patch_copy_distances(crop, painting).max() < 1e-3  # any crop of it is a copy
    other = rng.uniform(0, 1, (25, 35, 3)).astype("float32")
    assert SC.patch_copy_distances(other, painting).min() > 0.1  # unrelated noise is far from every patch
    own = SC.self_similarity_distances(painting)
    assert own.min() > 0.1  # white noise never repeats itself elsewhere in the painting


def test_self_similarity_finds_a_repeated_texture_close_but_not_zero_when_left_out():
    tile = np.random.default_rng(2).uniform(0, 1, (8, 8, 3)).astype("float32")
    painting = np.tile(tile, (5, 8, 1)) + np.random.default_rng(3).normal(0, 0.02, (40, 64, 3)).astype("float32")
    d = SC.self_similarity_distances(painting, parts=2)
    assert 0 < np.median(d) < 0.06  # the left-out half is made of the same tile, up to the noise
    with pytest.raises(ValueError, match="smaller than"):
        SC.patch_copy_distances(np.zeros((4, 4, 3)), painting)


@pytest.mark.slow
def test_style_check_scores_a_conditional_generator_with_any_extractor():
    from artgan_utils.artworks import styles
    from artgan_utils.evaluation import features
    from artgan_utils.gan.conditional import build_conditional_gan

    check = styles.StyleCheck(16, n_train=30, n_test=20, extractor=features.random_cnn())
    assert check.real_confusion.shape == (5, 5)
    assert np.mean(np.diag(check.real_confusion)) > 0.4  # the styles' colours alone beat chance (0.2) by far
    gan = build_conditional_gan(5, "concat", image_size=16, g_filters=16, d_filters=8, latent_dim=8)
    report = check.report(gan, n_per_class=20)
    assert report["confusion"].shape == (5, 5) and len(report["kid"]) == len(report["swd"]) == 5
    assert np.allclose(report["confusion"].sum(axis=1), 1)
    text = check.table({"untrained": report})
    assert "Hiroshige *" in text and "not counted" in text
    assert styles.counted().tolist() == [True, False, True, True, True]
