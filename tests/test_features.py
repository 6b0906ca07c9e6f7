"""Feature extractors: deterministic, batch-independent, labelled; Inception-v3 from a local file or a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from artgan_utils.evaluation import features


def _images(n=10, size=32, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype("float32")


def test_random_cnn_is_deterministic_batch_independent_and_labelled():
    x = _images()
    a, b = features.random_cnn(seed=0), features.random_cnn(seed=0)
    fa = a(x, batch_size=3)
    assert fa.shape == (10, 960) and np.isfinite(fa).all()
    np.testing.assert_allclose(fa, b(x, batch_size=10), rtol=1e-5, atol=1e-6)  # same seed, other batching
    assert not np.allclose(fa, features.random_cnn(seed=1)(x))
    assert a.label("FD") == "FD[random-cnn]" and a.label("KID") == "KID[random-cnn]"
    assert not a.comparable_to_published and "not comparable" in a.description


def test_inputs_are_validated_and_converted():
    f = features.random_cnn()
    u8 = np.random.default_rng(1).integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    np.testing.assert_allclose(f(u8), f(u8.astype(np.float32) / 127.5 - 1.0), rtol=1e-5, atol=1e-6)
    gray = _images(4, 16)[..., :1]
    np.testing.assert_allclose(f(gray), f(np.repeat(gray, 3, axis=-1)), rtol=1e-6)
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        f(_images(2) * 3)
    with pytest.raises(ValueError, match="shape"):
        f(_images(2)[0])


def test_random_cnn_features_separate_different_image_sets():
    from artgan_utils.evaluation import metrics

    f = features.random_cnn()
    noise_a, noise_b = f(_images(256, 32, 1)), f(_images(256, 32, 2))
    blocky = f(np.repeat(np.repeat(_images(256, 8, 3), 4, axis=1), 4, axis=2))  # same pixel values, other texture
    same, other = metrics.kernel_distance(noise_a, noise_b), metrics.kernel_distance(noise_a, blocky)
    assert abs(same.mean) < 3 * same.std + 1e-4 and other.mean > 10 * other.std
    assert metrics.frechet_distance_features(noise_a, blocky) > 1.2 * metrics.frechet_distance_features(noise_a, noise_b)


def test_inception_offline_raises_a_clear_error(monkeypatch):
    import keras

    def no_network(*args, **kwargs):
        raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.delenv(features.INCEPTION_ENV_VAR, raising=False)
    monkeypatch.setattr(keras.utils, "get_file", no_network)
    import keras.src.applications.inception_v3 as iv3

    monkeypatch.setattr(iv3.file_utils, "get_file", no_network)
    with pytest.raises(features.FeatureExtractorUnavailable, match="downloading the ImageNet weights failed.*random_cnn"):
        features.inception_v3()
    chosen = features.best_available(verbose=False)
    assert chosen.name == "random-cnn"


@pytest.mark.slow
def test_inception_from_a_local_weights_file(tmp_path, monkeypatch):
    import keras

    # a stand-in for the ImageNet file: same architecture, seeded random weights, saved locally
    keras.utils.set_random_seed(0)
    net = keras.applications.InceptionV3(include_top=False, pooling="avg", weights=None, input_shape=(299, 299, 3))
    path = tmp_path / "inception.weights.h5"
    net.save_weights(path)
    monkeypatch.setenv(features.INCEPTION_ENV_VAR, str(path))
    f = features.inception_v3()
    assert f.label("FD") == "FID" and f.comparable_to_published
    out = f(_images(3, 64), batch_size=2)
    assert out.shape == (3, 2048) and np.isfinite(out).all()
    bad = tmp_path / "bad.weights.h5"
    bad.write_bytes(b"not weights")
    with pytest.raises(features.FeatureExtractorUnavailable, match="loading .*bad.weights.h5"):
        features.inception_v3(weights=bad)
