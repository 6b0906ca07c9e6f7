"""Style transfer: AdaIN (held-out split, exact resume, export), Gatys (stylises, NaN guard, colour
preservation), stylize() on users' files, and the scores. Small sizes and few steps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from artgan_utils.gan.run_files import checkpoints_dir
from artgan_utils.transfer import adain as A
from artgan_utils.transfer import scores
from artgan_utils.transfer.gatys import gatys, preserve_colors
from artgan_utils.transfer.stylize import load_input, load_styles, stylize

ROOT = Path(__file__).resolve().parents[1]
PHOTO = "images/photo-landscape/windmill-on-fano.jpg"
WAVE = "images/ukiyo-e/hokusai-the-great-wave-off-kanagawa.jpg"
STREET = "images/van-gogh/van-gogh-village-street-in-auvers.jpg"


def _img(rel: str, size: int) -> np.ndarray:
    return load_input(str(ROOT / "data" / rel), size)


# ----------------------------------------------------------------------------- AdaIN


def test_held_out_images_are_not_in_the_training_set():
    photos, paintings = A.split()
    train = {w.file for w in photos + paintings}
    assert not train & (set(A.HELD_OUT_PHOTOS) | set(A.HELD_OUT_PAINTINGS))
    assert len(A.HELD_OUT_PHOTOS) >= 3 and len(A.HELD_OUT_PAINTINGS) >= 4
    assert {p.split("/")[1] for p in A.HELD_OUT_PAINTINGS} == {"ukiyo-e", "van-gogh"}
    assert all(w.kind == "photo" for w in photos) and all(w.kind == "painting" for w in paintings)


def test_crop_batches_depend_only_on_seed_and_step():
    from artgan_utils.transfer.adain_train import CropSampler

    a, b = CropSampler(crop=32, batch=2, seed=3), CropSampler(crop=32, batch=2, seed=3)
    for x, y in zip(a.batch_at(7), b.batch_at(7)):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a.batch_at(7)[0], a.batch_at(8)[0])
    assert a.batch_at(0)[0].shape == (2, 32, 32, 3)


def test_adain_op_transfers_channel_statistics():
    rng = np.random.default_rng(0)
    c = rng.normal(3.0, 2.0, (1, 8, 8, 4)).astype(np.float32)
    s = rng.normal(-1.0, 0.5, (1, 8, 8, 4)).astype(np.float32)
    out = np.asarray(A.adain(c, s))
    np.testing.assert_allclose(out.mean(axis=(1, 2)), s.mean(axis=(1, 2)), atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), s.std(axis=(1, 2)), rtol=1e-3)


CFG = dict(crop=32, batch=2, seed=0, lr=1e-3, style_weight=10.0, content_weight=1.0, width=0.125, depth=3)


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    from artgan_utils.transfer.adain_train import train

    root = tmp_path_factory.mktemp("adain")
    train(root / "straight", 4, 4, dict(CFG), progress=False, command="straight")
    train(root / "resumed", 2, 2, dict(CFG), progress=False, command="first half")
    train(root / "resumed", 4, 2, dict(CFG), progress=False, command="resumed")
    return root


def _decoder_weights(run: Path) -> list[np.ndarray]:
    import tensorflow as tf

    from artgan_utils.transfer.adain_train import build_trainer

    model = build_trainer(dict(CFG))
    model.checkpoint().restore(tf.train.latest_checkpoint(str(run / "ckpt"))).assert_existing_objects_matched()
    assert int(model.step.numpy()) == 4
    return model.decoder.get_weights()


@pytest.mark.parametrize("depth, channels, multiple", [(3, 256, 4), (4, 512, 8)])
def test_decoder_depth_matches_the_encoder_layer(depth, channels, multiple):
    decoder = A.make_decoder(0.125, depth=depth)
    assert decoder.input_shape[-1] == channels and A.decoder_depth(decoder) == depth
    st = A.AdaINStylizer(decoder)
    assert len(st.encoder.outputs) == depth and st.encoder.outputs[-1].shape[-1] == channels
    assert st.multiple == multiple
    out = st.stylize(_img(PHOTO, 50), _img(WAVE, 40))  # odd sizes: padded to the multiple and cropped back
    assert out.shape[:2] == _img(PHOTO, 50).shape[:2]
    with pytest.raises(ValueError, match="relu3_1"):
        A.make_decoder(0.125, depth=5)


def test_runs_started_before_the_depth_setting_resume_as_depth_4(tmp_path):
    from artgan_utils.transfer.adain_train import train

    old = {k: v for k, v in CFG.items() if k != "depth"}
    (tmp_path / "config.json").write_text(json.dumps(old | {"steps_done": 0, "wall_seconds": 0.0}))
    with pytest.raises(ValueError, match="depth"):
        train(tmp_path, 1, 1, dict(CFG), progress=False)  # CFG has depth 3: refused, not silently mixed


@pytest.mark.slow
def test_adain_resume_is_exact(tiny_runs):
    for a, b in zip(_decoder_weights(tiny_runs / "straight"), _decoder_weights(tiny_runs / "resumed")):
        np.testing.assert_array_equal(a, b)
    log = (tiny_runs / "resumed" / "log.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in log[1:]] == ["2", "4"]
    assert (tiny_runs / "resumed" / "samples" / "step_000004.png").is_file()


@pytest.mark.slow
def test_adain_export_and_stylize(tiny_runs, tmp_path):
    from artgan_utils.transfer.adain_train import export

    folder = export(tiny_runs / "straight", tmp_path / "dec")
    info = json.loads((folder / A.RUN_FILE).read_text())
    assert info["steps"] == 4 and info["held_out_paintings"] == list(A.HELD_OUT_PAINTINGS)
    assert info["crop"] == 32 and info["style_weight"] == 10.0 and info["command"] == "straight"
    assert (folder / A.DECODER_FILE).stat().st_size < 10e6
    assert (folder / "samples.png").is_file() and (folder / "progress.jpg").is_file()
    photo = _img(PHOTO, 60)
    out = stylize(photo, _img(WAVE, 60), method="adain", size=None, adain_decoder=str(folder))
    assert out.shape == photo.shape and out.dtype == np.float32 and 0 <= out.min() <= out.max() <= 1


def test_progress_strip_picks_first_last_and_geometric_steps(tmp_path):
    from PIL import Image

    from artgan_utils.transfer.chunked_training import progress_strip

    grids = []
    for k, step in enumerate(range(100, 5001, 100)):
        grids.append(tmp_path / f"step_{step:06d}.png")
        Image.new("RGB", (20, 10), (k * 5, 0, 0)).save(grids[-1])
    strip = np.asarray(progress_strip(grids))
    assert strip.shape == (28, 80, 3)
    # first grid (step 100, red 0) at the left, last (step 5,000, red 245) at the right, growing between
    reds = [int(strip[20, 20 * k + 10, 0]) for k in range(4)]
    assert reds[0] == 0 and reds[-1] == 245 and reds == sorted(set(reds))


def test_progress_strip_scales_grids_that_grow_during_a_run(tmp_path):
    from PIL import Image

    from artgan_utils.transfer.chunked_training import progress_strip

    grids = []
    for k, (step, h) in enumerate([(100, 5), (200, 10), (300, 20)]):
        grids.append(tmp_path / f"step_{step:06d}.png")
        Image.new("RGB", (2 * h, h), (100 * k, 0, 0)).save(grids[-1])
    strip = np.asarray(progress_strip(grids, n=3))
    assert strip.shape == (20 + 18, 3 * 40, 3)  # every grid at the last one's height, whole
    assert [int(strip[30, 40 * k + 20, 0]) for k in range(3)] == [0, 100, 200]


def test_shipped_adain_decoder_loads_and_stylizes():
    st = A.load_adain()  # checkpoints/adain-decoder
    assert st.info["held_out_photos"] == list(A.HELD_OUT_PHOTOS)
    assert st.info["held_out_paintings"] == list(A.HELD_OUT_PAINTINGS)
    assert st.info["steps"] > 0 and st.info["command"].startswith("python -m artgan_utils.transfer.adain train")
    folder = checkpoints_dir() / A.SHIPPED
    assert sum(f.stat().st_size for f in folder.iterdir()) < 10e6
    photo, wave = _img(A.HELD_OUT_PHOTOS[0], 96), _img(WAVE, 96)
    out = st.stylize(photo, wave)
    assert out.shape == photo.shape and np.isfinite(out).all()
    # trained: nearer the photo's content and the style's Gram matrices than an untrained decoder's output
    untrained = A.AdaINStylizer(A.make_decoder(st.info["width"]))
    raw = untrained.stylize(photo, wave)
    assert scores.content_distance(out, photo) < min(0.9, scores.content_distance(raw, photo))
    assert scores.style_distance(out, wave) < min(0.8 * scores.style_distance(photo, wave),
                                                  scores.style_distance(raw, wave))


def test_missing_adain_decoder_says_how_to_train(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m artgan_utils.transfer.adain train"):
        A.load_adain(tmp_path)


# ----------------------------------------------------------------------------- Gatys


@pytest.fixture(scope="module")
def gatys_run():
    photo, style = _img(PHOTO, 96), _img(STREET, 96)
    return photo, style, gatys(photo, style, size=None, steps=40)


@pytest.mark.slow
def test_gatys_moves_the_gram_matrices_towards_the_style(gatys_run):
    photo, style, result = gatys_run
    assert result.image.shape == photo.shape and result.steps_done == 40 and not result.stopped
    assert scores.style_distance(result.image, style) < 0.7 * scores.style_distance(photo, style)
    assert result.history["loss"][-1] < 0.5 * result.history["loss"][0]
    assert scores.content_distance(result.image, photo) < 1.0


def test_gatys_nan_guard_raises_or_restores():
    photo, style = _img(PHOTO, 48), _img(WAVE, 48)
    with pytest.raises(FloatingPointError, match="step 0"):
        gatys(photo, style, size=None, steps=3, content_weight=float("nan"))
    with pytest.warns(RuntimeWarning, match="last image with a finite loss"):
        result = gatys(photo, style, size=None, steps=3, content_weight=float("nan"), on_nan="restore")
    assert np.isfinite(result.image).all() and result.steps_done == 0 and "step 0" in result.stopped
    np.testing.assert_allclose(result.image, photo, atol=1e-6)


def test_preserve_colors_keeps_the_photo_chroma(gatys_run):
    import tensorflow as tf

    photo, _, result = gatys_run
    kept = preserve_colors(result.image, photo)
    yuv_kept, yuv_photo, yuv_out = (tf.image.rgb_to_yuv(x).numpy() for x in (kept, photo, result.image))
    inside = (kept > 0.01).all(-1) & (kept < 0.99).all(-1)  # where clipping did not change the colour
    assert np.abs(yuv_kept[..., 1:] - yuv_photo[..., 1:])[inside].mean() < 0.01
    assert np.abs(yuv_kept[..., 0] - yuv_out[..., 0])[inside].mean() < 0.01


# ----------------------------------------------------------------------------- stylize() and users' files


@pytest.fixture()
def user_files(tmp_path):
    rgb = (np.asarray(Image.open(ROOT / "data" / PHOTO).convert("RGB").resize((90, 60)))).astype(np.uint8)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "transparent.png")
    Image.fromarray(rgb).convert("L").save(tmp_path / "gray.png")
    Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(tmp_path / "deep16.png")
    return tmp_path


@pytest.mark.parametrize("name", ["transparent.png", "gray.png", "deep16.png"])
def test_stylize_users_files(user_files, name):
    out = stylize(user_files / name, style="hokusai-the-great-wave-off-kanagawa", method="magenta", size=64,
                  threads=1)
    assert out.shape == (43, 64, 3) and out.dtype == np.float32 and 0.0 <= out.min() <= out.max() <= 1.0
    assert out.std() > 0.02


def test_user_file_inputs_are_converted(user_files):
    gray = load_input(user_files / "gray.png")
    assert gray.shape == (60, 90, 3) and np.array_equal(gray[..., 0], gray[..., 2])
    rgba = load_input(user_files / "transparent.png")
    assert rgba.min() >= 0.45  # half-transparent over white is light
    assert load_input(np.zeros((5, 7), np.uint16)).shape == (5, 7, 3)


def test_huge_image_is_downscaled_with_a_message(tmp_path, capsys):
    Image.new("RGB", (3000, 40), (200, 30, 30)).save(tmp_path / "wide.png")
    img = load_input(tmp_path / "wide.png", size=128)
    assert max(img.shape[:2]) == 128 and "3000 x 40" in capsys.readouterr().out


def test_style_folder_without_images_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(ValueError, match="holds no image"):
        load_styles(tmp_path)
    with pytest.raises(ValueError, match="holds no image"):
        stylize(str(ROOT / "data" / PHOTO), style=tmp_path, method="magenta", size=32)


def test_bundled_names_and_style_groups():
    by_title = load_input("The Great Wave off Kanagawa", 64)
    by_file = load_input("hokusai-the-great-wave-off-kanagawa.jpg", 64)
    np.testing.assert_array_equal(by_title, by_file)
    assert len(load_styles("ukiyo-e", 32)) == 9
    with pytest.raises(ValueError, match="several bundled images"):
        load_input("Neuschwanstein Castle")
    with pytest.raises(ValueError, match="several bundled images"):
        load_input("neuschwanstein-castle.jpg")
    # a manifest path names exactly one image (the two castles are different photos)
    landscape = load_input("images/photo-landscape/neuschwanstein-castle.jpg", 32)
    monument = load_input("images/photo-monument/neuschwanstein-castle.jpg", 32)
    assert landscape.shape[2] == monument.shape[2] == 3
    with pytest.raises(FileNotFoundError, match="neither an image file"):
        load_input("no such painting")
    with pytest.raises(ValueError, match="method must be one of"):
        stylize(by_file, by_file, method="cycle-gan")


def test_translators_and_baselines_behind_the_one_entry_point():
    photo = _img(PHOTO, 64)
    with pytest.raises(ValueError, match="trained translator: give style= one of ukiyo-e, van-gogh"):
        stylize(photo, _img(WAVE, 64), method="pix2pix")
    out = stylize(photo, "ukiyo-e", method="pix2pix", size=None)
    assert out.shape == photo.shape and out.dtype == np.float32 and 0 <= out.min() <= out.max() <= 1
    np.testing.assert_allclose(stylize(photo, "ukiyo-e", method="pix2pix", size=None, strength=0.0), photo, atol=1e-6)
    for method in ("reinhard", "histogram"):
        out = stylize(photo, "ukiyo-e", method=method, size=None)
        assert out.shape == photo.shape and not np.allclose(out, photo, atol=0.02)


# ----------------------------------------------------------------------------- scores


def test_scores_and_artfid_variant():
    photo, wave, street = _img(PHOTO, 64), _img(WAVE, 64), _img(STREET, 64)
    assert scores.content_distance(photo, photo) == pytest.approx(0.0, abs=1e-9)
    assert scores.content_distance(wave, photo) > 0.3
    assert scores.style_distance(wave, wave) == pytest.approx(0.0, abs=1e-6)
    assert scores.style_distance(street, wave) > 0.2
    fd = scores.style_fd([photo, street], [wave, _img("images/ukiyo-e/hokusai-poppies.jpg", 64)])
    assert fd > 0
    assert scores.artfid(0.5, 2.0) == pytest.approx(4.5)
    assert "series variant" in scores.ARTFID_LABEL
    # the style references are remembered by their pixels: the same numbers again, another image is another entry
    poppies = _img("images/ukiyo-e/hokusai-poppies.jpg", 64)
    assert scores.style_fd([photo, street], [wave, poppies]) == pytest.approx(fd, rel=1e-9)
    assert scores.style_distance(street, wave) == pytest.approx(scores.style_distance(street, wave.copy()), rel=1e-12)
    darker = wave * 0.5
    assert scores.style_distance(street, darker) != pytest.approx(scores.style_distance(street, wave), rel=1e-3)
