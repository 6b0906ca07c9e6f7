"""Scoring a forgery detector (artgan_utils.evaluation.roc, notebook 11): AUC, ROC, bootstrap, splits by work."""

from __future__ import annotations

import numpy as np
import pytest

from artgan_utils.evaluation import roc


def _brute_auc(labels, scores):
    pos, neg = scores[labels == 1], scores[labels == 0]
    diff = pos[:, None] - neg[None, :]
    return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size


def _tied_data(seed, n=60):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    labels[:2] = [0, 1]
    scores = rng.integers(0, 6, n) + 0.7 * labels  # few distinct values: many ties, within and across classes
    return labels, scores.astype(float)


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_the_pairwise_count_with_ties_half(seed):
    labels, scores = _tied_data(seed)
    assert len(np.unique(scores)) < len(scores) / 3
    assert roc.auc(labels, scores) == pytest.approx(_brute_auc(labels, scores), abs=1e-12)


def test_auc_of_perfect_reversed_and_constant_scores():
    labels = np.array([0, 1, 0, 1, 1, 0])
    scores = np.array([0.1, 0.9, 0.3, 0.8, 0.7, 0.2])
    assert roc.auc(labels, scores) == 1.0
    assert roc.auc(labels, -scores) == 0.0
    assert roc.auc(labels, np.full(6, 0.4)) == 0.5
    assert roc.auc(labels.astype(bool), scores) == 1.0


def test_auc_depends_only_on_the_order_of_scores():
    labels, scores = _tied_data(7)
    assert roc.auc(labels, np.exp(scores) * 3 - 1) == pytest.approx(roc.auc(labels, scores), abs=1e-12)


@pytest.mark.parametrize("labels, scores, words", [
    ([0, 1, 1], [0.1, 0.2], "differ in length"),
    ([0, 1, 1], [0.1, np.nan, 0.3], "finite"),
    ([0, 1, 1], [0.1, np.inf, 0.3], "finite"),
    ([0, 1, 2], [0.1, 0.2, 0.3], r"0 \(genuine\) or 1 \(forgery\).*\[2\]"),
    ([1, 1, 1], [0.1, 0.2, 0.3], "only one class"),
    ([0, 0], [0.1, 0.2], "only one class"),
    ([], [], "empty"),
])
def test_bad_input_is_refused_with_a_clear_message(labels, scores, words):
    for fn in (roc.auc, roc.roc_curve, roc.bootstrap_auc):
        with pytest.raises(ValueError, match=words):
            fn(labels, scores)


def test_roc_curve_runs_from_0_0_to_1_1_and_its_area_is_the_auc():
    labels, scores = _tied_data(3)
    fpr, tpr, thresholds = roc.roc_curve(labels, scores)
    assert (fpr[0], tpr[0], thresholds[0]) == (0.0, 0.0, np.inf)
    assert (fpr[-1], tpr[-1], thresholds[-1]) == (1.0, 1.0, scores.min())
    assert len(thresholds) == len(np.unique(scores)) + 1  # tied scores make one point
    assert np.all(np.diff(thresholds) < 0) and np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    area = np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2)
    assert area == pytest.approx(roc.auc(labels, scores), abs=1e-12)
    for f, t, th in zip(fpr, tpr, thresholds):  # each point is the confusion at its threshold
        m = roc.confusion_at(labels, scores, th)
        assert (f, t) == pytest.approx((m[0, 1] / m[0].sum(), m[1, 1] / m[1].sum()))


def test_roc_curve_agrees_with_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    labels, scores = _tied_data(4)
    fpr, tpr, thresholds = roc.roc_curve(labels, scores)
    ref = metrics.roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref[0])
    np.testing.assert_allclose(tpr, ref[1])
    np.testing.assert_allclose(thresholds[1:], ref[2][1:])
    assert roc.auc(labels, scores) == pytest.approx(metrics.roc_auc_score(labels, scores))


def _separable(n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    return labels, rng.normal(labels * 1.0, 1.0)


def test_bootstrap_interval_holds_the_estimate_and_narrows_with_more_data():
    small = roc.bootstrap_auc(*_separable(60, 0), n_boot=400, seed=1)
    large = roc.bootstrap_auc(*_separable(1500, 0), n_boot=400, seed=1)
    for r in (small, large):
        assert set(r) == {"auc", "low", "high", "n_boot_used"}
        assert r["low"] <= r["auc"] <= r["high"] and r["n_boot_used"] == 400
    assert small["auc"] == roc.auc(*_separable(60, 0))
    assert large["high"] - large["low"] < 0.5 * (small["high"] - small["low"])
    assert roc.bootstrap_auc(*_separable(60, 0), n_boot=50, seed=3) == roc.bootstrap_auc(*_separable(60, 0),
                                                                                           n_boot=50, seed=3)


def test_a_wider_level_gives_a_wider_interval():
    data = _separable(200, 2)
    narrow, wide = roc.bootstrap_auc(*data, n_boot=300, level=0.5), roc.bootstrap_auc(*data, n_boot=300, level=0.99)
    assert wide["low"] < narrow["low"] <= narrow["high"] < wide["high"]


def test_resampling_whole_works_widens_the_interval_when_tiles_are_alike():
    rng = np.random.default_rng(5)
    n_works, tiles = 24, 25
    work_label = np.arange(n_works) % 2
    work_effect = rng.normal(0, 1.0, n_works)  # each work's tiles share its own offset: they are not independent
    groups = np.repeat(np.arange(n_works), tiles)
    labels = work_label[groups]
    scores = 0.8 * labels + work_effect[groups] + rng.normal(0, 0.1, len(groups))
    by_item = roc.bootstrap_auc(labels, scores, n_boot=400, seed=0)
    by_work = roc.bootstrap_auc(labels, scores, groups=groups, n_boot=400, seed=0)
    assert by_item["auc"] == by_work["auc"]
    assert by_work["high"] - by_work["low"] > 2.5 * (by_item["high"] - by_item["low"])
    assert by_work["low"] <= by_work["auc"] <= by_work["high"]


def test_single_class_resamples_are_skipped_and_counted():
    labels = np.array([1] + [0] * 9)
    scores = np.linspace(0, 1, 10)
    r = roc.bootstrap_auc(labels, scores, n_boot=1000, seed=0)
    # a resample of 10 items misses the single forgery with probability 0.9 ** 10 = 0.35
    assert 1000 - r["n_boot_used"] == pytest.approx(0.9 ** 10 * 1000, abs=60)
    g = roc.bootstrap_auc(labels, scores, groups=[0] * 5 + [1] * 5, n_boot=400, seed=0)
    assert 60 < 400 - g["n_boot_used"] < 140  # only group 0 holds the forgery: 1 resample in 4 misses it


def test_bootstrap_refuses_bad_settings():
    labels, scores = _separable(20, 0)
    with pytest.raises(ValueError, match="n_boot"):
        roc.bootstrap_auc(labels, scores, n_boot=0)
    with pytest.raises(ValueError, match="level"):
        roc.bootstrap_auc(labels, scores, level=95)
    with pytest.raises(ValueError, match="one id per item"):
        roc.bootstrap_auc(labels, scores, groups=[0, 1])
    refused = 0
    for seed in range(20):  # one resample of two items: half the time a single class, and then nothing is left
        try:
            assert roc.bootstrap_auc([1, 0], [0.2, 0.1], n_boot=1, seed=seed)["n_boot_used"] == 1
        except ValueError as err:
            assert "single class" in str(err)
            refused += 1
    assert 0 < refused < 20


@pytest.mark.parametrize("target", [0.0, 0.05, 0.1, 0.3, 1.0])
def test_threshold_at_fpr_meets_the_rate_and_is_the_smallest(target):
    labels, scores = _tied_data(9, n=200)
    t = roc.threshold_at_fpr(labels, scores, fpr=target)
    genuine = scores[labels == 0]
    assert np.mean(genuine >= t) <= target
    lower = scores[scores < t]
    if lower.size:  # the next observed score below would flag too many genuine works
        assert np.mean(genuine >= lower.max()) > target
    if target == 1.0:
        assert t == scores.min()


def test_threshold_at_fpr_is_inf_when_every_score_flags_too_many():
    assert roc.threshold_at_fpr([1, 0, 0], [0.1, 0.9, 0.2], fpr=0.0) == np.inf
    assert roc.threshold_at_fpr([1, 0, 0], [0.95, 0.9, 0.2], fpr=0.0) == 0.95
    with pytest.raises(ValueError, match="fpr"):
        roc.threshold_at_fpr([1, 0], [0.1, 0.2], fpr=5)
    with pytest.raises(ValueError, match="no genuine"):
        roc.threshold_at_fpr([1, 1], [0.1, 0.2])


def test_confusion_at_counts_rows_truth_columns_call():
    labels = [0, 0, 0, 1, 1]
    scores = [0.1, 0.5, 0.7, 0.5, 0.9]
    np.testing.assert_array_equal(roc.confusion_at(labels, scores, 0.5), [[1, 2], [0, 2]])  # 0.5 counts as forgery
    np.testing.assert_array_equal(roc.confusion_at(labels, scores, 0.6), [[2, 1], [1, 1]])
    np.testing.assert_array_equal(roc.confusion_at(labels, scores, np.inf), [[3, 0], [2, 0]])
    np.testing.assert_array_equal(roc.confusion_at(labels, scores, -np.inf), [[0, 3], [0, 2]])
    assert roc.confusion_at([0, 0], [0.1, 0.2], 0.15).tolist() == [[1, 1], [0, 0]]  # one class is fine here
    with pytest.raises(ValueError, match="differ in length"):
        roc.confusion_at([0, 1], [0.1], 0.5)


def _collection(seed=0, n_works=30):
    """Paintings cut into tiles (genuine); forgeries made from some, a few works holding forgeries only."""
    rng = np.random.default_rng(seed)
    groups, labels = [], []
    for work in range(n_works):
        kind = work % 3  # 0: genuine tiles only, 1: genuine tiles and forgeries of them, 2: forgeries only
        n = int(rng.integers(2, 6))
        if kind in (0, 1):
            groups += [work] * n
            labels += [0] * n
        if kind in (1, 2):
            groups += [work] * n
            labels += [1] * n
    order = rng.permutation(len(groups))
    return np.array(groups)[order], np.array(labels)[order]


def test_split_by_work_keeps_each_work_on_one_side():
    groups, labels = _collection()
    train, test = roc.split_by_work(groups, labels)
    roc.check_split(train, test, groups)
    assert np.array_equal(np.sort(np.r_[train, test]), np.arange(len(groups)))
    assert set(labels[train]) == {0, 1} and set(labels[test]) == {0, 1}
    assert abs(len(np.unique(groups[test])) - 30 / 3) <= 1
    assert abs(len(np.unique(groups[roc.split_by_work(groups, labels, test_fraction=0.2)[1]])) - 6) <= 1


def test_split_by_work_is_deterministic_per_seed():
    groups, labels = _collection()
    a, b = roc.split_by_work(groups, labels, seed=4), roc.split_by_work(groups, labels, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[1], roc.split_by_work(groups, labels, seed=5)[1])


def test_split_by_work_stratifies_within_each_kind():
    groups, labels = _collection()
    _, test = roc.split_by_work(groups, labels)
    test_works = set(groups[test].tolist())
    for kind in range(3):  # 10 works of each kind: about a third of each on the test side
        assert 2 <= sum(w % 3 == kind for w in test_works) <= 4


def test_split_by_work_handles_works_holding_both_labels():
    # every work is a painting and its recompressed copy: one group, both labels
    groups = np.repeat(np.arange(6), 2)
    labels = np.tile([0, 1], 6)
    train, test = roc.split_by_work(groups, labels)
    roc.check_split(train, test, groups)
    assert set(labels[train]) == set(labels[test]) == {0, 1} and len(np.unique(groups[test])) == 2
    # one mixed work, one genuine, one forged: both sides can still see both labels
    train, test = roc.split_by_work(["mixed", "mixed", "real", "fake"], [0, 1, 0, 1])
    assert sorted(train.tolist() + test.tolist()) == [0, 1, 2, 3] and len(train) and len(test)
    assert set(np.array([0, 1, 0, 1])[train]) == set(np.array([0, 1, 0, 1])[test]) == {0, 1}


def test_split_by_work_puts_one_work_of_each_small_kind_on_each_side():
    groups, labels = ["a", "a", "b", "c", "d"], [0, 0, 0, 1, 1]  # 2 works per label: 0.1 of 2 rounds to 0, raised to 1
    train, test = roc.split_by_work(groups, labels, test_fraction=0.1)
    roc.check_split(train, test, groups)
    assert set(np.array(labels)[train]) == set(np.array(labels)[test]) == {0, 1}


@pytest.mark.parametrize("groups, labels, kwargs, words", [
    ([1, 1, 1], [0, 1, 0], {}, "at least 2 groups"),
    ([1, 2], [0, 1, 0], {}, "one entry per item"),
    ([1, 2, 3], [0, 1, 0], {"test_fraction": 1.0}, "test_fraction"),
    ([1, 2, 3], [0, 1, 0], {"test_fraction": 0}, "test_fraction"),
    ([1, 2, 3], [0, 1, 5], {}, "0 \\(genuine\\) or 1"),
])
def test_split_by_work_refuses_bad_input(groups, labels, kwargs, words):
    with pytest.raises(ValueError, match=words):
        roc.split_by_work(groups, labels, **kwargs)


def test_check_split_names_the_shared_works():
    groups = np.array(["monet", "monet", "vermeer", "vermeer", "klimt"])
    roc.check_split([0, 1], [2, 3, 4], groups)
    with pytest.raises(ValueError, match=r"1 group\(s\) on both sides.*'vermeer'.*memory"):
        roc.check_split([0, 1, 2], [3, 4], groups)
    with pytest.raises(AssertionError, match="vermeer"):
        roc.check_split([0, 1, 2], [3, 4], groups)
    with pytest.raises(ValueError, match="outside"):
        roc.check_split([0, 7], [3, 4], groups)
