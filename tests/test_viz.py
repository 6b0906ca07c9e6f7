"""Plotting helpers: value ranges, grids, figures."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from artgan_utils.viz import LiveFigure, image_grid, show_images, to_display, wrap_title


def test_to_display_ranges():
    assert to_display(np.array([0, 255], np.uint8)).tolist() == [0.0, 1.0]
    np.testing.assert_allclose(to_display(np.array([-1.0, 0.0, 1.0])), [0.0, 0.5, 1.0])
    np.testing.assert_allclose(to_display(np.array([0.0, 0.5, 1.0])), [0.0, 0.5, 1.0])
    # out-of-range and NaN values are clipped/zeroed, never crash imshow
    np.testing.assert_allclose(to_display(np.array([-3.0, np.nan, 3.0]), value_range=(-1, 1)), [0.0, 0.0, 1.0])
    assert to_display(np.zeros((2, 4, 4, 1), np.uint8)).shape == (2, 4, 4)


def test_image_grid_layout():
    imgs = np.zeros((5, 4, 6, 3), np.uint8)
    grid = image_grid(imgs, ncols=3, pad=1)
    assert grid.shape == (2 * 5 + 1, 3 * 7 + 1, 3)
    assert grid[0, 0, 0] == 1.0 and grid[1, 1, 0] == 0.0  # white padding, black image
    assert grid[-2, -2, 0] == 1.0  # the empty sixth slot stays white


def test_show_images_titles_and_errors():
    fig = show_images(np.zeros((3, 8, 8, 3), np.uint8), ["a", "b", "c"], ncols=2)
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="3 images but 2 titles"):
        show_images(np.zeros((3, 8, 8, 3), np.uint8), ["a", "b"])
    with pytest.raises(ValueError, match="at least one"):
        show_images([])


def test_wrap_title():
    assert wrap_title("short") == "short"
    wrapped = wrap_title("The Great Wave off Kanagawa from Thirty-six Views of Mount Fuji", 20, 2)
    assert wrapped.count("\n") == 1 and wrapped.endswith("…")


def test_live_figure_displays_once_then_updates(monkeypatch):
    calls = []

    class Handle:
        def update(self, obj):
            calls.append(("update", obj))

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, display_id: calls.append(("display", obj)) or Handle())
    live = LiveFigure()
    live.update("fig1")
    live.update("fig2")
    assert calls == [("display", "fig1"), ("update", "fig2")]


def test_show_source_gives_the_packaged_code_dedented():
    from artgan_utils.gan.model import GAN
    from artgan_utils.viz import show_source

    code = show_source(GAN.train_step)
    text = getattr(code, "data", code)
    assert text.startswith("def train_step(self, real):")
    assert "self._discriminator_step(" in text and "self._generator_step(" in text


def test_photo_figures_is_a_no_op_outside_ipython():
    from artgan_utils.viz import photo_figures

    assert photo_figures() is False


class _Recorder:
    def __init__(self):
        self.texts = []

    def update(self, obj):
        self.texts.append(repr(obj))


def test_progress_line_ends_in_its_final_state_in_a_notebook(monkeypatch):
    from artgan_utils import viz

    handle = _Recorder()
    monkeypatch.setattr(viz, "_display_handle", lambda: handle)
    assert list(viz.progress(range(5), "ring", interval=0.0)) == [0, 1, 2, 3, 4]
    assert handle.texts[0] == "ring: 0/5 in 0 s"
    assert handle.texts[-1] == "ring: 5/5 in 0 s"
    assert "%" not in "".join(handle.texts)  # plain text, no widget bar


def test_progress_line_outside_a_notebook_and_disabled(monkeypatch, capsys):
    from artgan_utils import viz

    monkeypatch.setattr(viz, "_display_handle", lambda: None)
    assert list(viz.progress(iter([1, 2]), "x")) == [1, 2]
    called = []
    monkeypatch.setattr(viz, "_display_handle", lambda: called.append(1))
    assert list(viz.progress([1, 2], "x", enabled=False)) == [1, 2]
    assert called == []
