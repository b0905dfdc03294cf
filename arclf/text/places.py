"""Which countries an Arabic article mentions, and which one it covers: a place tagger.

Names of every country come from the Unicode CLDR (Arabic locale, read through Babel); what
CLDR lacks (short forms, capitals and main cities, demonyms, names that are also common words)
is the reviewed data file ``arclf/resources/places/places.yaml``, whose header documents the
rules. Foreign outlets' names (``outlets.yaml``) are skipped, so "واشنطن بوست" is not Washington.

Matching works on tokens of the folded text (:func:`arclf.text.normalize.normalize_text`, every
step: hamza forms, teh marbuta, alef maksura, diacritics, tatweel, digits, lowercase), longest
phrase first, and strips the clitics Arabic attaches to a word: و ف (and), ب ل ك (in, for, like),
the article ال and their combinations (وبال، لل …). A demonym's feminine, plural and definite forms
(ليبي → ليبية، ليبيون، ليبيين، الليبي …) are derived from its masculine singular.

The **coverage rule**, by which :meth:`PlaceTagger.tag` picks the one country an article is
about: each mention scores 3 in the title or the page's section names, 2 in the lead (the first
300 characters of the text) and 1 further on; the country with the highest total wins if that
total is at least 3 (a title or section mention, a lead and a body mention, or three body
mentions); a tie goes to the country mentioned first. Otherwise there is no coverage country.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from pathlib import Path

from arclf.text.normalize import normalize_text

__all__ = ["PlaceTagger", "PlaceResult", "place_tagger", "data_files", "LEAD_CHARS", "WEIGHTS", "MIN_SCORE"]

#: Characters of the text that make its lead.
LEAD_CHARS = 300
#: Score of one mention by where it is.
WEIGHTS = {"title": 3, "lead": 2, "body": 1}
#: Least total score of the coverage country.
MIN_SCORE = 3
#: Clitic prefixes tried on a word, longest first: (prefix, what replaces it).
_CLITICS = [("وبال", "ال"), ("فبال", "ال"), ("وكال", "ال"), ("ولل", "ال"), ("فلل", "ال"), ("وال", "ال"), ("فال", "ال"),
            ("بال", "ال"), ("كال", "ال"), ("لل", "ال"), ("وب", ""), ("ول", ""), ("فب", ""), ("وك", ""), ("و", ""), ("ف", ""),
            ("ب", ""), ("ل", ""), ("ك", ""), ("ال", "")]
_TOKEN = re.compile(r"[^\W\d_]+")
_MAX_PHRASE = 5
#: CLDR territory codes of two letters that are not countries (EU, euro area, UN, unknown, outlying Oceania).
_NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"}


def _fold(text: str) -> str:
    return normalize_text(text)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_fold(text))


def _demonym_forms(stem: str) -> list[str]:
    """Masculine singular, feminine, plurals and dual, each also with the article."""
    stem = _fold(stem)
    forms = [stem + end for end in ("", "ه", "ون", "ين", "ات", "ان", "يه")]
    return forms + ["ال" + f for f in forms]


@dataclasses.dataclass
class PlaceResult:
    """What :meth:`PlaceTagger.tag` found in one article.

    Attributes
    ----------
    country : str or None
        ISO 3166-1 alpha-2 code of the coverage country (see the module's coverage rule), or None.
    score : int
        Its total score (0 without a country).
    mentions : dict of str to dict
        Per country mentioned, ``{"title": n, "lead": n, "body": n, "score": s, "forms": [...]}``
        (the folded forms matched), countries by descending score.
    """

    country: str | None
    score: int
    mentions: dict


class PlaceTagger:
    """Find country mentions in Arabic text (see the module docstring for the sources and the rules).

    Parameters
    ----------
    places : dict
        The content of ``places.yaml``.
    cldr_names : dict of str to str
        Country code -> Arabic name (CLDR).
    outlets : list of str
        Names of outlets to skip (they contain place names).
    """

    def __init__(self, places: dict, cldr_names: dict, outlets=()):
        self._lexicon: dict[tuple, tuple] = {}  # folded token tuple -> (kind, value)
        for code, name in cldr_names.items():
            if "-" in name or "(" in name or "،" in name:
                continue  # CLDR's disambiguated forms ("الكونغو - كينشاسا") do not occur in text
            self._add(name, ("country", code), overwrite=False)
        bare = set(map(_fold, places.get("no_demonym_alone", [])))
        for code, entry in (places.get("countries") or {}).items():
            for name in [*entry.get("names", []), *entry.get("cities", []), *entry.get("extra", [])]:
                self._add(name, ("country", code))
            if entry.get("demonym"):
                for form in _demonym_forms(entry["demonym"]):
                    if form not in bare:
                        self._add(form, ("country", code), folded=True)
        for name, rule in (places.get("ambiguous") or {}).items():
            self._add(name, ("ambiguous", (tuple(rule["candidates"]), rule.get("default"))))
        for name in [*(places.get("not_places") or []), *outlets]:
            self._add(name, ("skip", None))

    def _add(self, name: str, value: tuple, *, overwrite: bool = True, folded: bool = False) -> None:
        key = tuple(_TOKEN.findall(name if folded else _fold(name)))
        if key and (overwrite or key not in self._lexicon):
            self._lexicon[key] = value

    def _match(self, tokens: list[str], i: int):
        """``(length, value, form)`` of the longest lexicon phrase starting at token ``i``, or None."""
        for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
            rest = tuple(tokens[i + 1:i + n])
            first = tokens[i]
            for prefix, repl in [("", "")] + _CLITICS:
                if prefix and not (first.startswith(prefix) and len(first) - len(prefix) >= 2):
                    continue
                key = (repl + first[len(prefix):],) + rest
                value = self._lexicon.get(key)
                if value is not None:
                    return n, value, " ".join(key)
        return None

    def mentions(self, text: str) -> list[tuple[int, str, object]]:
        """Every place mention: ``(character position in the folded text, form, value)`` in order.

        ``value`` is a country code, or ``(candidates, default)`` for an ambiguous form.
        """
        folded = _fold(text)
        spans = [(m.start(), m.group()) for m in _TOKEN.finditer(folded)]
        tokens = [t for _, t in spans]
        out, i = [], 0
        while i < len(tokens):
            found = self._match(tokens, i)
            if found is None:
                i += 1
                continue
            n, (kind, value), form = found
            if kind != "skip":
                out.append((spans[i][0], form, value))
            i += n
        return out

    def tag(self, text: str, title: str | None = None, sections=()) -> PlaceResult:
        """The countries an article mentions and the one it covers.

        Parameters
        ----------
        text : str
            The article's text (it may start with the title, as arclf's records do; a title
            repeated at the start of the text counts once, as title).
        title : str, optional
        sections : iterable of str
            The page's section names (breadcrumb), weighted as the title.

        Returns
        -------
        PlaceResult
        """
        title = title or ""
        body = text
        if title and body.startswith(title):
            body = body[len(title):]
        parts = [("title", " \n ".join([title, *sections])), ("body", body)]
        found = []  # (order, part, form, value)
        order = 0
        for part, chunk in parts:
            for pos, form, value in self.mentions(chunk):
                where = part if part == "title" else ("lead" if pos < LEAD_CHARS else "body")
                found.append((order, where, form, value))
                order += 1
        plain = {v for _, _, _, v in found if isinstance(v, str)}
        mentions: dict[str, dict] = {}
        first: dict[str, int] = {}
        for k, where, form, value in found:
            if not isinstance(value, str):  # ambiguous: a candidate named elsewhere, else the default
                candidates, default = value
                named = [c for c in candidates if c in plain]
                value = named[0] if named else default
                if value is None:
                    continue
            m = mentions.setdefault(value, {"title": 0, "lead": 0, "body": 0, "score": 0, "forms": []})
            m[where] += 1
            m["score"] += WEIGHTS[where]
            if form not in m["forms"]:
                m["forms"].append(form)
            first.setdefault(value, k)
        ranked = sorted(mentions, key=lambda c: (-mentions[c]["score"], first[c]))
        mentions = {c: mentions[c] for c in ranked}
        if ranked and mentions[ranked[0]]["score"] >= MIN_SCORE:
            return PlaceResult(ranked[0], mentions[ranked[0]]["score"], mentions)
        return PlaceResult(None, 0, mentions)


def _resource(*parts: str) -> Path:
    import importlib.resources

    return Path(str(importlib.resources.files("arclf").joinpath("resources", *parts)))


def data_files() -> list[Path]:
    """The shipped data files the tagger reads (``places.yaml``, ``outlets.yaml``), for cache keys."""
    return [_resource("places", "places.yaml"), _resource("places", "outlets.yaml")]


@functools.lru_cache(maxsize=1)
def place_tagger() -> PlaceTagger:
    """The tagger with the shipped data (built once per process, about 50 ms).

    Raises
    ------
    ConfigError
        A shipped data file is unreadable (a broken installation).
    """
    from babel import Locale

    from arclf.util.files import read_yaml

    places = read_yaml(_resource("places", "places.yaml"), what="place data file")
    outlets = read_yaml(_resource("places", "outlets.yaml"), what="outlet data file")
    names = {code: name for code, name in Locale("ar").territories.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES}
    return PlaceTagger(places, names, outlets=[n for o in outlets["outlets"].values() for n in o["names"]])
