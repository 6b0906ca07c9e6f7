"""The exercise convention: checkers pass solutions, explain mistakes, tolerate placeholders."""

from __future__ import annotations

import numpy as np
import pytest

from artgan_utils import data
from artgan_utils.evaluation import coverage, metrics, roc
from artgan_utils.exercises import REGISTRY, ExerciseFailed, UnknownExercise, check, nb02
from artgan_utils.gan import losses, networks, perf
from artgan_utils.teaching import theory, toy

# Reference solutions for every registered exercise (kept in sync with the notebooks'
# solution cells; tests/test_student_edition.py checks the notebooks themselves).
SOLUTIONS = {
    "00.1": data.to_model_range,
    "00.2": data.to_uint8,
    "01.1": theory.discriminator_loss,
    "01.2": theory.optimal_discriminator,
    "01.3": theory.js_divergence_discrete,
    "02.1": nb02.least_squares_generator_step,
    "02.2": lambda samples, centres, std, min_count: coverage.mode_coverage(
        samples, centres, std, min_fraction=min_count * len(centres) / len(samples)).modes_covered,
    "03.1": lambda latent_dim: networks.make_generator(latent_dim, image_size=32, start_size=4, base_filters=64),
    "03.2": lambda: networks.make_discriminator(image_size=32, base_filters=32, depth=2),
    "04.1": lambda r, f: losses.nonsaturating_d(r, f),
    "04.2": lambda s, t: coverage.nearest_training_images(s, t).distances,
    "05.1": lambda critic, real, fake, alpha: losses.gradient_penalty(critic, real, fake, alpha=alpha),
    "05.2": metrics.mmd2_unbiased,
    "06.1": lambda per_example, global_batch: np.sum(per_example) / global_batch,
    "06.2": perf.conv_transpose2d_flops,
    "07.1": lambda x: (np.abs(np.diff(x, axis=1)).mean(axis=(1, 2, 3)) + np.abs(np.diff(x, axis=2)).mean(axis=(1, 2, 3))),
    "07.2": lambda photo, stylised: _keep_colours(photo, stylised),
    "08.1": lambda n_down: networks.receptive_field([4] * (n_down + 2), [2] * n_down + [1, 1]),
    "08.2": lambda logits, fake, target, l1_weight: (np.mean(np.logaddexp(0, -logits))
                                                    + l1_weight * np.mean(np.abs(target - fake))),
    "09.1": lambda a, b, a_back, b_back, a_same, b_same, cycle_weight, identity_weight: cycle_weight * (
        np.mean(np.abs(a_back - a)) + np.mean(np.abs(b_back - b))
        + identity_weight * (np.mean(np.abs(a_same - a)) + np.mean(np.abs(b_same - b)))),
    "09.2": lambda real, fake: 0.5 * (np.mean((real - 1) ** 2) + np.mean(fake ** 2)),
    "10.1": lambda phi, w, b, table, labels: phi @ w + b + np.sum(table[labels] * phi, axis=1),
    "10.2": lambda logits: -np.mean(np.mean(_log_softmax(logits), axis=1)),
    "11.1": roc.auc,
    "11.2": lambda groups, test_fraction, seed: roc.split_by_work(groups, np.zeros(len(groups), int),
                                                                   test_fraction, seed),
}


def _log_softmax(x):
    x = np.asarray(x, np.float64)
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def _keep_colours(photo, stylised):
    """Reference for 07.2 in YIQ (Gatys et al. 2016, "Preserving colour in neural artistic style transfer")."""
    to_yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    p, s = np.asarray(photo, np.float64) @ to_yiq.T, np.asarray(stylised, np.float64) @ to_yiq.T
    mixed = np.concatenate([s[..., :1], p[..., 1:]], axis=-1)
    return np.clip(mixed @ np.linalg.inv(to_yiq).T, 0.0, 1.0).astype(np.float32)


def _not_implemented(*args, **kwargs):
    raise NotImplementedError("Exercise: write this part")


def test_every_exercise_has_a_reference_solution_here():
    assert set(SOLUTIONS) == set(REGISTRY), "add the reference solution of every new exercise to SOLUTIONS"


@pytest.mark.parametrize("exercise_id", sorted(SOLUTIONS))
def test_reference_solution_passes(exercise_id, capsys):
    result = check(exercise_id, SOLUTIONS[exercise_id])
    assert result.passed and result.checks
    assert "checks passed" in capsys.readouterr().out


@pytest.mark.parametrize("exercise_id", sorted(REGISTRY))
def test_placeholder_reports_not_implemented(exercise_id, capsys):
    result = check(exercise_id, _not_implemented)
    assert result.status == "not implemented"
    out = capsys.readouterr().out
    assert "not implemented yet" in out and "NotImplementedError" in out


def test_wrong_answer_says_expected_and_got():
    with pytest.raises(ExerciseFailed, match=r"00\.1.*expected dtype float32, got float64"):
        check("00.1", lambda x: x / 127.5 - 1.0)
    with pytest.raises(ExerciseFailed, match=r"expected \[-1, -0\.003922, 1\], got \[0, 0\.498, 1\]"):
        check("00.1", lambda x: (x / 255.0).astype(np.float32))


def test_crashing_function_is_reported_with_its_input():
    def broken(x):
        return x.reshape(7)

    with pytest.raises(ExerciseFailed, match=r"broken raised ValueError.*when called with a 1x1x3 uint8 image"):
        check("00.1", broken)


def test_missing_clip_is_caught():
    with pytest.raises(ExerciseFailed, match="clipped"):
        check("00.2", lambda x: np.rint((x + 1) * 127.5).astype(np.uint8))


def test_unknown_exercise_and_non_callable():
    with pytest.raises(UnknownExercise, match="No exercise '99.9'. Known exercises: 00.1"):
        check("99.9", print)
    with pytest.raises(ExerciseFailed, match="pass your function itself"):
        check("00.1", data.to_model_range(np.zeros(3, np.uint8)))


def test_generator_step_checker_catches_the_copied_loss_and_updating_d():
    import tensorflow as tf

    with pytest.raises(ExerciseFailed, match="non-saturating loss of train_step above"):
        check("02.1", toy.generator_step)  # the step shown in the notebook, copied

    def forgot_the_half(generator, discriminator, optimizer, z):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(discriminator(generator(z, training=True), training=True) - 1.0))
        optimizer.apply_gradients(zip(tape.gradient(loss, generator.trainable_variables), generator.trainable_variables))
        return loss

    with pytest.raises(ExerciseFailed, match="least squares"):
        check("02.1", forgot_the_half)

    def updates_everything(generator, discriminator, optimizer, z):
        with tf.GradientTape() as tape:
            loss = 0.5 * tf.reduce_mean(tf.square(discriminator(generator(z, training=True), training=True) - 1.0))
        variables = generator.trainable_variables + discriminator.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    with pytest.raises(ExerciseFailed, match="discriminator's weights changed"):
        check("02.1", updates_everything)


def test_js_checker_catches_log2_and_missing_zero_handling():
    def js_bits(p, q):
        m = (p + q) / 2
        return 0.5 * np.sum(p * np.log2(p / m)) + 0.5 * np.sum(q * np.log2(q / m))

    with pytest.raises(ExerciseFailed, match="natural log"):
        check("01.3", js_bits)

    def js_nan(p, q):
        m = (p + q) / 2
        return 0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m))

    with pytest.raises(ExerciseFailed, match="disjoint.*NaN"):
        check("01.3", js_nan)


def test_discriminator_checker_rejects_sigmoid_output():
    import keras

    def with_sigmoid():
        m = networks.make_discriminator(image_size=32, base_filters=8, depth=2)
        return keras.Model(m.input, keras.layers.Activation("sigmoid")(m.output))

    with pytest.raises(ExerciseFailed, match="logit"):
        check("03.2", with_sigmoid)


def test_generator_checker_rejects_wrong_size():
    with pytest.raises(ExerciseFailed, match=r"expected shape \(5, 32, 32, 3\), got \(5, 64, 64, 3\)"):
        check("03.1", lambda latent_dim: networks.make_generator(latent_dim, image_size=64, base_filters=16))


def test_discriminator_loss_checker_catches_the_unstable_formula():
    def naive(real, fake):
        sig = lambda x: 1 / (1 + np.exp(-x.astype(np.float32)))  # noqa: E731
        with np.errstate(all="ignore"):
            return -np.mean(np.log(sig(real))) - np.mean(np.log(1 - sig(fake)))

    with pytest.raises(ExerciseFailed, match="not finite|NaN or infinity"):
        check("04.1", naive)


def test_nearest_distance_checker_rejects_mean_instead_of_min():
    def mean_distance(samples, train):
        s, t = samples.reshape(len(samples), -1), train.reshape(len(train), -1)
        return np.sqrt(((s[:, None] - t[None]) ** 2).mean(axis=2)).mean(axis=1)

    with pytest.raises(ExerciseFailed, match="distances: expected"):
        check("04.2", mean_distance)


def test_gradient_penalty_checker_catches_eps_outside_the_sqrt():
    import tensorflow as tf

    def eps_outside(critic, real, fake, alpha):
        a = tf.reshape(alpha, (-1, 1, 1, 1))
        x = a * real + (1 - a) * fake
        with tf.GradientTape() as tape:
            tape.watch(x)
            s = critic(x, training=True)
        g = tape.gradient(s, x)
        norm = tf.sqrt(tf.reduce_sum(g**2, axis=[1, 2, 3])) + 1e-12
        return tf.reduce_mean((norm - 1.0) ** 2)

    with pytest.raises(ExerciseFailed, match="epsilon inside the square root"):
        check("05.1", eps_outside)


def test_kid_checker_catches_the_biased_estimator():
    def biased(x, y):
        k = lambda a, b: (a @ b.T / a.shape[1] + 1) ** 3  # noqa: E731
        return k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()

    with pytest.raises(ExerciseFailed, match="biased"):
        check("05.2", biased)


def test_replica_loss_checker_catches_the_local_mean():
    with pytest.raises(ExerciseFailed, match="divided by the replica's own batch size"):
        check("06.1", lambda per_example, global_batch: np.mean(per_example))


def test_conv_flops_checker_catches_multiply_adds():
    with pytest.raises(ExerciseFailed, match="each multiply-add as 2"):
        check("06.2", lambda n, out, cin, cout, k: n * out * out * cout * k * k * cin)


#: Mistakes learners make in the notebook 07 exercises, and the words the checker must use for each.
#: Notebook 07's usual mistakes; tests/test_exercise_mistakes.py runs them with every other exercise's.
WRONG_07 = {
    "07.1": [
        ("squared differences", lambda x: (np.diff(x, axis=1) ** 2).mean(axis=(1, 2, 3))
         + (np.diff(x, axis=2) ** 2).mean(axis=(1, 2, 3)), "squared"),
        ("vertical neighbours only", lambda x: np.abs(np.diff(x, axis=1)).mean(axis=(1, 2, 3)), "horizontal"),
        ("horizontal neighbours only", lambda x: np.abs(np.diff(x, axis=2)).mean(axis=(1, 2, 3)), "vertical"),
        ("one number for the batch", lambda x: np.abs(np.diff(x, axis=1)).mean() + np.abs(np.diff(x, axis=2)).mean(),
         "one per image"),
        ("sums instead of means", lambda x: np.abs(np.diff(x, axis=1)).sum(axis=(1, 2, 3))
         + np.abs(np.diff(x, axis=2)).sum(axis=(1, 2, 3)), "expected"),
    ],
    "07.2": [
        ("luminance and colour swapped", lambda p, s: _keep_colours(s, p), "other way round"),
        ("no clipping", lambda p, s: _keep_colours_unclipped(p, s), "clip"),
        ("the stylised image unchanged", lambda p, s: np.asarray(s, np.float32), "photo's colour"),
    ],
}


def _keep_colours_unclipped(photo, stylised):
    to_yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    p, s = np.asarray(photo, np.float64) @ to_yiq.T, np.asarray(stylised, np.float64) @ to_yiq.T
    return (np.concatenate([s[..., :1], p[..., 1:]], axis=-1) @ np.linalg.inv(to_yiq).T).astype(np.float32)


def test_mode_counting_checker_catches_the_missing_3_sigma_filter():
    def no_filter(samples, centres, std, min_count):
        d = np.linalg.norm(samples[:, None] - centres[None], axis=2)
        counts = np.bincount(d.argmin(axis=1), minlength=len(centres))
        return int((counts >= min_count).sum())

    with pytest.raises(ExerciseFailed, match="far from every mode must not count"):
        check("02.2", no_filter)


def test_generator_checker_catches_a_missing_tanh():
    with pytest.raises(ExerciseFailed, match="last layer"):
        check("03.1", lambda latent_dim: _without_tanh(networks.make_generator(latent_dim, image_size=32, start_size=4,
                                                                                 base_filters=16)))


def _without_tanh(model):
    """The same generator with its final tanh removed (a linear output)."""
    import keras

    config = model.get_config()
    for layer in config["layers"]:
        if layer["config"].get("activation") == "tanh":
            layer["config"]["activation"] = "linear"
    clone = keras.Model.from_config(config)
    clone.set_weights(model.get_weights())
    assert not any(getattr(getattr(l, "activation", None), "__name__", "") == "tanh" for l in clone.layers)
    return clone


def test_a_function_returning_none_gets_a_plain_message():
    with pytest.raises(ExerciseFailed, match="returned None.*`return` statement missing"):
        check("05.2", lambda x, y: None)


def test_hints_come_only_when_asked_or_after_three_failures(capsys, monkeypatch):
    from artgan_utils.exercises import core

    monkeypatch.setattr(core, "FAILED_ATTEMPTS", {})
    hint = REGISTRY["05.2"].hint
    check("05.2", _not_implemented)
    out = capsys.readouterr().out
    assert "not implemented yet" in out and hint not in out and "hint=True" in out
    check("05.2", _not_implemented, hint=True)
    assert hint in capsys.readouterr().out
    for attempt in range(1, 4):
        with pytest.raises(ExerciseFailed) as err:
            check("05.2", lambda x, y: 0.5)
        assert (hint in str(err.value)) == (attempt >= core.HINT_AFTER), attempt
    monkeypatch.setattr(core, "FAILED_ATTEMPTS", {})
    with pytest.raises(ExerciseFailed, match="Hint:"):
        check("05.2", lambda x, y: 0.5, hint=True)


def test_no_hint_is_printed_under_an_untouched_stub(capsys):
    for exercise_id, ex in REGISTRY.items():
        check(exercise_id, _not_implemented)
        out = capsys.readouterr().out
        assert not ex.hint or ex.hint not in out, exercise_id


def test_patch_checker_catches_the_missing_stride_1_layers():
    with pytest.raises(ExerciseFailed, match="stride-1 convolutions"):
        check("08.1", lambda n_down: networks.receptive_field([4] * n_down, [2] * n_down))


def test_pix2pix_loss_checker_names_the_usual_mistakes():
    def adv(logits):
        return np.mean(np.logaddexp(0, -logits))

    with pytest.raises(ExerciseFailed, match="squared difference"):
        check("08.2", lambda lg, f, t, w: adv(lg) + w * np.mean((t - f) ** 2))
    with pytest.raises(ExerciseFailed, match="multiplied by l1_weight"):
        check("08.2", lambda lg, f, t, w: adv(lg) + np.mean(np.abs(t - f)))
    with np.errstate(all="ignore"):
        with pytest.raises(ExerciseFailed, match="softplus"):
            check("08.2", lambda lg, f, t, w: -np.mean(np.log(1 / (1 + np.exp(-lg.astype(np.float32)))))
                  + w * np.mean(np.abs(t - f)))


def _l1(x, y):
    return np.mean(np.abs(x - y))


@pytest.mark.parametrize("wrong, message", [
    (lambda a, b, ab, bb, as_, bs, cw, iw: cw * (np.mean((ab - a) ** 2) + np.mean((bb - b) ** 2)
                                                 + iw * (np.mean((as_ - a) ** 2) + np.mean((bs - b) ** 2))),
     "squared differences"),
    (lambda a, b, ab, bb, as_, bs, cw, iw: cw * (_l1(ab, a) + _l1(bb, b)) + iw * (_l1(as_, a) + _l1(bs, b)),
     "identity_weight alone"),
    (lambda a, b, ab, bb, as_, bs, cw, iw: cw * _l1(ab, a) + iw * cw * (_l1(as_, a) + _l1(bs, b)),
     "only the a -> b -> a"),
    (lambda a, b, ab, bb, as_, bs, cw, iw: cw * (_l1(ab, a) + _l1(bb, b)), "no identity term"),
])
def test_cycle_checker_names_the_usual_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check("09.1", wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda r, f: np.mean((r - 1) ** 2) + np.mean(f ** 2), "factor 1/2"),
    (lambda r, f: 0.5 * (np.mean(r ** 2) + np.mean((f - 1) ** 2)), "targets swapped"),
    (lambda r, f: 0.5 * (np.mean((r - 1) ** 2) + np.mean((f + 1) ** 2)), "targets -1 and 1"),
    (lambda r, f: 0.5 * (np.mean(np.logaddexp(0, -r)) + np.mean(np.logaddexp(0, f))), "cross-entropy"),
])
def test_lsgan_checker_names_the_usual_mistakes(wrong, message):
    with pytest.raises(ExerciseFailed, match=message):
        check("09.2", wrong)
