"""Checkers for 11_authentication."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


def _pairs(labels: np.ndarray, scores: np.ndarray) -> tuple[int, int, int, int]:
    """(wins, ties, n_forgeries, n_genuine) over all forgery-genuine pairs."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    diff = pos[:, None] - neg[None, :]
    return int((diff > 0).sum()), int((diff == 0).sum()), len(pos), len(neg)


@exercise(
    "11.1",
    "AUC from scores",
    hint="Compare every forgery with every genuine work: count the pairs the forgery wins (it scores higher), "
    "and half of the ties; divide by the number of forgery-genuine pairs. No threshold is involved.",
)
def _check_auc(c: Checker) -> None:
    rng = np.random.default_rng(11)
    labels = np.array([1] * 14 + [0] * 22)
    scores = np.clip(np.round(rng.normal(0.45 + 0.2 * labels, 0.2) * 8) / 8, 0.0, 1.0)  # eighths: many ties
    order = rng.permutation(len(labels))
    labels, scores = labels[order], scores[order]
    value = c.number(c.call(labels.copy(), scores.copy(), describe="36 works (14 forgeries), scores with ties"),
                     "the AUC")
    wins, ties, n_pos, n_neg = _pairs(labels, scores)
    expected = (wins + 0.5 * ties) / (n_pos * n_neg)
    wrong = {
        "the AUC with ties counted as 0: a tie (a forgery and a genuine work with the same score) counts "
        "one half": wins / (n_pos * n_neg),
        "the AUC with ties counted as wins: a tie counts one half, not a whole win": (wins + ties) / (n_pos * n_neg),
        "1 - AUC: the labels are swapped. Label 1 is a forgery, and a good detector gives forgeries the higher "
        "scores": 1.0 - expected,
        "the accuracy at threshold 0.5, not the AUC: the AUC uses no threshold, it compares every forgery with "
        "every genuine work": float(np.mean((scores >= 0.5) == labels)),
        "the accuracy at threshold 0.5 (score > 0.5), not the AUC: the AUC uses no threshold, it compares every "
        "forgery with every genuine work": float(np.mean((scores > 0.5) == labels)),
        "the pair count divided by n * n (all pairs of items); divide by n_forgeries * n_genuine, the number of "
        "forgery-genuine pairs": (wins + 0.5 * ties) / len(labels) ** 2,
    }
    for mistake, wrong_value in wrong.items():
        if np.isclose(value, wrong_value, rtol=1e-6, atol=1e-9):
            c.fail(f"your value {value:.4g} matches {mistake}.")
    c.expect_close("AUC on scores with ties", value, expected, rtol=1e-6, atol=1e-9)
    perfect = c.number(c.call(np.array([0, 0, 1, 1, 0, 1]), np.array([0.1, 0.2, 0.8, 0.9, 0.3, 0.7]),
                              describe="every forgery scoring above every genuine work"), "the AUC")
    c.expect_close("a perfect detector has AUC 1", perfect, 1.0)
    flat = c.number(c.call(np.array([0, 1, 0, 1, 1]), np.full(5, 0.4), describe="the same score for every work"),
                    "the AUC")
    c.expect_close("a constant score has AUC 0.5 (every pair a tie)", flat, 0.5)


def _index_array(c: Checker, got, side: str, n: int) -> np.ndarray:
    arr = np.asarray(got)
    if arr.dtype == bool:
        c.fail(f"{side} is a boolean mask; return index arrays (np.flatnonzero(mask) turns a mask into indices).")
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        c.fail(f"{side} must be a one-dimensional array of item indices (integers); got dtype {arr.dtype}, "
               f"shape {arr.shape}.")
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        c.fail(f"{side} holds indices outside 0..{n - 1}: index the items, not the groups.")
    return arr.astype(np.int64)


def _split(c: Checker, groups: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    got = c.call(groups.copy(), fraction, seed, describe=f"{len(np.unique(groups))} works, {len(groups)} tiles, "
                 f"test_fraction={fraction:.3g}, seed={seed}")
    if isinstance(got, np.ndarray) or not isinstance(got, (tuple, list)):
        c.fail(f"it returned only one array ({type(got).__name__}); return two index arrays, (train_idx, test_idx).")
    if len(got) != 2:
        c.fail(f"it returned {len(got)} values; return two index arrays, (train_idx, test_idx).")
    n = len(groups)
    return _index_array(c, got[0], "train_idx", n), _index_array(c, got[1], "test_idx", n)


@exercise(
    "11.2",
    "a split by work",
    hint="Split the works, not the tiles: shuffle the distinct work ids with a generator made from the seed, "
    "send about test_fraction of the works (not of the tiles) to the test side, then give every tile the side of "
    "its work and return the two lists of tile indices.",
)
def _check_work_split(c: Checker) -> None:
    rng = np.random.default_rng(12)
    groups = rng.permutation(np.repeat(np.arange(12), rng.integers(2, 6, 12)))
    n, n_groups = len(groups), 12
    train, test = _split(c, groups, 1 / 3, 0)
    both = np.intersect1d(train, test)
    if both.size:
        c.fail(f"{both.size} item index(es) are on both sides, e.g. {both[:5].tolist()}: each item goes to one side.")
    missing = np.setdiff1d(np.arange(n), np.r_[train, test])
    if missing.size or len(train) + len(test) != n:
        c.fail(f"every item must be used exactly once; {missing.size} of the {n} are on neither side, "
               f"and {len(train) + len(test) - len(np.unique(np.r_[train, test]))} are repeated.")
    c.ok("every item on exactly one side")
    shared = sorted(set(groups[train].tolist()) & set(groups[test].tolist()))
    if shared:
        c.fail(f"works {shared} have tiles on both sides. Splitting tiles at random leaks: the detector sees tiles "
               "of a painting in training and is tested on other tiles of the same painting, so the test score "
               "measures its memory of that painting, not whether it can authenticate a work it has never seen. "
               "Split the works, then give each tile its work's side.")
    c.ok("no work on both sides")
    if not len(train) or not len(test):
        c.fail(f"one side is empty ({len(train)} train, {len(test)} test items): both need works.")
    for fraction, seed in ((1 / 3, 0), (0.25, 3)):
        n_test = len(np.unique(groups[_split(c, groups, fraction, seed)[1]]))
        if abs(n_test - fraction * n_groups) > 1 + 1e-9:
            c.fail(f"with test_fraction={fraction:.3g} and {n_groups} works the test side should hold about "
                   f"{fraction * n_groups:.0f} works (one more or less is fine), it holds {n_test}. "
                   "Count works, not tiles.")
    c.ok("the test side holds test_fraction of the works")
    if not np.array_equal(np.sort(_split(c, groups, 1 / 3, 0)[1]), np.sort(test)):
        c.fail("two calls with the same seed gave different splits: draw with rng = np.random.default_rng(seed).")
    c.ok("the same seed gives the same split")
    tests = {tuple(np.sort(_split(c, groups, 1 / 3, seed)[1])) for seed in range(6)}
    if len(tests) == 1:
        c.fail("seeds 0 to 5 all gave the same split: shuffle the works with np.random.default_rng(seed).")
    c.ok("another seed gives another split")
