"""Interactive widgets. Logic lives in pure functions (unit-tested without a browser);
the widgets only wire sliders to those functions and redraw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from artgan_utils import theory


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


def minimax_explorer(mu_g: float = 2.0, sigma_g: float = 1.0) -> MinimaxExplorer:
    """Build the explorer (display ``.widget`` in a notebook)."""
    return MinimaxExplorer(mu_g, sigma_g)
