"""Build a static HTML book of the notebook series from the notebooks' stored outputs.

    python tools/build_book.py --out book/              # instructor edition: solutions shown
    python tools/build_book.py --out book/ --student    # student edition: solutions replaced

Nothing is executed: every page shows the outputs stored in ``notebooks/*.ipynb``
(the ``standard`` profile's, see the README). The book has one page per notebook,
``NN_name.html``, and ``index.html``, the notebooks in order with their titles and
the one-line descriptions of the README's notebook table.

Links are rewritten for the book: ``NN_name.ipynb`` (with or without ``#anchor``)
becomes ``NN_name.html``, the footer's ``Contents`` link (``../README.md#the-notebooks``)
becomes ``index.html``. Other relative links (``../README.md``, ``../checkpoints/...``)
are left as they are: they resolve when the book folder sits at the repository root,
one level below it like ``notebooks/``.

Interactive controls (ipywidgets) need a running kernel; each one in the series is
followed by a figure of its state, so the book replaces the control with a one-line
note and drops the stored widget state (no widget JavaScript is loaded). Pages load
MathJax and RequireJS from a CDN (nbconvert's ``lab`` template), so formulas render
only with internet access.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    '<p class="book-widget-note"><em>An interactive control stood here: it needs a running '
    "kernel, so open the notebook in Jupyter to use it. The next figure shows its state.</em></p>"
)
TITLE = re.compile(r"^#\s*(\d\d)\s*·\s*(.+?)\s*$")
# | NN | [name](notebooks/name.ipynb) | what it teaches | quick | standard |
README_ROW = re.compile(r"^\|\s*(\d\d)\s*\|\s*\[[^\]]*\]\([^)]*\)\s*\|(.*)\|[^|]*\|[^|]*\|\s*$")
HREF = re.compile(r'href="([^"]*)"')


def readme_descriptions(readme: Path = README) -> dict[str, str]:
    """Return {"NN": "what it teaches"} from the README's notebook table (empty if absent)."""
    if not readme.is_file():
        return {}
    rows = (README_ROW.match(line) for line in readme.read_text(encoding="utf-8").splitlines())
    return {m.group(1): m.group(2).strip() for m in rows if m}


def title_and_intro(nb) -> tuple[str, str, str]:
    """Return (number, title, a one-line intro: first sentence or first bullet) from the first cell."""
    lines = "".join(nb.cells[0].source).strip().splitlines()
    match = TITLE.match(lines[0]) if lines else None
    if not match:
        raise SystemExit(f"The first cell must open with '# NN · Title', found {lines[:1]}")
    bullets = [line.strip()[2:] for line in lines[1:] if line.strip().startswith(("* ", "- "))]
    prose = [line.strip() for line in lines[1:] if line.strip() and not line.lstrip().startswith(("#", "*", "-", "|"))]
    intro = re.split(r"(?<=\.)\s", " ".join(prose), maxsplit=1)[0] if prose else (bullets or [""])[0]
    return match.group(1), match.group(2), intro.rstrip(";")


def inline_markdown(text: str) -> str:
    """Escape ``text`` for HTML, keeping `code` and **bold** spans."""
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)


def static_widgets(nb) -> int:
    """Replace every widget view with a note and drop the stored widget state; return the count."""
    nb.metadata.pop("widgets", None)
    replaced = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if WIDGET_VIEW in output.get("data", {}):
                output["data"] = {"text/html": WIDGET_NOTE}
                replaced += 1
    return replaced


def rewrite_links(page: str, notebook_names: set[str]) -> str:
    """Point links between notebooks at the book's pages and Contents at index.html."""

    def fix(match: re.Match) -> str:
        href = match.group(1)
        path, sep, anchor = href.partition("#")
        if path in notebook_names:
            href = f"{path[: -len('.ipynb')]}.html{sep}{anchor}"
        elif path == "../README.md" and anchor == "the-notebooks":
            href = "index.html"
        return f'href="{html.escape(href, quote=True)}"' if href != match.group(1) else match.group(0)

    return HREF.sub(fix, page)


def index_page(entries: list[tuple[str, str, str, str]], student: bool) -> str:
    """Return index.html: the notebooks in order, each with its title and description."""
    edition = "student edition (exercise solutions removed)" if student else "instructor edition (with solutions)"
    items = "\n".join(
        f'<li id="nb-{num}"><a href="{stem}.html">{num} · {html.escape(title)}</a><br>'
        f"<span class=\"what\">{inline_markdown(what)}</span></li>"
        for num, stem, title, what in entries
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ArtGAN notebooks</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }}
li {{ margin-bottom: 0.9rem; }} li a {{ font-weight: 600; }} .what {{ color: #444; }}
</style></head>
<body>
<h1>ArtGAN notebooks</h1>
<p>Generative adversarial networks for art, as an ordered series of Jupyter notebooks:
the {edition}. Each page shows the outputs stored in the notebook; nothing was re-run
to build this book. To run the notebooks, see the <a href="../README.md">README</a>.</p>
<h2 id="the-notebooks">The notebooks</h2>
<ol start="0">
{items}
</ol>
</body></html>
"""


def build(out: Path, student: bool = False, src: Path = NOTEBOOKS) -> list[Path]:
    """Write the book to ``out``; return the pages written (index first)."""
    import nbformat
    from nbconvert import HTMLExporter

    from artgan_utils.student_edition import make_student_edition

    paths = sorted(src.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SystemExit(f"No notebooks found in {src}")
    names = {p.name for p in paths}
    descriptions = readme_descriptions()
    exporter = HTMLExporter(template_name="lab")
    out.mkdir(parents=True, exist_ok=True)
    entries, written = [], []
    for path in paths:
        raw = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        if student:
            raw, _ = make_student_edition(raw, path.name)
        nb = nbformat.from_dict(raw)
        static_widgets(nb)
        num, title, intro = title_and_intro(nb)
        entries.append((num, path.stem, title, descriptions.get(num, intro)))
        resources = {"metadata": {"name": f"{num} · {title}"}}
        page, _ = exporter.from_notebook_node(nb, resources=resources)
        target = out / f"{path.stem}.html"
        target.write_text(rewrite_links(page, names), encoding="utf-8")
        written.append(target)
    index = out / "index.html"
    index.write_text(index_page(entries, student), encoding="utf-8")
    return [index, *written]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Repository links in the pages ('../README.md') resolve when the book folder sits at "
               "the repository root.")
    parser.add_argument("--out", type=Path, default=ROOT / "book", help="output folder (default: book/ at the repository root)")
    parser.add_argument("--student", action="store_true", help="build from the student edition (solutions replaced, their outputs cleared)")
    args = parser.parse_args(argv)
    try:
        import nbconvert  # noqa: F401
    except ImportError:
        raise SystemExit("nbconvert is needed: pip install nbconvert (JupyterLab installs it)") from None
    start = time.perf_counter()
    pages = build(args.out, args.student)
    edition = "student" if args.student else "instructor"
    print(f"{len(pages) - 1} notebook pages and index.html ({edition} edition) written to {args.out}/ "
          f"in {time.perf_counter() - start:.1f} s")
    if args.out.resolve().parent != ROOT:
        print("Note: links to repository files ('../README.md') resolve only when the book folder "
              "sits at the repository root.")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # artgan_utils, when the package is not installed
    raise SystemExit(main())
