"""Interactive widgets. Logic lives in pure functions (unit-tested without a browser);
the widgets only wire sliders to those functions and redraw.


Taught in notebooks 01 (the minimax explorer) and 04 (the latent explorer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from artgan_utils.teaching import theory


@dataclass(frozen=True)
class MinimaxState:
    """Everything the minimax explorer shows for one position of p_g."""

    x: np.ndarray
    p_data: np.ndarray
    p_g: np.ndarray
    d_star: np.ndarray
    value: float  # V(D*, G)
    js: float  # JS(p_data || p_g)

    @property
    def value_from_js(self) -> float:
        """-log 4 + 2 JS, which must equal :attr:`value`."""
        return -np.log(4.0) + 2.0 * self.js

    def caption(self) -> str:
        """One line: V(D*, G), JS and the check."""
        return (f"V(D*, G) = {self.value:.4f}    JS = {self.js:.4f}    "
                f"-log 4 + 2 JS = {self.value_from_js:.4f}")


def minimax_state(mu_g: float, sigma_g: float, *, mu_data: float = 0.0, sigma_data: float = 1.0,
                  x: np.ndarray | None = None) -> MinimaxState:
    """Densities, the optimal discriminator and V(D*, G) for Gaussian p_data and p_g."""
    x = theory.grid(-10.0, 10.0, 4001) if x is None else np.asarray(x, dtype=np.float64)
    p = theory.gaussian_pdf(x, mu_data, sigma_data)
    q = theory.gaussian_pdf(x, mu_g, sigma_g)
    d = theory.optimal_discriminator(p, q)
    return MinimaxState(x, p, q, d, theory.value_function(d, p, q, x), theory.js_divergence(p, q, x))


def plot_minimax(state: MinimaxState, ax=None):
    """Draw p_data, p_g and D* on one axes (D* on a second y axis); returns the figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(8, 3.6))
    else:
        fig = ax.figure
        ax.clear()
        for extra in fig.axes[1:]:
            extra.remove()
    ax.plot(state.x, state.p_data, color="tab:blue", label="$p_{data}$")
    ax.plot(state.x, state.p_g, color="tab:orange", label="$p_g$")
    ax.set_xlim(-6, 6)
    ax.set_ylim(0, max(0.45, 1.1 * float(max(state.p_data.max(), state.p_g.max()))))
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax2 = ax.twinx()
    ax2.plot(state.x, state.d_star, color="tab:green", ls="--", label="$D^*(x)$")
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel("$D^*(x)$")
    lines = ax.get_lines() + ax2.get_lines()
    ax.legend(lines, [l.get_label() for l in lines], loc="upper left", fontsize=8)
    ax.set_title(state.caption(), fontsize=9)
    fig.tight_layout()
    return fig


class MinimaxExplorer:
    """Two sliders (mean and spread of p_g) and a plot that follows them.

    ``explorer.widget`` is what a notebook displays; ``explorer.state`` is the
    current :class:`MinimaxState`; ``explorer.set(mu, sigma)`` moves the sliders
    from code (and fires the same callback a user's drag would).
    """

    def __init__(self, mu_g: float = 2.0, sigma_g: float = 1.0, mu_data: float = 0.0, sigma_data: float = 1.0):
        import ipywidgets as w

        self.mu_data, self.sigma_data = mu_data, sigma_data
        self.mu = w.FloatSlider(value=mu_g, min=-4.0, max=4.0, step=0.1, description="mean of p_g",
                                continuous_update=False, style={"description_width": "initial"})
        self.sigma = w.FloatSlider(value=sigma_g, min=0.2, max=3.0, step=0.1, description="std of p_g",
                                   continuous_update=False, style={"description_width": "initial"})
        self.output = w.Output()
        self.state = minimax_state(mu_g, sigma_g, mu_data=mu_data, sigma_data=sigma_data)
        self.redraws = 0
        self.mu.observe(self._on_change, names="value")
        self.sigma.observe(self._on_change, names="value")
        self.widget = w.VBox([w.HBox([self.mu, self.sigma]), self.output])
        self._draw()

    def _on_change(self, change: dict[str, Any]) -> None:
        self.state = minimax_state(self.mu.value, self.sigma.value, mu_data=self.mu_data, sigma_data=self.sigma_data)
        self._draw()

    def _draw(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        fig = plot_minimax(self.state)
        with self.output:
            self.output.clear_output(wait=True)
            display(fig)
        plt.close(fig)
        self.redraws += 1

    def set(self, mu_g: float, sigma_g: float) -> MinimaxState:
        """Move the sliders; returns the new state."""
        self.mu.value = mu_g
        self.sigma.value = sigma_g
        return self.state

    def snapshot(self):
        """The plot the control shows now, as a plain figure: what a reader without a live kernel sees."""
        import matplotlib.pyplot as plt

        fig = plot_minimax(self.state)
        fig.suptitle(f"the control's current state (mean {self.mu.value:.1f}, std {self.sigma.value:.1f}); "
                     "run the notebook to move it", fontsize=9, y=1.02)
        plt.close(fig)
        return fig


def minimax_explorer(mu_g: float = 2.0, sigma_g: float = 1.0) -> MinimaxExplorer:
    """Build the explorer (display ``.widget`` in a notebook)."""
    return MinimaxExplorer(mu_g, sigma_g)


# ------------------------------------------------------------------ latent space explorer

def latent_vector(latent_dim: int, seed_a: int, seed_b: int, t: float, truncation: float = 1.0) -> np.ndarray:
    """The explorer's latent point: slerp from z(seed_a) to z(seed_b) at ``t``, scaled by ``truncation``.

    ``z(seed)`` is a standard-normal vector drawn with NumPy's generator for that
    seed, so a seed names the same point in every session. ``truncation < 1``
    pulls the point toward the origin, where a GAN's images are typically
    cleaner but less varied (the "truncation trick", Brock et al. 2019).
    """
    from artgan_utils.gan.networks import slerp

    za = np.random.default_rng(int(seed_a)).standard_normal(latent_dim)
    zb = np.random.default_rng(int(seed_b)).standard_normal(latent_dim)
    return (slerp(za, zb, float(t)) * float(truncation)).astype("float32")


class LatentExplorer:
    """Walk a trained generator's latent space with sliders.

    Two seeds name two latent points; ``t`` moves along the great circle between
    them and ``truncation`` scales the point toward the origin. The figure shows
    the image at seed A, at the current point and at seed B. ``explorer.widget``
    is what a notebook displays; ``explorer.set(...)`` moves the controls from
    code; ``explorer.image`` is the current image (in [-1, 1]).
    """

    def __init__(self, generator: Any, seed_a: int = 0, seed_b: int = 1, t: float = 0.5, truncation: float = 1.0,
                 size: float = 2.2):
        import ipywidgets as w

        self.generator = generator
        self.latent_dim = int(generator.input_shape[-1])
        self.size = size
        style = {"description_width": "initial"}
        self.seed_a = w.BoundedIntText(value=seed_a, min=0, max=2**31 - 1, description="seed A", style=style,
                                       layout=w.Layout(width="150px"))
        self.seed_b = w.BoundedIntText(value=seed_b, min=0, max=2**31 - 1, description="seed B", style=style,
                                       layout=w.Layout(width="150px"))
        self.t = w.FloatSlider(value=t, min=0.0, max=1.0, step=0.05, description="A → B", style=style,
                               continuous_update=False)
        self.truncation = w.FloatSlider(value=truncation, min=0.0, max=1.5, step=0.05, description="truncation",
                                        style=style, continuous_update=False)
        self.output = w.Output()
        self.redraws = 0
        for control in (self.seed_a, self.seed_b, self.t, self.truncation):
            control.observe(self._on_change, names="value")
        self.widget = w.VBox([w.HBox([self.seed_a, self.seed_b]), w.HBox([self.t, self.truncation]), self.output])
        self._update()

    def _latents(self) -> np.ndarray:
        a, b, tr = self.seed_a.value, self.seed_b.value, self.truncation.value
        return np.stack([latent_vector(self.latent_dim, a, b, 0.0, tr), latent_vector(self.latent_dim, a, b, self.t.value, tr),
                         latent_vector(self.latent_dim, a, b, 1.0, tr)])

    def _on_change(self, change: dict[str, Any]) -> None:
        self._update()

    def _update(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        from artgan_utils.viz import show_images

        self.z = self._latents()
        self.images = np.asarray(self.generator(self.z, training=False))
        self.image = self.images[1]
        fig = show_images(self.images, ncols=3, size=self.size, value_range=(-1, 1),
                          titles=["seed A", f"t = {self.t.value:.2f}, truncation {self.truncation.value:.2f}",
                                  "seed B"])
        with self.output:
            self.output.clear_output(wait=True)
            display(fig)
        plt.close(fig)
        self.redraws += 1

    def set(self, **values: Any) -> np.ndarray:
        """Move controls by name (``seed_a``, ``seed_b``, ``t``, ``truncation``); returns the current image."""
        for name, value in values.items():
            if name not in {"seed_a", "seed_b", "t", "truncation"}:
                raise ValueError(f"Unknown control {name!r}; use seed_a, seed_b, t or truncation.")
            getattr(self, name).value = value
        return self.image

    def snapshot(self):
        """The three images the control shows now, as a plain figure (for readers without a live kernel)."""
        import matplotlib.pyplot as plt

        from artgan_utils.viz import show_images

        fig = show_images(self.images, ncols=3, size=self.size, value_range=(-1, 1),
                          titles=[f"seed A = {self.seed_a.value}", f"t = {self.t.value:.2f}",
                                  f"seed B = {self.seed_b.value}"])
        plt.close(fig)
        return fig


class StyleExplorer:
    """Pick a style (or a blend of two) and walk a conditional generator's latent space (notebook 10).

    ``gan`` is a :class:`artgan_utils.gan.conditional.ConditionalGAN` (anything with
    ``latent_dim``, ``num_classes`` and ``blend(z, a, b, t)``). The figure shows ``count``
    samples: latent vectors of seeds ``seed .. seed + count - 1``, each conditioned on
    ``(1 - blend)`` of style A and ``blend`` of style B. ``set(...)`` moves the controls from
    code, ``images`` holds what is shown (in [-1, 1]) and ``snapshot()`` draws it as a plain figure.
    """

    def __init__(self, gan: Any, class_names: tuple[str, ...], style_a: int = 0, style_b: int = 1,
                 blend: float = 0.0, seed: int = 0, count: int = 6, size: float = 1.6):
        import ipywidgets as w

        if len(class_names) != gan.num_classes:
            raise ValueError(f"{len(class_names)} class names for a generator of {gan.num_classes} classes.")
        self.gan, self.names, self.count, self.size = gan, tuple(class_names), int(count), size
        style = {"description_width": "initial"}
        options = [(name, k) for k, name in enumerate(self.names)]
        self.style_a = w.Dropdown(options=options, value=style_a, description="style A", style=style)
        self.style_b = w.Dropdown(options=options, value=style_b, description="style B", style=style)
        self.blend = w.FloatSlider(value=blend, min=0.0, max=1.0, step=0.1, description="A → B", style=style,
                                   continuous_update=False)
        self.seed = w.BoundedIntText(value=seed, min=0, max=2**31 - 1, description="seed", style=style,
                                     layout=w.Layout(width="150px"))
        self.output = w.Output()
        self.redraws = 0
        for control in (self.style_a, self.style_b, self.blend, self.seed):
            control.observe(lambda change: self._update(), names="value")
        self.widget = w.VBox([w.HBox([self.style_a, self.style_b]), w.HBox([self.blend, self.seed]), self.output])
        self._update()

    def _title(self) -> str:
        a, b, t = self.names[self.style_a.value], self.names[self.style_b.value], self.blend.value
        return a if t == 0 else b if t == 1 else f"{1 - t:.1f} {a} + {t:.1f} {b}"

    def _figure(self):
        import matplotlib.pyplot as plt

        from artgan_utils.viz import show_images

        fig = show_images(self.images, ncols=self.count, size=self.size, value_range=(-1, 1),
                          titles=[f"seed {self.seed.value + i}" for i in range(self.count)])
        fig.suptitle(self._title(), y=1.02)
        plt.close(fig)
        return fig

    def _update(self) -> None:
        from IPython.display import display

        z = np.stack([np.random.default_rng(self.seed.value + i).standard_normal(self.gan.latent_dim)
                      for i in range(self.count)]).astype("float32")
        self.images = np.asarray(self.gan.blend(z, self.style_a.value, self.style_b.value, self.blend.value))
        with self.output:
            self.output.clear_output(wait=True)
            display(self._figure())
        self.redraws += 1

    def set(self, **values: Any) -> np.ndarray:
        """Move controls by name (``style_a``, ``style_b`` as class indices, ``blend``, ``seed``); returns the images."""
        for name, value in values.items():
            if name not in {"style_a", "style_b", "blend", "seed"}:
                raise ValueError(f"Unknown control {name!r}; use style_a, style_b, blend or seed.")
            getattr(self, name).value = value
        return self.images

    def snapshot(self):
        """The samples the control shows now, as a plain figure (for readers without a live kernel)."""
        return self._figure()
