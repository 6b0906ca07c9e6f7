"""Scoring a binary detector honestly: ROC curve, AUC with a bootstrap interval, splits by work.

Taught in notebook 11 (art authentication). A detector gives every image a score; this module
says how well those scores separate forgeries from genuine paintings, and keeps the
measurement honest.

Convention: label 1 = forgery (the positive class), 0 = genuine; a higher score means
"more likely a forgery", and a score >= a threshold is called a forgery.

* :func:`auc` (the rank, Mann-Whitney, statistic: ties count one half) and :func:`roc_curve`;
* :func:`bootstrap_auc`: a percentile interval for the AUC; with ``groups`` it resamples whole
  works (a cluster bootstrap), since the tiles of one painting are not independent;
* :func:`threshold_at_fpr` and :func:`confusion_at`: one operating point of the detector;
* :func:`split_by_work` and :func:`check_split`: train/test splits in which no work (a painting,
  its tiles and every forgery made from it share one group id) appears on both sides.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import ArrayLike


class SplitLeak(ValueError, AssertionError):
    """A group (work) appears on both sides of a train/test split."""


def _labels(labels: ArrayLike) -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {y.shape}.")
    if y.size and y.dtype.kind not in "biuf":
        raise ValueError(f"labels must be 0 (genuine) or 1 (forgery); got values of dtype {y.dtype}.")
    if y.size and not np.isin(y, (0, 1)).all():
        bad = sorted({v.item() for v in np.unique(y[~np.isin(y, (0, 1))])})[:5]
        raise ValueError(f"labels must be 0 (genuine) or 1 (forgery); found {bad}.")
    return y.astype(np.int64)


def _check(labels: ArrayLike, scores: ArrayLike, both: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Validated (labels as int64, scores as float64); ``both`` requires both classes."""
    y = _labels(labels)
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"scores must be one-dimensional, got shape {s.shape}.")
    if len(y) != len(s):
        raise ValueError(f"labels and scores differ in length: {len(y)} labels, {len(s)} scores.")
    if len(y) == 0:
        raise ValueError("no items: labels and scores are empty.")
    if not np.isfinite(s).all():
        raise ValueError(f"scores must be finite; {int((~np.isfinite(s)).sum())} are NaN or infinite.")
    if both and (y.min() == y.max()):
        only = "forgeries (1)" if y[0] == 1 else "genuine works (0)"
        raise ValueError(f"only one class present ({len(y)} {only}): the AUC needs forgeries and genuine works.")
    return y, s


def _average_ranks(s: np.ndarray) -> np.ndarray:
    """1-based ranks of ``s``, tied values sharing the mean of their ranks (O(n log n))."""
    order = np.argsort(s, kind="mergesort")
    ss = s[order]
    new = np.r_[True, ss[1:] != ss[:-1]]
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(s)]
    ranks = np.empty(len(s))
    ranks[order] = ((starts + 1 + ends) / 2.0)[np.cumsum(new) - 1]
    return ranks


def _auc(y: np.ndarray, s: np.ndarray) -> float:
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    rank_sum = _average_ranks(s)[y == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """Area under the ROC curve: P(a random forgery scores higher than a random genuine work).

    Computed from ranks (the Mann-Whitney U statistic divided by n_forgeries * n_genuine), a tie
    counting one half, in O(n log n). 1 = perfect, 0.5 = chance (or constant scores), 0 = reversed.
    """
    return _auc(*_check(labels, scores))


def roc_curve(labels: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve ``(fpr, tpr, thresholds)``, one point per distinct score plus the start (0, 0).

    Point ``i`` calls ``score >= thresholds[i]`` a forgery; thresholds decrease, the first is
    ``inf`` (nothing flagged) and the last the lowest score (everything flagged, (1, 1)). Tied
    scores make one point (sklearn's ``roc_curve(..., drop_intermediate=False)``), so the
    trapezoid area under the curve equals :func:`auc`.
    """
    y, s = _check(labels, scores)
    order = np.argsort(-s, kind="mergesort")
    ss, yy = s[order], y[order]
    last = np.r_[ss[1:] != ss[:-1], True]  # the last item of each run of equal scores
    tp = np.cumsum(yy)[last]
    fp = np.cumsum(1 - yy)[last]
    fpr = np.r_[0.0, fp / fp[-1]]
    tpr = np.r_[0.0, tp / tp[-1]]
    return fpr, tpr, np.r_[np.inf, ss[last]]


def bootstrap_auc(labels: ArrayLike, scores: ArrayLike, groups: ArrayLike | None = None, n_boot: int = 1000,
                  seed: int = 0, level: float = 0.95) -> dict:
    """AUC with a percentile bootstrap interval: ``{"auc", "low", "high", "n_boot_used"}``.

    Without ``groups`` items are resampled with replacement. With ``groups`` (one id per item, e.g.
    the work a tile comes from) whole groups are resampled (a cluster bootstrap): tiles of one
    painting are not independent, and resampling them one by one gives too narrow an interval.
    Resamples containing only one class have no AUC; they are skipped, and ``n_boot_used`` says
    how many were left.
    """
    y, s = _check(labels, scores)
    if int(n_boot) < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}.")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie between 0 and 1 (e.g. 0.95), got {level}.")
    if groups is None:
        inverse = np.arange(len(y))
    else:
        g = np.asarray(groups)
        if g.ndim != 1 or len(g) != len(y):
            raise ValueError(f"groups needs one id per item: {len(y)} items, groups of shape {g.shape}.")
        inverse = np.unique(g, return_inverse=True)[1].ravel()
    n_groups = int(inverse.max()) + 1
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(int(n_boot)):
        copies = np.bincount(rng.integers(0, n_groups, n_groups), minlength=n_groups)[inverse]
        idx = np.repeat(np.arange(len(y)), copies)
        yb = y[idx]
        if yb.min() != yb.max():
            values.append(_auc(yb, s[idx]))
    if not values:
        raise ValueError(f"all {n_boot} resamples held a single class: too few groups of each label.")
    low, high = np.quantile(values, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return {"auc": _auc(y, s), "low": float(low), "high": float(high), "n_boot_used": len(values)}


def threshold_at_fpr(labels: ArrayLike, scores: ArrayLike, fpr: float = 0.05) -> float:
    """The smallest threshold whose false-positive rate is at most ``fpr``.

    The false-positive rate is the fraction of genuine works with ``score >= threshold``. Candidates
    are the thresholds of :func:`roc_curve` (every distinct score, and ``inf``: any other threshold
    makes the same calls as the next candidate above it); ``inf`` comes back when every observed
    score would flag more than ``fpr`` of the genuine works.
    """
    y, s = _check(labels, scores, both=False)
    if not 0.0 <= fpr <= 1.0:
        raise ValueError(f"fpr must lie in [0, 1], got {fpr}.")
    negatives = np.sort(s[y == 0])
    if len(negatives) == 0:
        raise ValueError("no genuine works (label 0): the false-positive rate is undefined.")
    candidates = np.r_[np.unique(s), np.inf]
    false_pos = len(negatives) - np.searchsorted(negatives, candidates, side="left")
    ok = false_pos <= fpr * len(negatives) + 1e-9
    return float(candidates[np.argmax(ok)])  # false_pos decreases along candidates: the first ok is smallest


def confusion_at(labels: ArrayLike, scores: ArrayLike, threshold: float) -> np.ndarray:
    """Counts at one threshold (``score >= threshold`` = "forgery"), rows = truth, columns = call.

    ``[[genuine called genuine, genuine called forgery], [forgery called genuine, forgery called forgery]]``.
    """
    y, s = _check(labels, scores, both=False)
    if np.isnan(threshold):
        raise ValueError("threshold is NaN.")
    called = (s >= threshold).astype(np.int64)
    m = np.zeros((2, 2), dtype=np.int64)
    np.add.at(m, (y, called), 1)
    return m


def split_by_work(groups: ArrayLike, labels: ArrayLike, test_fraction: float = 1 / 3,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split item indices into ``(train_idx, test_idx)`` so that no group is on both sides.

    A group is a work: every tile of a painting and every forgery made from it share one id.
    Stratified by the group's *kind*, the sorted tuple of labels it holds ((0,), (1,) or (0, 1):
    a painting with its recompressed copy holds both): within each kind a shuffled
    ``round(test_fraction * n)`` groups (halves rounded up) go to the test side, at least one and
    at most ``n - 1`` when the kind has two or more groups, so both sides hold both labels whenever
    those kinds allow it. Kinds with a single group are then placed so that both sides are
    non-empty and hold as many of the labels as possible. Deterministic for a ``seed``.
    """
    g = np.asarray(groups)
    y = _labels(labels)
    if g.ndim != 1 or len(g) != len(y):
        raise ValueError(f"groups and labels need one entry per item: {g.shape} groups, {len(y)} labels.")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}.")
    ids, inverse = np.unique(g, return_inverse=True)
    inverse = inverse.ravel()
    if len(ids) < 2:
        raise ValueError(f"need at least 2 groups (works) to split, got {len(ids)}.")
    has = np.zeros((len(ids), 2), dtype=bool)
    has[inverse, y] = True
    kinds = [tuple(int(v) for v in np.flatnonzero(row)) for row in has]
    rng = np.random.default_rng(seed)
    in_test = np.zeros(len(ids), dtype=bool)
    singles = []
    for kind in sorted(set(kinds)):
        members = rng.permutation([i for i, k in enumerate(kinds) if k == kind])
        if len(members) == 1:
            singles.append(int(members[0]))
            continue
        n_test = min(max(int(np.floor(test_fraction * len(members) + 0.5)), 1), len(members) - 1)
        in_test[members[:n_test]] = True
    best, best_key = None, None
    for choice in itertools.product((False, True), repeat=len(singles)):
        trial = in_test.copy()
        trial[singles] = choice
        covered = sum(bool(has[trial, lab].any()) + bool(has[~trial, lab].any()) for lab in (0, 1))
        default = sum(c == (test_fraction >= 0.5) for c in choice)
        key = (bool(trial.any() and not trial.all()), covered, -abs(trial.sum() - test_fraction * len(ids)), default)
        if best_key is None or key > best_key:
            best, best_key = trial, key
    test_item = best[inverse]
    return np.flatnonzero(~test_item), np.flatnonzero(test_item)


def check_split(train_idx: ArrayLike, test_idx: ArrayLike, groups: ArrayLike) -> None:
    """Raise :class:`SplitLeak` (a ValueError and an AssertionError) naming any group on both sides."""
    g = np.asarray(groups)
    train, test = np.asarray(train_idx), np.asarray(test_idx)
    for name, idx in (("train_idx", train), ("test_idx", test)):
        if idx.size and idx.dtype.kind not in "iu":
            raise ValueError(f"{name} must hold item indices (integers), got dtype {idx.dtype}.")
        if idx.size and (idx.min() < 0 or idx.max() >= len(g)):
            raise ValueError(f"{name} holds indices outside 0..{len(g) - 1}.")
    shared = sorted(set(g[train.astype(np.int64)].tolist()) & set(g[test.astype(np.int64)].tolist()), key=str)
    if shared:
        more = f" and {len(shared) - 10} more" if len(shared) > 10 else ""
        raise SplitLeak(f"{len(shared)} group(s) on both sides of the split: {shared[:10]}{more}. Tiles or "
                        "copies of one work on both sides let the test score measure memory of that work.")
