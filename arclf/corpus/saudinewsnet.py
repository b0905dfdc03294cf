"""Reader of SaudiNewsNet (M. Alhagri, 2015): 31,030 articles from 14 Saudi outlets.

The corpus ships as ``dataset/YYYY-MM-DD.zip``, each zip holding one UTF-8 JSON array of
``{source, url, date_extracted, title, author, content}`` objects (see its
``UPSTREAM-README.md``). Licence CC BY-NC-SA 4.0, research use only.

What this reader decides
------------------------
- **Skipped**: the 354 articles with an empty ``content`` (reason ``'no content'``). They are
  infographics, cartoons, photo stories and videos whose body was an image: what is left is a
  caption, not an article. 57 of them have no title either (reported in ``stats.notes``).
  One almadina item whose content is the string ``Array`` and has no title is skipped as
  ``'crawler artifact'``. Aljazirah items whose content is only a photo caption (a name) are
  kept: their title is real text.
- **id**: the article URL (all 31,030 are present and unique); an empty or repeated URL falls
  back to ``<zip stem>:<index in the array>``.
- **published**: ``date_extracted``, the crawler's *extraction* time, not the publication time
  (the upstream README says it is most probably the authoring date only after 1 August 2015).
  It has no time zone; it is read as Saudi time (UTC+03:00), an assumption.
- **source**: the outlet id as the data spells it (``arriyadiyah``, not the README's ``arreyadiyah``).
- **section**: read from the URL where the URL carries one, else None (see :func:`url_section`).
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import zipfile
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from arclf.errors import DataError
from arclf.corpus.schema import make_record
from arclf.corpus.base import ReadStats, find_data
from arclf.corpus.registry import corpus_entry

__all__ = ["read_saudinewsnet", "url_section", "iter_raw_articles"]

CORPUS = "saudinewsnet"
#: Where the corpus sits in a data folder.
_SAUDI_TIME = _dt.timezone(_dt.timedelta(hours=3))
_JAZIRAH_PAGE = re.compile(r"^([a-z]+)\d*\.htm$")
_3ALYOUM = re.compile(r"^/(.+?)/a/")


def url_section(source: str, url: str | None) -> str | None:
    """Return the section an outlet's article URL names, or None.

    Only outlets whose URLs carry a section in a fixed place are read:

    - ``alwatan``: first path segment (``/Politics/News_Detail.aspx?...`` -> ``Politics``).
    - ``3alyoum``: the path before ``/a/`` (``/news/local/a/<slug>/`` -> ``news/local``).
    - ``aljazirah``: the printed page's code, the letters of the file name
      (``/2015/20150803/sp17.htm`` -> ``sp``: sports pages; ``ec`` economy, ``ar`` columnists ...).
    - ``arriyadiyah``: the Arabic section after the node id (``/node/907201/<section>/<slug>``).
    - ``aawsat``: columns carry the columnist's name between id and title
      (``/home/article/<id>/<columnist>/<slug>``) -> ``opinion``; news has no section.

    >>> url_section("alwatan", "http://www.alwatan.com.sa/Sports/News_Detail.aspx?ArticleID=1")
    'Sports'
    >>> url_section("3alyoum", "http://www.3alyoum.com/news/pol/a/x/")
    'news/pol'
    >>> url_section("okaz", "http://www.okaz.com.sa/new/Issues/20150721/Con20150721784811.htm") is None
    True
    """
    if not url:
        return None
    path = unquote(urlsplit(url).path)
    parts = [p for p in path.split("/") if p]
    if source == "alwatan":
        return parts[0] if len(parts) > 1 else None
    if source == "3alyoum":
        m = _3ALYOUM.match(path)
        return m.group(1) if m else None
    if source == "aljazirah":
        m = _JAZIRAH_PAGE.match(parts[-1]) if parts else None
        return m.group(1) if m else None
    if source == "arriyadiyah":
        return parts[2] if len(parts) >= 4 and parts[0] == "node" else None
    if source == "aawsat":
        return "opinion" if len(parts) == 5 and parts[:2] == ["home", "article"] else None
    return None


def _zips(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    for folder in (root, root / "dataset"):
        found = sorted(folder.glob("*.zip"))
        if found:
            return found
    raise DataError(f"saudinewsnet: no .zip files in {root} or {root / 'dataset'}")


def iter_raw_articles(root: Path) -> Iterator[tuple[str, int, dict]]:
    """Yield ``(zip stem, index, article dict)`` for every article of every zip under ``root``, in order."""
    for path in _zips(root):
        try:
            with zipfile.ZipFile(path) as zf:
                for member in sorted(n for n in zf.namelist() if n.endswith(".json")):
                    articles = json.loads(zf.read(member).decode("utf-8"))
                    for i, art in enumerate(articles):
                        yield path.stem, i, art
        except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"saudinewsnet: cannot read {path}: {exc.__class__.__name__}: {exc}") from None


def _published(value: str | None) -> _dt.datetime | None:
    try:
        return _dt.datetime.strptime((value or "").strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=_SAUDI_TIME)
    except ValueError:
        return None


def read_saudinewsnet(spec, *, stats: ReadStats, data_dir=None) -> Iterator[dict]:
    """Yield one schema record per SaudiNewsNet article that has content.

    Parameters
    ----------
    spec : CorpusSpec
        ``spec.path`` may name the ``saudinewsnet`` folder, its ``dataset`` folder or one zip;
        default: ``saudinewsnet/dataset`` in the data folder.
    stats : ReadStats
        Counts ``read`` and ``skipped['no content']``.
    data_dir : path, optional
        Folder holding the corpora (default ``$ARCLF_DATA``).

    Yields
    ------
    dict
        Schema records with ``id``, ``text``, ``title``, ``body``, ``url``, ``published``,
        ``corpus='saudinewsnet'``, ``source`` and ``section`` set.

    Raises
    ------
    DataError
        The corpus is not found or a zip is unreadable.
    """
    entry = corpus_entry("saudinewsnet")
    root = find_data(spec.path, list(entry.candidates), what="SaudiNewsNet", data_dir_=data_dir, fetch_hint=entry.fetch_hint)
    seen: set[str] = set()
    no_title = 0
    for stem, i, art in iter_raw_articles(root):
        title = (art.get("title") or "").strip()
        body = (art.get("content") or "").strip()
        if not body:
            stats.skip("no content")
            no_title += not title
            continue
        if body == "Array" and not title:  # PHP's rendering of an array: the crawler's artifact (1 in almadina)
            stats.skip("crawler artifact")
            continue
        source = (art.get("source") or "").strip() or None
        url = (art.get("url") or "").strip() or None
        rid = url if url and url not in seen else f"{stem}:{i}"
        seen.add(rid)
        stats.read += 1
        yield make_record(id=rid, title=title, body=body, url=url, published=_published(art.get("date_extracted")),
                          corpus=CORPUS, source=source, section=url_section(source or "", url))
    if no_title:
        stats.notes.append(f"{no_title} of the articles without content have no title either")
