"""Who wrote a report: foreign outlets named in a page's column or breadcrumb (``outlets.yaml``).

An Arabic site that publishes a translated report credits it in the page's column
(``واشنطن بوست | ...``): :func:`find_attribution` turns such a name into the outlet, its country
and the source type it implies (a newspaper or magazine: ``translated_foreign_press``; an agency:
``news_agency``; a broadcaster: ``foreign_broadcaster``).
"""

from __future__ import annotations

import functools

from arclf.text.normalize import collapse_whitespace, normalize_text

__all__ = ["find_attribution", "SOURCE_TYPE_OF_KIND"]

#: The source type a credited outlet's kind implies.
SOURCE_TYPE_OF_KIND = {"newspaper": "translated_foreign_press", "magazine": "translated_foreign_press",
                       "agency": "news_agency", "broadcaster": "foreign_broadcaster"}


def _key(name: str) -> str:
    return collapse_whitespace(normalize_text(name))


@functools.lru_cache(maxsize=1)
def _outlets() -> dict[str, dict]:
    import importlib.resources
    from pathlib import Path

    from arclf.util.files import read_yaml

    path = Path(str(importlib.resources.files("arclf").joinpath("resources", "places", "outlets.yaml")))
    table = {}
    for key, o in read_yaml(path, what="outlet data file")["outlets"].items():
        for name in o["names"]:
            table[_key(name)] = {"outlet": key, "name": o["names"][0], "country": o["country"], "kind": o["kind"],
                                 "source_type": SOURCE_TYPE_OF_KIND[o["kind"]]}
    return table


def find_attribution(sections) -> dict | None:
    """The foreign outlet a page credits, from its section and column names, or None.

    Parameters
    ----------
    sections : iterable of str
        The page's breadcrumb items and column (``record["sections"]`` of a page input).

    Returns
    -------
    dict or None
        ``{"outlet", "name", "country", "kind", "source_type", "credited_as"}`` for the first
        section name that is an outlet's name (after folding).
    """
    table = _outlets()
    for section in sections or ():
        found = table.get(_key(section))
        if found:
            return {**found, "credited_as": section}
    return None
