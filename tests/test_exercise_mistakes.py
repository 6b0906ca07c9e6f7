"""Every exercise has a list of the usual wrong answers, and its checker rejects each by name (issue 18).

A checker that only says "expected X, got Y" leaves a student guessing; these
lists keep the mistakes a learner actually makes (a missing filter or
activation, a wrong normalisation, a biased estimator, a wrong axis, ...) and
the words the checker's message must contain for each. A new exercise must
add its list here: the first test fails otherwise.
"""

from __future__ import annotations

import numpy as np
import pytest

from artgan_utils.evaluation import roc
from artgan_utils.exercises import REGISTRY, ExerciseFailed, check
from artgan_utils.gan import losses, networks
from artgan_utils.teaching import theory, toy
from tests.test_exercises import WRONG_07, _l1, _without_tanh


def _to_uint8_truncating(x):
    return np.clip((np.asarray(x, np.float32) + 1.0) * 127.5, 0, 255).astype(np.uint8)


def _js(p, q, log):
    m = (p + q) / 2
    with np.errstate(all="ignore"):
        return 0.5 * np.nansum(p * log(p / m)) + 0.5 * np.nansum(q * log(q / m))


def _d_loss_pooled(d_real, d_fake):
    return -np.mean(np.log(np.concatenate([d_real, 1.0 - d_fake])))


def _modes_without_filter(samples, centres, std, min_count):
    d = np.linalg.norm(samples[:, None] - centres[None], axis=2)
    return int((np.bincount(d.argmin(axis=1), minlength=len(centres)) >= min_count).sum())


def _gp_eps_outside(critic, real, fake, alpha):
    import tensorflow as tf

    a = tf.reshape(alpha, (-1, 1, 1, 1))
    x_hat = a * real + (1.0 - a) * fake
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        score = critic(x_hat)
    g = tape.gradient(score, x_hat)
    norm = tf.sqrt(tf.reduce_sum(tf.square(g), axis=[1, 2, 3])) + 1e-12
    return tf.reduce_mean(tf.square(norm - 1.0))


def _kid_biased(x, y):
    k = lambda a, b: (a @ b.T / a.shape[1] + 1.0) ** 3  # noqa: E731
    return k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()


def _least_squares_copied(generator, discriminator, optimizer, z):
    return toy.generator_step(generator, discriminator, optimizer, z)


def _small_generator_without_tanh(latent_dim):
    return _without_tanh(networks.make_generator(latent_dim, image_size=32, start_size=4, base_filters=16))


def _discriminator_with_sigmoid():
    import keras

    return keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(16, 4, strides=2, padding="same"),
                             keras.layers.LeakyReLU(0.2), keras.layers.Conv2D(32, 4, strides=2, padding="same"),
                             keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])


def _bce_unstable(real_logits, fake_logits):
    with np.errstate(all="ignore"):
        s = lambda v: 1 / (1 + np.exp(-np.asarray(v, np.float32)))  # noqa: E731
        return float(-np.mean(np.log(s(real_logits))) - np.mean(np.log(1 - s(fake_logits))))


def _unstable_ambiguity(logits):
    with np.errstate(all="ignore"):  # exp(1000) overflows: the mistake the checker must name
        return float(-np.mean(np.mean(np.log(np.exp(logits) / np.exp(logits).sum(1, keepdims=True)), axis=1)))


def _auc_counts(labels, scores):
    labels, scores = np.asarray(labels), np.asarray(scores, np.float64)
    diff = scores[labels == 1][:, None] - scores[labels == 0][None, :]
    return (diff > 0).sum(), (diff == 0).sum(), diff.size


def _tiles_at_random(groups, test_fraction, seed):
    order = np.random.default_rng(seed).permutation(len(groups))
    n_test = round(test_fraction * len(groups))
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def _works_split(groups, test_fraction, seed):
    works = np.random.default_rng(seed).permutation(np.unique(groups))
    test = np.isin(groups, works[:round(test_fraction * len(works))])
    return np.flatnonzero(~test), np.flatnonzero(test)


def _softmax(x):
    x = np.asarray(x, np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


WRONG = {
    "00.1": [
        ("float64 result", lambda x: x / 127.5 - 1.0, "dtype"),
        ("scaled to [0, 1]", lambda x: (x / 255.0).astype(np.float32), "expected"),
        ("divided by the image's own maximum",
         lambda x: (x.astype(np.float32) / np.float32(x.max() / 2.0) - 1.0).astype(np.float32), "can hold, not by the image's own maximum"),
        ("uint8's 127.5 for every dtype", lambda x: (x.astype(np.float32) / 127.5 - 1.0).astype(np.float32),
         "65,535"),
    ],
    "00.2": [
        ("no clipping", lambda x: np.rint((x + 1) * 127.5).astype(np.uint8), "clipped"),
        ("truncating instead of rounding", _to_uint8_truncating, "round"),
    ],
    "01.1": [
        ("plus instead of minus", lambda r, f: float(np.mean(np.log(r)) + np.mean(np.log(1 - f))), "sign"),
        ("one mean over both batches", _d_loss_pooled, "average each batch separately"),
    ],
    "01.2": [
        ("no 0/0 handling", lambda p, q: p / (p + q), "both densities vanish"),
        ("p_g on top", lambda p, q: np.divide(q, p + q, out=np.full_like(p, 0.5), where=(p + q) > 0), "p_data goes on top"),
    ],
    "01.3": [
        ("log base 2", lambda p, q: _js(p, q, np.log2), "natural log"),
        ("0 log 0 not handled", lambda p, q: 0.5 * np.sum(p * np.log(p / ((p + q) / 2)))
         + 0.5 * np.sum(q * np.log(q / ((p + q) / 2))), "0 log 0"),
    ],
    "02.1": [("the non-saturating loss copied from train_step", _least_squares_copied, "non-saturating loss")],
    "02.2": [("no 3-sigma filter", _modes_without_filter, "far from every mode must not count")],
    "03.1": [("no tanh", _small_generator_without_tanh, "last layer")],
    "03.2": [("sigmoid output", _discriminator_with_sigmoid, "raw logit")],
    "04.1": [
        ("probabilities through a sigmoid and log", _bce_unstable, "softplus"),
        ("labels swapped", lambda r, f: float(np.mean(np.logaddexp(0, r)) + np.mean(np.logaddexp(0, -f))), "swapped"),
    ],
    "04.2": [
        ("mean instead of min", lambda s, t: np.sqrt(((s[:, None] - t[None]) ** 2).mean(axis=(2, 3, 4))).mean(axis=1),
         "nearest"),
    ],
    "05.1": [("epsilon outside the square root", _gp_eps_outside, "epsilon inside the square root")],
    "05.2": [
        ("biased: diagonal kept", _kid_biased, "Leave the diagonal"),
        ("returns nothing", lambda x, y: None, "returned None"),
    ],
    "06.1": [("divided by the replica's own batch", lambda l, g: np.mean(l), "times the")],
    "06.2": [
        ("Conv2D formula on the output size", lambda n, s, ci, co, k: 2 * n * (2 * s) ** 2 * co * k * k * ci,
         "4 times too many"),
        ("multiply-adds, not FLOPs", lambda n, s, ci, co, k: n * s * s * ci * k * k * co, "multiply-add"),
    ],
    **WRONG_07,
    "08.1": [("stride-1 layers left out", lambda n: networks.receptive_field([4] * n, [2] * n), "stride-1")],
    "08.2": [
        ("squared error instead of L1", lambda lg, f, t, w: np.mean(np.logaddexp(0, -lg)) + w * np.mean((t - f) ** 2),
         "squared difference"),
        ("L1 not weighted", lambda lg, f, t, w: np.mean(np.logaddexp(0, -lg)) + np.mean(np.abs(t - f)),
         "multiplied by l1_weight"),
    ],
    "09.1": [
        ("no identity term", lambda a, b, ab, bb, as_, bs, cw, iw: cw * (_l1(ab, a) + _l1(bb, b)), "no identity term"),
        ("identity weighted by identity_weight alone",
         lambda a, b, ab, bb, as_, bs, cw, iw: cw * (_l1(ab, a) + _l1(bb, b)) + iw * (_l1(as_, a) + _l1(bs, b)),
         "identity_weight alone"),
    ],
    "09.2": [
        ("targets swapped", lambda r, f: 0.5 * (np.mean(r ** 2) + np.mean((f - 1) ** 2)), "targets swapped"),
        ("no factor 1/2", lambda r, f: np.mean((r - 1) ** 2) + np.mean(f ** 2), "factor 1/2"),
    ],
    "10.1": [
        ("no projection term", lambda phi, w, b, table, y: phi @ w + b, "no projection term"),
        ("one embedding row for the batch", lambda phi, w, b, table, y: phi @ w + b + phi @ table[y[0]],
         "same embedding row"),
    ],
    "10.2": [
        ("entropy instead of the cross-entropy to uniform", lambda lg: float(-np.mean(np.sum(
            _softmax(lg) * np.log(_softmax(lg)), axis=1))), "the entropy"),
        ("sum over styles", lambda lg: float(-np.mean(np.sum(np.log(_softmax(lg)), axis=1))), "sum over styles"),
        ("unstable softmax", _unstable_ambiguity, "subtract each row"),
    ],
    "11.1": [
        ("ties counted as 0", lambda y, s: _auc_counts(y, s)[0] / _auc_counts(y, s)[2], "ties counted as 0"),
        ("ties counted as wins", lambda y, s: (_auc_counts(y, s)[0] + _auc_counts(y, s)[1]) / _auc_counts(y, s)[2],
         "ties counted as wins"),
        ("labels swapped", lambda y, s: 1.0 - roc.auc(y, s), "labels are swapped"),
        ("accuracy at threshold 0.5", lambda y, s: np.mean((np.asarray(s) >= 0.5) == np.asarray(y)),
         "accuracy at threshold 0.5"),
        ("divided by n squared", lambda y, s: (_auc_counts(y, s)[0] + 0.5 * _auc_counts(y, s)[1]) / len(y) ** 2,
         "n_forgeries \\* n_genuine"),
    ],
    "11.2": [
        ("tiles split at random", _tiles_at_random, "memory of that painting"),
        ("only the test indices", lambda g, f, s: _works_split(g, f, s)[1], "only one array"),
        ("a boolean mask for each side", lambda g, f, s: tuple(np.isin(np.arange(len(g)), i)
                                                               for i in _works_split(g, f, s)), "boolean mask"),
        ("the seed ignored", lambda g, f, s: _works_split(g, f, 0), "same split"),
    ],
}


def test_every_exercise_has_a_list_of_usual_mistakes():
    assert set(WRONG) == set(REGISTRY), "add the usual wrong answers of every new exercise to WRONG"


@pytest.mark.parametrize("exercise_id, label, wrong, words",
                         [(e, label, fn, words) for e, cases in WRONG.items() for label, fn, words in cases],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_each_usual_mistake_is_rejected_by_name(exercise_id, label, wrong, words):
    with pytest.raises(ExerciseFailed, match=words):
        check(exercise_id, wrong)
