"""The notebooks and the static book as a reader sees them, in a real browser.

Headless Chromium (Debian's ``chromium``, driven by Playwright) opens every notebook, as
stored, in JupyterLab after ``jupyter trust``, and checks the rendered page: every stored
image is shown, no traceback or error output, every stored widget rendered as a control
(not as its ``VBox(children=...`` text), no errors in the browser console. It runs notebook
01 and moves its explorer's slider, checking that the plot follows. It opens every page of
the static book (``tools/build_book.py``) from ``file://`` and follows the footer links.
Screenshots go to ``browser-screenshots/`` at the repository root.

Run separately from the default ``pytest`` (see the README, "Tests"):

    pytest tests/browser
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
WIDGET_REPRS = ("VBox(children=", "HBox(children=")
NAMES = [p.name for p in NOTEBOOKS]

# Console errors that are not the notebooks' fault, as (regex, reason). None so far: JupyterLab
# 4.6 logs no console error on any notebook page, stored or run (fetchNews and checkForUpdates
# are off, see conftest.py: they would ask the internet).
LAB_IGNORED: list[tuple[str, str]] = []
# The book's pages load RequireJS and MathJax (and nbconvert's Mermaid module) from a CDN
# (nbconvert's `lab` template; tools/build_book.py says so). The tests block every request that
# is not a local file, so there is no dependence on the network; these errors are those blocked
# loads and nothing else: the page itself needs none of them (formulas stay as TeX source).
BOOK_CDN_HOSTS = ("cdnjs.cloudflare.com", "cdn.jsdelivr.net", "unpkg.com")
BOOK_IGNORED: list[tuple[str, str]] = [
    (r"^console\.error: Failed to load resource: net::ERR_FAILED \[https://({})/".format(
        "|".join(re.escape(h) for h in BOOK_CDN_HOSTS)), "a CDN script the test blocked (no internet)"),
]


@dataclass
class Console:
    """Error messages from one page: console.error calls (failed loads among them) and
    uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        def on_console(message):
            if message.type == "error":
                where = (message.location or {}).get("url", "")
                self.errors.append(f"console.error: {message.text} [{where}]")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def unexpected(self, ignored: list[tuple[str, str]]) -> list[str]:
        """The errors that match none of the ``(regex, justification)`` pairs."""
        return [e for e in self.errors if not any(re.search(pattern, e) for pattern, _ in ignored)]


# ------------------------------------------------------------------ what the .ipynb stores

def _stored(path: Path) -> dict:
    """Counts of what a page must show for the notebook at ``path``."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    state = nb["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    views = [o["data"][WIDGET_VIEW]["model_id"] for o in outputs if WIDGET_VIEW in o.get("data", {})]

    def widget_images(model_id: str, seen: set[str]) -> int:
        """Images in the Output widgets below a displayed widget (they render too)."""
        if model_id in seen or model_id not in state:
            return 0
        seen.add(model_id)
        model = state[model_id]["state"]
        found = sum(1 for o in model.get("outputs", []) if any(t in o.get("data", {}) for t in IMAGE_TYPES))
        for child in model.get("children", []):
            found += widget_images(child.removeprefix("IPY_MODEL_"), seen)
        return found

    return {
        "cells": len(nb["cells"]),
        "images": sum(1 for o in outputs if any(t in o.get("data", {}) for t in IMAGE_TYPES)),
        "widgets": len(views),
        "widget_images": sum(widget_images(v, set()) for v in views),
        "errors": sum(1 for o in outputs if o["output_type"] == "error"),
    }


# What the notebook page shows, measured in the browser. Images inside a widget (its Output
# area) are counted apart from the cells' own; "loaded" means decoded with a real size.
MEASURE_NOTEBOOK = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  if (!nb) return null;
  const imgs = [...nb.querySelectorAll('.jp-RenderedImage img')];
  const inWidget = (el) => !!el.closest('.jupyter-widgets');
  const outputs = [...nb.querySelectorAll('.jp-OutputArea-output')];
  // a widget view renders as a control inside its output; "Loading widget..." and
  // "Error displaying widget" are text on the output itself
  const views = outputs.filter(o => !inWidget(o) && o.querySelector(':scope > .jupyter-widgets'));
  return {
    cells: nb.querySelectorAll('.jp-Cell').length,
    images: imgs.filter(i => !inWidget(i)).length,
    widget_images: imgs.filter(inWidget).length,
    unloaded: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length,
    widgets: views.length,
    stderr: [...nb.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
      .map(o => o.innerText),
    outputs_text: outputs.map(o => o.innerText).join('\\n'),
  };
}"""


def _wait_for(page, expression: str, arg=None, timeout: float = 60_000) -> bool:
    """Wait until the JS predicate holds; False (not an exception) on timeout, so the
    assertions after it can say what is missing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(expression, arg=arg, timeout=timeout, polling=250)
        return True
    except PlaywrightTimeout:
        return False


def _full_screenshot(page, path: Path) -> None:
    """The whole notebook in one image: JupyterLab scrolls inside its panel, so a full-page
    screenshot shows only the viewport; make the viewport as tall as the notebook instead."""
    height = page.evaluate("""() => {
      const scroller = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
      return scroller ? scroller.scrollHeight + (window.innerHeight - scroller.clientHeight) : window.innerHeight;
    }""")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 20, 30_000)})
    page.wait_for_timeout(500)  # a layout pass at the new size
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": 900})


@pytest.fixture
def lab_page(browser, lab):
    """A fresh browser tab and its console; the kernels it started are shut down after."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    console = Console()
    console.attach(page)
    yield page, console
    context.close()
    lab.shut_down_kernels()


def _open_notebook(page, lab, name: str, workspace: str) -> None:
    page.goto(lab.notebook_url(name, workspace))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)


# ------------------------------------------------------------------ notebooks as stored

@pytest.mark.parametrize("name", NAMES)
def test_notebook_renders_as_stored(lab_page, lab, screenshots, name):
    page, console = lab_page
    expected = _stored(lab.root / name)
    assert expected["errors"] == 0, f"{name} stores {expected['errors']} error outputs"
    _open_notebook(page, lab, name, f"render-{name[:2]}")
    # everything stored is on the page: cells, images (decoded), widgets (rendered as controls)
    shows_all = """(want) => {
        const got = (MEASURE)();
        return got && got.cells >= want.cells && got.images >= want.images && got.unloaded === 0
            && got.widgets >= want.widgets && got.widget_images >= want.widget_images;
      }""".replace("MEASURE", MEASURE_NOTEBOOK)
    complete = _wait_for(page, shows_all, arg=expected)
    got = page.evaluate(MEASURE_NOTEBOOK)
    _full_screenshot(page, screenshots / f"{name[:-len('.ipynb')]}.png")
    print(f"{name}: shown {({k: v for k, v in got.items() if k not in ('outputs_text', 'stderr')})}, stored {expected}")
    if not complete:  # the assertions below say what is missing
        print(f"{name}: timed out waiting for every stored output to show")
    assert got["cells"] == expected["cells"], f"cells on the page {got['cells']}, in the notebook {expected['cells']}"
    assert got["images"] == expected["images"], f"images shown {got['images']}, stored {expected['images']}"
    assert got["unloaded"] == 0, f"{got['unloaded']} images did not load"
    assert got["widgets"] == expected["widgets"], f"{got['widgets']} widgets shown as controls, {expected['widgets']} stored"
    assert got["widget_images"] == expected["widget_images"], (
        f"images inside widgets {got['widget_images']}, stored in their state {expected['widget_images']}")
    text = got["outputs_text"]
    for bad in WIDGET_REPRS:
        assert bad not in text, f"a widget is shown as its text repr ({bad}...)"
    for bad in ("Traceback (most recent call last)", "Error displaying widget", "Javascript Error"):
        assert bad not in text, f"an output shows {bad!r}"
    assert not [s for s in got["stderr"] if "Traceback" in s or "Error" in s], f"error text on stderr: {got['stderr']}"
    errors = console.unexpected(LAB_IGNORED)
    assert not errors, "browser console errors:\n" + "\n".join(errors)


def test_untrusted_notebook_shows_widgets_as_text(lab_page, lab):
    """What the README says of notebooks that are not trusted: the stored control shows as
    text (and trust, above, is what makes the controls render)."""
    page, console = lab_page
    source = lab.root / "01_minimax_objective.ipynb"
    nb = json.loads(source.read_text(encoding="utf-8"))
    nb["metadata"]["untrusted_copy"] = True  # another content, so not covered by the signature
    copy = lab.root / "untrusted_01.ipynb"
    copy.write_text(json.dumps(nb), encoding="utf-8")
    _open_notebook(page, lab, copy.name, "untrusted")
    assert _wait_for(page, "() => [...document.querySelectorAll('.jp-OutputArea-output')]"
                           ".some(o => o.innerText.includes('VBox(children='))"), "no widget shown as text"
    assert page.locator(".jp-Notebook .jupyter-widgets").count() == 0
    errors = console.unexpected(LAB_IGNORED)
    assert not errors, "browser console errors:\n" + "\n".join(errors)


# ------------------------------------------------------------------ a widget, live

def test_minimax_explorer_slider_redraws_the_plot(lab_page, lab, screenshots):
    """Run notebook 01 (quick profile: a few seconds of cells) and move the explorer's slider."""
    page, console = lab_page
    name = "run_01_minimax_objective.ipynb"
    shutil.copy2(lab.root / "01_minimax_objective.ipynb", lab.root / name)  # same content: trusted
    _open_notebook(page, lab, name, "run-01")
    assert _wait_for(page, "() => document.querySelectorAll('.jp-Notebook .widget-slider').length >= 2"), \
        "the stored explorer did not render"
    # mark the stored controls, to tell the live ones (drawn by the kernel) from them
    page.evaluate("() => document.querySelectorAll('.jp-Notebook .widget-slider')"
                  ".forEach(s => s.setAttribute('data-stored', ''))")
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator(".lm-Menu-item:has-text('Run All Cells')").first.click()
    start = time.monotonic()
    live = """() => {
        const slider = document.querySelector('.jp-Notebook .widget-slider:not([data-stored])');
        const box = slider && slider.closest('.widget-vbox');
        const busy = [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')].some(p => p.innerText.includes('*'));
        return !!(box && box.querySelector('.widget-output img') && !busy);
      }"""
    assert _wait_for(page, live, timeout=150_000), "Run All did not bring the explorer back live"
    ran_for = time.monotonic() - start
    box = page.locator(".widget-vbox:has(.widget-slider:not([data-stored]))").last
    slider = box.locator(".widget-slider").first  # "mean of p_g", 2.0
    image = box.locator(".widget-output img")
    readout = slider.locator(".widget-readout")
    before_src, before_value = image.get_attribute("src"), readout.inner_text()
    # stored controls carry ipywidgets' "disconnected" mark (no kernel behind them); live ones do not
    assert box.locator(".jupyter-widgets-disconnected").count() == 0, "the explorer is not connected to the kernel"
    box.screenshot(path=str(screenshots / "01_explorer_before.png"))
    handle = slider.locator(".noUi-handle")
    handle.focus()
    for _ in range(5):  # five steps of 0.1, as a keyboard user would
        handle.press("ArrowRight")
    assert _wait_for(page, """([before]) => {
        const box = [...document.querySelectorAll('.widget-vbox')].filter(b => b.querySelector('.widget-slider:not([data-stored])')).pop();
        const img = box && box.querySelector('.widget-output img');
        return !!(img && img.getAttribute('src') !== before && img.complete && img.naturalWidth > 0);
      }""", arg=[before_src], timeout=30_000), "the plot did not change after the slider moved"
    after_value = readout.inner_text()
    box.screenshot(path=str(screenshots / "01_explorer_after.png"))
    assert (before_value, after_value) == ("2.00", "2.50"), (before_value, after_value)
    text = page.locator(".jp-Notebook").inner_text()
    assert "Traceback (most recent call last)" not in text, "a cell failed when run in the browser"
    errors = console.unexpected(LAB_IGNORED)
    assert not errors, "browser console errors:\n" + "\n".join(errors)
    print(f"Run All took {ran_for:.0f} s")


# ------------------------------------------------------------------ the static book

@pytest.fixture
def book_page(browser):
    """A tab that can load local files only (every other request is blocked and recorded)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith("file:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    console = Console()
    console.attach(page)
    yield page, console, blocked
    context.close()


@pytest.mark.parametrize("name", NAMES)
def test_book_page_shows_the_stored_outputs(book_page, book, screenshots, name):
    page, console, blocked = book_page
    expected = _stored(NOTEBOOKS[NAMES.index(name)])
    page.goto((book / name.replace(".ipynb", ".html")).as_uri())
    got = page.evaluate("""() => {
      const imgs = [...document.querySelectorAll('.jp-RenderedImage img')];
      return {images: imgs.length, unloaded: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length,
              cells: document.querySelectorAll('.jp-Cell').length,
              notes: document.querySelectorAll('.book-widget-note').length,
              text: document.body.innerText,
              outputs_text: [...document.querySelectorAll('.jp-OutputArea')].map(o => o.innerText).join('\\n')};
    }""")
    page.screenshot(path=str(screenshots / f"book_{name[:-len('.ipynb')]}.png"), full_page=True)
    assert got["cells"] == expected["cells"]
    assert got["images"] == expected["images"], f"images shown {got['images']}, stored {expected['images']}"
    assert got["unloaded"] == 0, f"{got['unloaded']} images did not load"
    assert got["notes"] == expected["widgets"], "each widget should be replaced by the book's note"
    for bad in WIDGET_REPRS:  # in outputs: the prose of 01 and 04 names VBox(children=...)
        assert bad not in got["outputs_text"], f"an output shows a widget's text repr ({bad}...)"
    assert "Traceback (most recent call last)" not in got["text"], "the page shows a traceback"
    hosts = {url.split("/")[2] for url in blocked}
    assert hosts <= set(BOOK_CDN_HOSTS), f"the page requests other hosts: {sorted(hosts)}"
    errors = console.unexpected(BOOK_IGNORED)
    assert not errors, "browser console errors:\n" + "\n".join(errors)
    print(f"{name}: {len(console.errors)} console errors, all blocked loads from {sorted(hosts)}")


def test_book_footer_links_walk_the_series(book_page, book):
    """From the first page, each footer's next link leads to the next notebook, and back."""
    page, console, _ = book_page
    pages = [p.name.replace(".ipynb", ".html") for p in NOTEBOOKS]
    page.goto((book / pages[0]).as_uri())
    for following in pages[1:]:
        page.locator("a", has_text="→").last.click()
        page.wait_for_load_state()
        assert page.url.endswith("/" + following), f"next led to {page.url}, not {following}"
    assert page.locator("a", has_text="→").count() == 0, "the last page links to a next page"
    page.locator("a", has_text="←").last.click()
    page.wait_for_load_state()
    assert page.url.endswith("/" + pages[-2]), f"previous led to {page.url}"
    page.get_by_role("link", name="Contents", exact=True).last.click()
    page.wait_for_load_state()
    assert page.url.endswith("/index.html"), page.url
    page.locator(f'a[href="{pages[1]}"]').click()
    page.wait_for_load_state()
    assert page.url.endswith("/" + pages[1])
    errors = console.unexpected(BOOK_IGNORED)
    assert not errors, "browser console errors:\n" + "\n".join(errors)
