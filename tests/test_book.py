"""The static book (tools/build_book.py): built from the stored outputs, navigable, clean."""

from __future__ import annotations

import importlib.util
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MACHINE_PATHS = ("/work/", "/tmp/", "/home/")

pytest.importorskip("nbconvert")
_spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)


class Page(HTMLParser):
    """Links (href, text), element ids, all text, and the text inside output areas of one page."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self.output_text: list[str] = []
        self._divs: list[bool] = []  # for each open <div>: is it (inside) an output area?
        self._link: list[str] | None = None
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(unquote(attrs["id"]))
        if tag == "div":
            inside = bool(self._divs and self._divs[-1]) or "jp-OutputArea" in (attrs.get("class") or "")
            self._divs.append(inside)
        elif tag == "a" and attrs.get("href") is not None:
            self._link = [attrs["href"]]

    def handle_endtag(self, tag):
        if tag == "div" and self._divs:
            self._divs.pop()
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], "".join(self._link[1:]).strip()))
            self._link = None

    def handle_data(self, data):
        self.text.append(data)
        if self._divs and self._divs[-1]:
            self.output_text.append(data)
        if self._link is not None:
            self._link.append(data)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """The instructor book, in a folder one level below a stand-in root (like book/ in the repository)."""
    out = tmp_path_factory.mktemp("root") / "book"
    build_book.build(out)
    return out


@pytest.fixture(scope="module")
def pages(book) -> dict[str, Page]:
    return {path.name: Page(path) for path in sorted(book.glob("*.html"))}


def _local(href: str) -> bool:
    return not href.startswith(("http://", "https://", "mailto:", "data:", "javascript:"))


@pytest.mark.slow
def test_one_page_per_notebook_and_an_index_in_order(pages):
    expected = [f"{p.stem}.html" for p in NOTEBOOKS]
    assert sorted(pages) == sorted(expected + ["index.html"])
    listed = [href for href, _ in pages["index.html"].links if href in expected]
    assert listed == expected, "index.html must list every notebook once, in order"


@pytest.mark.slow
def test_every_local_link_resolves(book, pages):
    for name, page in pages.items():
        for href, _ in page.links:
            if not _local(href):
                continue
            file, _, anchor = unescape(href).partition("#")
            target = (book / file).resolve() if file else book / name
            if not target.is_relative_to(book.resolve()):  # ../README.md: the book sits one level below the root
                target = ROOT / target.relative_to(book.parent.resolve())
            assert target.exists(), f"{name}: link {href!r} points to a missing file"
            if anchor and target.suffix == ".html" and target.parent == book:
                assert unquote(anchor) in pages[target.name].ids, f"{name}: no id {anchor!r} in {target.name}"


@pytest.mark.slow
def test_footer_links_follow_the_numbering(pages):
    names = [f"{p.stem}.html" for p in NOTEBOOKS]
    for i, name in enumerate(names):
        links = pages[name].links
        prev = [href for href, text in links if text.startswith("←")]
        nxt = [href for href, text in links if text.endswith("→")]
        assert prev == ([names[i - 1]] if i > 0 else []), f"{name}: previous link {prev}"
        assert nxt == ([names[i + 1]] if i + 1 < len(names) else []), f"{name}: next link {nxt}"
        assert ("index.html", "Contents") in links, f"{name}: no Contents link to index.html"
        assert not any(href.endswith(".ipynb") or ".ipynb#" in href for href, _ in links), name


@pytest.mark.slow
def test_pages_show_no_widget_reprs_tracebacks_or_machine_paths(pages):
    for name, page in pages.items():
        outputs = "".join(page.output_text)
        for repr_start in ("VBox(children=", "HBox(children="):
            assert repr_start not in outputs, f"{name}: an output shows a widget's text repr"
        text = "".join(page.text) + " ".join(href for href, _ in page.links)
        assert "Traceback (most recent call last)" not in text, f"{name} shows a traceback"
        for machine_path in MACHINE_PATHS:
            assert machine_path not in text, f"{name} shows a machine path ({machine_path})"


def test_student_book_hides_the_solutions(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    shutil.copy(NOTEBOOKS[0], src)
    build_book.build(tmp_path / "instructor", src=src)
    build_book.build(tmp_path / "student", student=True, src=src)
    page = f"{NOTEBOOKS[0].stem}.html"
    instructor = "".join(Page(tmp_path / "instructor" / page).text)
    student = "".join(Page(tmp_path / "student" / page).text)
    # the prose names the markers too: the student page has fewer of them, and placeholders instead
    assert student.count("# BEGIN SOLUTION") < instructor.count("# BEGIN SOLUTION")
    assert 'raise NotImplementedError("Exercise 00.1' in student
    assert 'raise NotImplementedError("Exercise 00.1' not in instructor
    assert "student edition" in "".join(Page(tmp_path / "student" / "index.html").text)
