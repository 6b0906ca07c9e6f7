import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from artgan_utils.transfer.explorer import StyleExplorer  # noqa: E402


def _images():
    rng = np.random.default_rng(0)
    photo = np.linspace(0, 1, 64 * 64 * 3, dtype=np.float32).reshape(64, 64, 3)
    stripes = np.zeros((64, 64, 3), np.float32)
    stripes[:, ::8] = [0.1, 0.2, 0.8]
    return {"gradient": photo}, {"blue stripes": stripes, "noise": rng.uniform(0, 1, (64, 64, 3)).astype(np.float32)}


def test_moving_a_control_renders_again_and_changes_the_result():
    photos, styles = _images()
    ex = StyleExplorer(photos, styles, size=64)
    first = ex.result.copy()
    assert ex.renders == 1 and first.shape == (64, 64, 3) and 0 <= first.min() and first.max() <= 1
    other = ex.set(style="noise")
    assert ex.renders == 2 and not np.allclose(other, first, atol=1e-3)
    weak = ex.set(strength=0.0)
    assert ex.renders == 3 and np.abs(weak - other).mean() > 1e-3
    fig = ex.snapshot()
    assert [a.get_title() for a in fig.axes][0] == "photo: gradient"


def test_bad_arguments_are_refused_with_the_choices():
    photos, styles = _images()
    with pytest.raises(ValueError, match="magenta, adain"):
        StyleExplorer(photos, styles, method="gatys")
    with pytest.raises(ValueError, match="at least one"):
        StyleExplorer({}, styles)
    ex = StyleExplorer(photos, styles, size=64)
    with pytest.raises(ValueError, match="Unknown control"):
        ex.set(colour=1)


def test_translators_baselines_and_an_uploaded_photo(tmp_path):
    import io

    from PIL import Image

    photos, _ = _images()
    ex = StyleExplorer(photos, {"ukiyo-e": "ukiyo-e"}, method="pix2pix", size=64,
                       methods=("pix2pix", "reinhard"), upload=True)
    painted = ex.result
    assert painted.shape == (64, 64, 3)
    assert not np.allclose(ex.set(method="reinhard"), painted, atol=1e-3)
    buffer = io.BytesIO()
    Image.fromarray(np.full((40, 30), 200, np.uint8)).save(buffer, format="PNG")  # a grayscale upload
    ex.add_photo("mine.png", buffer.getvalue())
    assert ex.photo.value == "mine.png" and ex.result.shape == (64, 48, 3)
    assert [a.get_title() for a in ex.snapshot().axes][0] == "photo: mine.png"
    with pytest.raises(Exception, match="notes.txt"):
        ex.add_photo("notes.txt", b"not an image")
    with pytest.raises(ValueError, match="fast methods"):
        StyleExplorer(photos, {"ukiyo-e": "ukiyo-e"}, method="gatys", methods=("gatys",))
