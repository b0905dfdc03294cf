"""Label maps: derive ``topic``, ``region`` and ``source_type`` from a corpus's own fields.

A label map is YAML data (``arclf/resources/labels/<corpus>.yaml``)::

    corpus: ant
    fields:                      # applied in this order; the first field that sets a label wins
      section:
        culture: {topic: culture}
        middleEast: {region: middle_east}
      source:
        BBC: {source_type: foreign_broadcaster}

Regions are hierarchical (country -> sub-region -> scope, ``arclf/resources/labels/regions.yaml``):
a label map fills the finest level it knows and :func:`region_at` derives the coarser ones.
Values are checked against ``arclf/resources/labels/vocabulary.yaml``. Raw values a map does not
list are counted in :attr:`LabelMap.unknown_`, never silently dropped.

A map can also derive a label from the text, for corpora whose fields carry none::

    derive:
      region: mentions           # the country the article covers (arclf.text.places), where the fields set no region

so a classifier can be trained on coverage regions (``tasks: [{name: region, level: subregion}]``);
its out-of-fold scores are then its agreement with the tagger on articles it never saw.
"""

from __future__ import annotations

import collections
import functools
import importlib.resources
import os
from pathlib import Path


from arclf.errors import ConfigError
from arclf.corpus.schema import LABEL_FIELDS
from arclf.util.files import read_yaml

__all__ = ["LABELS_DIR", "shipped_label_file", "LabelMap", "default_label_map", "region_at", "region_levels", "vocabulary"]

REGION_LEVELS = ("country", "subregion", "scope")
#: ``(label field, how)`` pairs a label map's ``derive:`` may name.
DERIVATIONS = {("region", "mentions")}


def _labels_dir() -> Path:
    env = os.environ.get("ARCLF_LABELS")
    if env:
        return Path(env)
    # package data, so a wheel or `pip install .` finds it as an editable checkout does
    return Path(str(importlib.resources.files("arclf").joinpath("resources", "labels")))


#: Folder holding the shipped label maps, ``regions.yaml`` and ``vocabulary.yaml``: package
#: data (``arclf/resources/labels``), found through :mod:`importlib.resources`.
#: ``$ARCLF_LABELS`` names another folder of the same files.
LABELS_DIR = _labels_dir()


def _read_yaml(path: Path) -> dict:
    return read_yaml(path, what="label file")


#: Time-zone areas (IANA tz database, through CLDR) -> sub-region of regions.yaml, for the countries
#: regions.yaml does not list. Atlantic and Indian Ocean islands follow _ISLANDS.
_TZ_AREAS = {"Europe": "europe", "Asia": "asia", "Africa": "africa", "Australia": "oceania", "Pacific": "oceania",
             "Antarctica": "antarctica"}
_NORTH_AMERICA = {"US", "CA", "GL", "BM", "PM"}
_ISLANDS = {"IS": "europe", "FO": "europe", "PT": "europe", "ES": "europe", "MV": "asia", "IO": "asia", "CV": "africa",
            "SH": "africa", "ST": "africa", "MU": "africa", "SC": "africa", "MG": "africa", "RE": "africa", "YT": "africa",
            "TF": "africa", "FK": "latin_america", "GS": "latin_america", "BM": "north_america",
            # CLDR codes without time zones of their own
            "XK": "europe", "IC": "europe", "EA": "europe", "CQ": "europe", "AC": "africa", "TA": "africa",
            "DG": "asia", "BV": "oceania", "HM": "oceania", "CP": "latin_america", "CC": "oceania", "CX": "oceania",
            "SJ": "europe"}


def _cldr_countries() -> dict[str, str]:
    """Every ISO country CLDR knows -> sub-region, from its time zones' area (Europe/..., America/...)."""
    from babel.core import get_global

    out = {}
    for code, zones in {**dict.fromkeys(_ISLANDS, []), **get_global("territory_zones")}.items():
        areas = {z.split("/", 1)[0] for z in zones}
        if code in _ISLANDS:
            out[code] = _ISLANDS[code]
        elif "America" in areas:
            out[code] = "north_america" if code in _NORTH_AMERICA else "latin_america"
        else:  # the area holding most of its zones; Antarctic research stations (AU, NZ, ...) only when alone
            known = [a for a in (z.split("/", 1)[0] for z in zones) if a in _TZ_AREAS]
            inhabited = [a for a in known if a != "Antarctica"] or known
            if inhabited:
                out[code] = _TZ_AREAS[max(sorted(set(inhabited)), key=inhabited.count)]
    return out


@functools.lru_cache(maxsize=None)
def _regions(path: str | None = None) -> dict:
    """The region hierarchy: regions.yaml, then every other country under the sub-region of its time zones."""
    file = Path(path) if path else LABELS_DIR / "regions.yaml"
    data = _read_yaml(file)
    for key, kind in (("scopes", list), ("subregions", dict), ("countries", dict), ("aliases", (dict, type(None)))):
        if key not in data and key != "aliases":
            raise ConfigError(f"{file}: no '{key}' section; a region hierarchy has scopes, subregions and countries")
        if not isinstance(data.get(key), kind):
            raise ConfigError(f"{file}: '{key}' must be a {'list' if kind is list else 'mapping'}, got {type(data.get(key)).__name__}")
    countries = {**_cldr_countries(), **dict(data["countries"])}  # the file's choices win
    aliases = dict(data.get("aliases") or {})
    return {"scopes": list(data["scopes"]), "subregions": dict(data["subregions"]), "countries": countries, "aliases": aliases}


@functools.lru_cache(maxsize=None)
def vocabulary(path: str | None = None) -> dict[str, list[str] | None]:
    """Return the allowed labels per task (``None``: any region of the hierarchy).

    Raises
    ------
    ConfigError
        If the vocabulary file is missing or malformed.
    """
    data = _read_yaml(Path(path) if path else LABELS_DIR / "vocabulary.yaml")
    vocab = {name: list(data[name]) if data.get(name) else None for name in LABEL_FIELDS}
    reg = _regions()
    vocab["region"] = sorted(set(reg["scopes"]) | set(reg["subregions"]) | set(reg["countries"]))
    return vocab


def region_levels(label: str | None) -> dict[str, str | None]:
    """Expand a region label at any level into ``{'country', 'subregion', 'scope'}``.

    >>> region_levels("LY")
    {'country': 'LY', 'subregion': 'maghreb', 'scope': 'arab_world'}
    >>> region_levels("international")
    {'country': None, 'subregion': None, 'scope': 'international'}
    """
    out = dict.fromkeys(REGION_LEVELS)
    if label is None:
        return out
    reg = _regions()
    label = reg["aliases"].get(label, label)
    if label in reg["countries"]:
        out["country"], label = label, reg["countries"][label]
    if label in reg["subregions"]:
        out["subregion"], label = label, reg["subregions"][label]
    if label in reg["scopes"]:
        out["scope"] = label
        return out
    raise ValueError(f"unknown region label {label!r}: not an ISO country code, sub-region or scope; map it in the "
                     f"label map, or alias it under 'aliases:' in {LABELS_DIR / 'regions.yaml'}")


def region_at(label: str | None, level: str) -> str | None:
    """Return the region ``label`` at ``level`` ('country', 'subregion' or 'scope'), or None if finer than known."""
    if level not in REGION_LEVELS:
        raise ValueError(f"region level must be one of {REGION_LEVELS}, got {level!r}")
    return region_levels(label)[level]


class LabelMap:
    """Maps a record's raw fields to derived labels.

    Parameters
    ----------
    rules : dict
        ``{field: {raw_value: {label_field: label}}}``, applied in insertion order.
    name : str, default="<inline>"
        Where the rules came from, for messages.
    derive : dict, optional
        ``{label_field: how}`` for labels read from the text where ``rules`` set none; only
        ``{"region": "mentions"}`` exists: the coverage country of
        :meth:`arclf.text.places.PlaceTagger.tag` (None when the article names none clearly).

    Attributes
    ----------
    unknown_ : collections.Counter
        ``(field, raw_value) -> count`` of raw values seen by :meth:`apply` that the map lacks.
    derived_ : collections.Counter
        ``(label_field, label or "no coverage country") -> count`` of labels ``derive`` gave.

    Raises
    ------
    ConfigError
        A rule or a derivation is not one arclf knows (every problem, in one line).
    """

    def __init__(self, rules: dict, *, name: str = "<inline>", derive: dict | None = None):
        self.rules = rules
        self.name = name
        self.derive = dict(derive or {})
        self.unknown_: collections.Counter = collections.Counter()
        self.derived_: collections.Counter = collections.Counter()
        self._check()

    @classmethod
    def from_yaml(cls, path: str | Path) -> "LabelMap":
        """Read a label map file. Raises :class:`ConfigError` naming the file on any problem."""
        data = _read_yaml(Path(path))
        fields = data.get("fields", {} if data.get("derive") else None)
        if not isinstance(fields, dict):
            raise ConfigError(f"{path}: a label map needs a 'fields' mapping (or a 'derive' one)")
        derive = data.get("derive")
        if derive is not None and not isinstance(derive, dict):
            raise ConfigError(f"{path}: derive: expected a mapping such as {{region: mentions}}")
        return cls(fields, name=str(path), derive=derive)

    def _check(self) -> None:
        vocab = vocabulary()
        errors = [f"derive.{key}: {how!r} is not a derivation arclf knows (region: mentions is)"
                  for key, how in self.derive.items() if not isinstance(how, str) or (key, how) not in DERIVATIONS]
        for field, values in self.rules.items():
            if not isinstance(values, dict):
                errors.append(f"fields.{field}: expected a mapping of raw value -> labels")
                continue
            for raw, labels in values.items():
                for key, label in (labels or {}).items():
                    path = f"fields.{field}.{raw}.{key}"
                    if key not in LABEL_FIELDS:
                        errors.append(f"{path}: unknown label field (expected one of {', '.join(LABEL_FIELDS)})")
                    elif label is not None and vocab[key] is not None and label not in vocab[key]:
                        errors.append(f"{path}: {label!r} is not in the {key} vocabulary ({LABELS_DIR / 'vocabulary.yaml'})")
        if errors:
            raise ConfigError(f"{self.name}: " + "; ".join(errors))

    def labels_for(self, record: dict) -> dict[str, str | None]:
        """Return the derived labels of one record (does not modify it)."""
        out = dict.fromkeys(LABEL_FIELDS)
        for field, values in self.rules.items():
            raw = record.get(field)
            if raw is None:
                continue
            if raw not in values:
                self.unknown_[(field, raw)] += 1
                continue
            for key, label in (values[raw] or {}).items():
                if out[key] is None:
                    out[key] = label
        if self.derive.get("region") == "mentions" and out["region"] is None and record.get("region") is None:
            from arclf.text.places import place_tagger

            country = place_tagger().tag(record.get("text") or "", title=record.get("title")).country
            out["region"] = country
            self.derived_[("region", country or "no coverage country")] += 1
        return out

    def apply(self, record: dict) -> dict:
        """Fill the record's label fields that are still ``None``; return the record."""
        for key, label in self.labels_for(record).items():
            if record.get(key) is None:
                record[key] = label
        return record

    def report(self) -> dict:
        """``{'label_map': name, 'unknown': [{'field', 'value', 'count'}, ...]}`` for run records."""
        unknown = [{"field": f, "value": v, "count": n} for (f, v), n in self.unknown_.most_common()]
        out = {"label_map": self.name, "unknown": unknown}
        if self.derive:
            out["derived"] = {how: {"field": key, "counts": {v: n for (f, v), n in self.derived_.most_common() if f == key}}
                              for key, how in self.derive.items()}
        return out


def shipped_label_file(name: str) -> Path:
    """``<LABELS_DIR>/<name>.yaml`` (it may not exist).

    Raises
    ------
    ConfigError
        ``$ARCLF_LABELS`` names a folder that does not exist.
    """
    if not LABELS_DIR.is_dir():  # only $ARCLF_LABELS can name a missing folder
        raise ConfigError(f"ARCLF_LABELS={LABELS_DIR}: no such folder; name a folder of label maps, "
                          "or unset it to use the shipped ones")
    return LABELS_DIR / f"{name}.yaml"


def default_label_map(corpus: str) -> LabelMap | None:
    """Return the shipped label map ``arclf/resources/labels/<corpus>.yaml`` (package data), or None if there is none.

    Raises
    ------
    ConfigError
        ``$ARCLF_LABELS`` names a folder that does not exist, or the map is invalid.
    """
    path = shipped_label_file(corpus)
    return LabelMap.from_yaml(path) if path.exists() else None
