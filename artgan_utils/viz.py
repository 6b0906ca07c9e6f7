"""Plotting helpers: image grids and figures that update in place.

All functions accept images as uint8 in [0, 255] or floats in [-1, 1] (the
generator's tanh range) or [0, 1]; :func:`to_display` decides which.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np


def to_display(images: Any, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """Convert images to float32 in [0, 1] for ``imshow``.

    Parameters
    ----------
    images:
        Array (or tensor) of shape (H, W), (H, W, C) or (N, H, W, C), C in {1, 3}.
    value_range:
        The input range, e.g. ``(-1, 1)``. By default: uint8 means (0, 255);
        floats with a negative value mean (-1, 1); other floats mean (0, 1).
    """
    arr = np.asarray(images)
    if arr.dtype == np.uint8:
        lo, hi = 0.0, 255.0
    elif value_range is not None:
        lo, hi = value_range
    elif arr.size and float(np.nanmin(arr)) < 0:
        lo, hi = -1.0, 1.0
    else:
        lo, hi = 0.0, 1.0
    out = (arr.astype(np.float32) - lo) / (hi - lo)
    out = np.nan_to_num(out, nan=0.0)
    out = np.clip(out, 0.0, 1.0)
    if out.ndim >= 3 and out.shape[-1] == 1:
        out = out[..., 0]
    return out


def image_grid(images: Any, ncols: int | None = None, pad: int = 2, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """Tile a batch (N, H, W[, C]) into one float image in [0, 1] with white padding."""
    batch = to_display(images, value_range)
    if batch.ndim == 2:
        batch = batch[None]
    n, h, w = batch.shape[:3]
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    shape = (nrows * (h + pad) + pad, ncols * (w + pad) + pad) + batch.shape[3:]
    grid = np.ones(shape, dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncols)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        grid[y : y + h, x : x + w] = batch[i]
    return grid


def show_images(
    images: Any,
    titles: Sequence[str] | None = None,
    ncols: int | None = None,
    size: float = 2.2,
    suptitle: str | None = None,
    value_range: tuple[float, float] | None = None,
    title_fontsize: int = 8,
):
    """Show images in a grid of subplots, one per image, with optional titles.

    Images may differ in size (a list). Returns the matplotlib Figure, so a
    notebook cell ending with ``show_images(...)`` displays it once.
    """
    import matplotlib.pyplot as plt

    items = list(images) if not isinstance(images, np.ndarray) or images.ndim == 4 else [images]
    n = len(items)
    if n == 0:
        raise ValueError("show_images needs at least one image.")
    if titles is not None and len(titles) != n:
        raise ValueError(f"Got {n} images but {len(titles)} titles.")
    ncols = ncols or min(n, 6)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + (0.4 if suptitle else 0)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = to_display(items[i], value_range)
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
        if titles is not None:
            ax.set_title(titles[i], fontsize=title_fontsize)
    if suptitle:
        fig.suptitle(suptitle)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    else:
        fig.tight_layout()
    plt.close(fig)
    return fig


def wrap_title(text: str, width: int = 24, lines: int = 2) -> str:
    """Wrap a long title on word boundaries to at most ``lines`` lines (with an ellipsis)."""
    import textwrap

    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return "\n".join(parts)


class LiveFigure:
    """A figure shown once and redrawn in place (for training progress).

    Uses an updatable display handle instead of ``clear_output``, which keeps
    stored notebook outputs to a single figure and works under nbval.

    Example
    -------
    >>> live = LiveFigure()                      # doctest: +SKIP
    >>> for step in ...:
    ...     live.update(show_images(samples))    # doctest: +SKIP
    """

    def __init__(self) -> None:
        self._handle: Any = None

    def update(self, fig: Any) -> None:
        """Display ``fig`` the first time, replace it afterwards."""
        from IPython.display import display

        if self._handle is None:
            self._handle = display(fig, display_id=True)
        else:
            self._handle.update(fig)


def show_source(obj: Any) -> Any:
    """A packaged function's or method's source, highlighted, for a notebook to show beside its own version.

    Notebooks use it to put the tested code next to the code they teach (for
    example ``GAN.train_step`` in notebook 04); plain text where IPython's
    display is not available.
    """
    import inspect
    import textwrap

    source = textwrap.dedent(inspect.getsource(obj))
    try:
        from IPython.display import Code
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return source
    return Code(source, language="python")


def photo_figures(quality: int = 85) -> bool:
    """Store a notebook's inline figures as JPEG (notebooks of photographs and paintings, e.g. 07).

    A figure of photographs is several times smaller as JPEG than as PNG, with no visible
    difference at this quality, which keeps such a notebook under the repository's 5 MB file
    limit. Line plots stay sharp enough. Returns False (and changes nothing) outside IPython.
    """
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return False
    if get_ipython() is None:
        return False
    set_matplotlib_formats("jpeg", pil_kwargs={"quality": int(quality)})
    return True


class progress:  # noqa: N801 - used like a function: ``for x in progress(items, "desc"):``
    """A progress line that a stored notebook shows in its final state.

    Widget progress bars (``tqdm.auto``) store their first state as text: a
    notebook opened untrusted, or read on GitHub, shows ``0%| | 0/1500``
    under a cell that ran to its end. This line is plain text instead, updated
    in place through an IPython display handle (at most twice a second) and
    set to its final state, ``desc: 1500/1500 in 12 s``, when the loop ends.
    Outside a notebook (a terminal, a script) it draws a ``tqdm`` bar if
    ``tqdm`` is installed, and nothing otherwise.

    >>> sum(progress(range(3), "demo", enabled=False))
    3
    """

    def __init__(self, iterable: Any, desc: str = "", total: int | None = None, enabled: bool = True,
                 interval: float = 0.5):
        self.iterable, self.desc, self.interval = iterable, desc, interval
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.enabled = enabled
        self.done = 0

    def line(self, seconds: float) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        return f"{self.desc}: {self.done}{of} in {seconds:.0f} s" if self.desc else f"{self.done}{of} in {seconds:.0f} s"

    def __iter__(self):
        import time

        if not self.enabled:
            yield from self.iterable
            return
        handle = _display_handle()
        if handle is None:
            try:
                from tqdm import tqdm
            except ImportError:  # pragma: no cover - tqdm comes with the test extras
                yield from self.iterable
                return
            yield from tqdm(self.iterable, desc=self.desc, total=self.total, leave=False)
            return
        start = last = time.perf_counter()
        handle.update(_Text(self.line(0.0)))
        for item in self.iterable:
            yield item
            self.done += 1
            now = time.perf_counter()
            if now - last >= self.interval:
                handle.update(_Text(self.line(now - start)))
                last = now
        handle.update(_Text(self.line(time.perf_counter() - start)))


class _Text:
    """Plain text for IPython's display machinery (no HTML, so nothing to trust)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _display_handle():
    """A display handle in a Jupyter kernel, else None."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        return None
    shell = get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return None
    return display(_Text(""), display_id=True)
