"""Saved web pages (``.html``, ``.htm``): the article's main text, title and date.

The main text is extracted with trafilatura, made for news pages: navigation, adverts,
cookie notices, "most read" and "related" boxes, comments and footers are left out, so
that only the article is analysed. The title and publication date come from the page's
metadata (``<title>``, Open Graph and schema.org markup, ``<time>``) when present.

trafilatura is imported on the first page only (it costs about half a second), so that
``stance classify article.txt`` starts as fast as before. Nothing is fetched: the page
is parsed from its bytes.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from pipeline.errors import StanceError
from pipeline.lang import LanguagePack
from pipeline.read import Article, printable

# htmldate's fast search reads the page's markup (meta tags, <time>, JSON-LD, URL), not
# every date-like string of the text: the publication date, not a date the article mentions.
DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%d"}
_lock = threading.Lock()
_config: Any = None


def _settings() -> Any:
    """trafilatura's settings: a short news brief is an article (the size that triggers its fallback
    extractors is lowered), a page whose main text is a few words is not."""
    global _config
    with _lock:
        if _config is None:
            from trafilatura.settings import use_config

            config = use_config()
            config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "100")
            config.set("DEFAULT", "MIN_OUTPUT_SIZE", "40")  # a menu word is no article
            _config = config
    return _config


def extract_page(raw: bytes | str) -> dict[str, str | None]:
    """The main text, title, date (``YYYY-MM-DD``), url and site name of a page, each None when absent.

    Comments and tables are left out: a stance is read from the article's own sentences.
    """
    from trafilatura import bare_extraction

    document = bare_extraction(raw, include_comments=False, include_tables=False, include_images=False,
                               include_links=False, with_metadata=True, date_extraction_params=DATE_PARAMS,
                               config=_settings())
    if document is None:
        return {"text": None, "title": None, "date": None, "url": None, "sitename": None}
    get = document.get if isinstance(document, dict) else (lambda name: getattr(document, name, None))
    return {name: (get(name) or None) for name in ("text", "title", "date", "url", "sitename")}


def article_from_html(raw: bytes, article_id: str, source: str, when: date | None = None,
                      lang: LanguagePack | None = None) -> Article:
    """An :class:`Article` from a page's bytes: its main text, headed by its title.

    Its date is ``when`` if given, else the page's publication date, else a dateline in the text;
    the title, url and site name (as ``source``) go into the article's metadata. Raises
    :class:`StanceError` when the page holds no article text.
    """
    from pipeline.meta import parse_day
    from pipeline.records import article_from_text

    try:
        page = extract_page(raw)
    except (ValueError, TypeError, RecursionError) as exc:  # lxml on a page too broken to parse
        raise StanceError(f"{source}: not a readable HTML page ({exc})") from None
    body = (page["text"] or "").strip()
    if not body:
        raise StanceError(f"{source}: no article text found in the page")
    title = " ".join((page["title"] or "").split())
    # The headline is the first line of a .txt article: keep it so for a page.
    text = f"{title}\n{body}" if title and not body.startswith(title) else body
    day = None
    if page["date"]:
        try:
            day = parse_day(page["date"], source)
        except StanceError:
            day = None  # a date the page gets wrong is no reason to lose the article
    meta = tuple((name, printable(" ".join(str(value).split())))
                 for name, value in (("title", title), ("source", page["sitename"]), ("url", page["url"])) if value)
    # ``when`` comes first, as for a file (see pipeline.read.article_from_bytes).
    return article_from_text(text, article_id, source, when or day, meta, lang)
