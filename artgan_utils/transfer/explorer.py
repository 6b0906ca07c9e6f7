"""An interactive style-transfer control: pick a photo, a style, a method and a strength.

Taught in notebook 07, section 5; notebook 09 adds its translators and the baselines
(``methods=ALL_FAST``) and an upload button for the learner's own photo. The logic runs
without a browser (``explorer.set(...)`` moves the controls from code, as the tests do;
``explorer.add_photo(name, data)`` is what the upload button calls); the notebook shows
``explorer.widget`` with a live kernel and, for readers without one,
``explorer.snapshot()``, a plain figure of the current state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

#: Notebook 07's fast methods: each renders a 256-pixel image in well under a second on 2 CPU cores.
METHODS = ("magenta", "adain")
#: Every method of notebooks 07-09 that is fast enough for a control (Gatys is not).
ALL_FAST = ("magenta", "adain", "pix2pix", "cyclegan", "reinhard", "histogram")


class StyleExplorer:
    """Photo, style, method and strength as widgets; the figure shows photo, style and result.

    ``photos`` maps names to images ((h, w, 3) float in [0, 1]); ``styles`` maps names to
    style images, or to anything :func:`~artgan_utils.transfer.stylize.stylize` takes as a
    style (a bundled style group such as ``"ukiyo-e"``, which also names the shipped
    translators). ``explorer.result`` is the current stylised image; ``explorer.renders``
    counts how often it was recomputed.
    """

    def __init__(self, photos: Mapping[str, np.ndarray], styles: Mapping[str, Any], method: str = "magenta",
                 strength: float = 1.0, size: int = 256, figsize: float = 3.0, methods: tuple[str, ...] = METHODS,
                 upload: bool = False):
        import ipywidgets as w

        if not photos or not styles:
            raise ValueError("StyleExplorer needs at least one photo and one style image.")
        unknown = set(methods) - set(ALL_FAST)
        if unknown or method not in methods:
            raise ValueError(f"method must be one of {', '.join(methods)} (fast methods: {', '.join(ALL_FAST)}); "
                             f"got {method!r}{' and ' + ', '.join(sorted(unknown)) if unknown else ''}.")
        self.photos, self.styles = dict(photos), dict(styles)
        self.size, self.figsize = size, figsize
        wide = {"description_width": "initial"}
        self.photo = w.Dropdown(options=list(self.photos), description="photo", style=wide)
        self.style = w.Dropdown(options=list(self.styles), description="style", style=wide)
        self.method = w.ToggleButtons(options=list(methods), value=method, description="method", style=wide)
        self.strength = w.FloatSlider(value=strength, min=0.0, max=1.0, step=0.1, description="strength",
                                      style=wide, continuous_update=False)
        self.output = w.Output()
        self.renders = 0
        for control in (self.photo, self.style, self.method, self.strength):
            control.observe(self._on_change, names="value")
        rows = [w.HBox([self.photo, self.style]), w.HBox([self.method, self.strength])]
        if upload:
            self.upload = w.FileUpload(accept="image/*", multiple=False, description="your photo")
            self.upload.observe(self._on_upload, names="value")
            rows.insert(1, self.upload)
        self.widget = w.VBox(rows + [self.output])
        self._update()

    def add_photo(self, name: str, data: bytes) -> None:
        """Add an image file's bytes (what the upload button receives) as a photo and select it.

        Any format the series' loader reads (grayscale, transparency, 16-bit are handled); a
        file that is not an image raises the loader's error, naming the file.
        """
        import tempfile
        from pathlib import Path

        from artgan_utils.transfer.stylize import load_input

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / Path(name).name
            path.write_bytes(bytes(data))
            image = load_input(path, size=self.size)
        self.photos[name] = image
        self.photo.options = list(self.photos)
        self.photo.value = name

    def _on_upload(self, change: dict[str, Any]) -> None:
        for item in change["new"]:
            self.add_photo(item["name"], item["content"])

    def render(self) -> np.ndarray:
        """The current controls' result, (h, w, 3) float32 in [0, 1]."""
        from artgan_utils.transfer.stylize import stylize

        return stylize(self.photos[self.photo.value], self.styles[self.style.value], method=self.method.value,
                       size=self.size, strength=float(self.strength.value))

    def snapshot(self) -> Any:
        """A matplotlib figure of photo, style and result (the static picture for readers without a kernel)."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=(3 * self.figsize, self.figsize))
        titles = [f"photo: {self.photo.value}", f"style: {self.style.value}",
                  f"{self.method.value}, strength {self.strength.value:.1f}"]
        style = self.styles[self.style.value]
        if not isinstance(style, np.ndarray):  # a style group or a translator's name: show its first painting
            from artgan_utils.transfer.stylize import load_styles

            style = load_styles(style, self.size)[0]
        for ax, img, title in zip(axes, (self.photos[self.photo.value], style, self.result), titles):
            ax.imshow(np.clip(img, 0, 1))
            ax.set_title(title, fontsize=9)
            ax.axis("off")
        fig.tight_layout()
        return fig

    def _on_change(self, change: dict[str, Any]) -> None:
        self._update()

    def _update(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        self.result = self.render()
        fig = self.snapshot()
        with self.output:
            self.output.clear_output(wait=True)
            display(fig)
        plt.close(fig)
        self.renders += 1

    def set(self, **values: Any) -> np.ndarray:
        """Move controls by name (``photo``, ``style``, ``method``, ``strength``); returns the new result."""
        for name, value in values.items():
            if name not in {"photo", "style", "method", "strength"}:
                raise ValueError(f"Unknown control {name!r}; use photo, style, method or strength.")
            getattr(self, name).value = value
        return self.result
