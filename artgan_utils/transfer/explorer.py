"""An interactive style-transfer control: pick a photo, a style, a method and a strength.

Taught in notebook 07, section 5. The logic runs without a browser
(``explorer.set(...)`` moves the controls from code, as the tests do); the
notebook shows ``explorer.widget`` with a live kernel and, for readers without
one, ``explorer.snapshot()``, a plain figure of the current state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

#: The fast methods: each renders a 256-pixel image in well under a second on 2 CPU cores.
METHODS = ("magenta", "adain")


class StyleExplorer:
    """Photo, style, method and strength as widgets; the figure shows photo, style and result.

    ``photos`` and ``styles`` map names to images ((h, w, 3) float in [0, 1]).
    ``explorer.result`` is the current stylised image; ``explorer.renders``
    counts how often it was recomputed.
    """

    def __init__(self, photos: Mapping[str, np.ndarray], styles: Mapping[str, np.ndarray], method: str = "magenta",
                 strength: float = 1.0, size: int = 256, figsize: float = 3.0):
        import ipywidgets as w

        if not photos or not styles:
            raise ValueError("StyleExplorer needs at least one photo and one style image.")
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}.")
        self.photos, self.styles = dict(photos), dict(styles)
        self.size, self.figsize = size, figsize
        wide = {"description_width": "initial"}
        self.photo = w.Dropdown(options=list(self.photos), description="photo", style=wide)
        self.style = w.Dropdown(options=list(self.styles), description="style", style=wide)
        self.method = w.ToggleButtons(options=list(METHODS), value=method, description="method", style=wide)
        self.strength = w.FloatSlider(value=strength, min=0.0, max=1.0, step=0.1, description="strength",
                                      style=wide, continuous_update=False)
        self.output = w.Output()
        self.renders = 0
        for control in (self.photo, self.style, self.method, self.strength):
            control.observe(self._on_change, names="value")
        self.widget = w.VBox([w.HBox([self.photo, self.style]), w.HBox([self.method, self.strength]), self.output])
        self._update()

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
        for ax, img, title in zip(axes, (self.photos[self.photo.value], self.styles[self.style.value], self.result),
                                  titles):
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
