"""Papers to print and sign: HTML laid out like the forms practitioners use, and the same
HTML as PDF (WeasyPrint, with the system's fonts: Debian's DejaVu or Liberation).

The templates here serve both: the browser shows and prints the HTML page, and `pdf_of`
typesets it. Nothing is fetched while typesetting: the style is inside the page, and the
fetcher refuses every URL but inline `data:` ones, so a paper never reaches the network or
the file system, whatever text a request carries.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(str(files("mobilize.papers"))) / "templates"
environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
NONE_SHOWN = "\N{EN DASH}"  # a figure not known, as the pages show it
environment.filters["thousands"] = lambda value: NONE_SHOWN if value is None else f"{value:,}"
environment.filters["money"] = lambda value: NONE_SHOWN if value is None else f"${value:,.0f}"
environment.filters["utc"] = lambda moment: moment.strftime("%Y-%m-%d %H:%M UTC")


def paper_html(template: str, links: dict[str, str] | None = None, **values: Any) -> str:
    """The paper as a standalone HTML page; `links` (label -> address) are shown on screen
    only (the PDF, back to the request), never printed."""
    return environment.get_template(template).render(links=links or {}, **values)


def pdf_of(html: str) -> bytes:
    """The page typeset as PDF, fetching nothing (see the module's docstring)."""
    # Imported here: WeasyPrint loads Pango when imported, which only papers need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    offline = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    document: bytes = HTML(string=html, base_url=None, url_fetcher=offline).write_pdf()
    return document
