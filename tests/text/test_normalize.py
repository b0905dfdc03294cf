"""Tests for arclf.features.normalizer: golden values per step, switches, and the estimator contract.

Arabic is written as \\uXXXX escapes; comments give a transliteration or the letters' names.
"""

from __future__ import annotations

import functools
import itertools
import pickle
import random

import joblib
import numpy as np
import pytest
from pyarabic import araby
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from arclf.text import normalize as nz
from arclf.config import NormalizeSpec
from arclf.features.normalizer import ArabicNormalizer
from arclf.text.normalize import (
    STEPS, collapse_whitespace, fold_presentation_forms, lowercase,
    map_farsi, normalize_for_dedup, strip_bidi, strip_tashkeel, strip_tatweel, unify_alef,
    unify_alef_maksura, unify_digits, unify_teh_marbuta,
)

STEP_FUNCTIONS = {
    "presentation_forms": fold_presentation_forms, "bidi": strip_bidi, "tashkeel": strip_tashkeel,
    "tatweel": strip_tatweel, "farsi": map_farsi, "alef": unify_alef,
    "alef_maksura": unify_alef_maksura, "teh_marbuta": unify_teh_marbuta, "digits": unify_digits,
    "lowercase": lowercase,
}

ILA = "\u0625\u0644\u0649"  # ila "to": alef-hamza-below, lam, alef maksura
ILLA = "\u0625\u0644\u0627"  # illa "except": alef-hamza-below, lam, alef


def _fitted(**params) -> ArabicNormalizer:
    return ArabicNormalizer(**params).fit([])


def _sequential(text: str, steps) -> str:
    """The public step functions applied one after the other, in STEPS order."""
    return functools.reduce(lambda t, step: STEP_FUNCTIONS[step](t), steps, text)


# ---------------------------------------------------------------- golden values per step

GOLDEN = [
    # presentation forms
    pytest.param(fold_presentation_forms, "\ufefb", "\u0644\u0627", id="pf-lam-alef-ligature"),
    pytest.param(fold_presentation_forms, "\ufef7", "\u0644\u0623", id="pf-lam-alef-hamza-ligature"),
    pytest.param(fold_presentation_forms, "\ufdf2", "\u0627\u0644\u0644\u0647", id="pf-allah-ligature"),
    # kaf initial, teh medial, alef final, beh isolated -> kitab "book"
    pytest.param(fold_presentation_forms, "\ufedb\ufe98\ufe8e\ufe8f", "\u0643\u062a\u0627\u0628",
                 id="pf-contextual-forms"),
    pytest.param(fold_presentation_forms, "\ufe94", "\u0629", id="pf-teh-marbuta-final"),
    pytest.param(fold_presentation_forms, "\ufe70", "\u064b", id="pf-isolated-fathatan-no-space"),
    pytest.param(fold_presentation_forms, "\ufdfd",
                 "\u0628\u0633\u0645 \u0627\u0644\u0644\u0647 \u0627\u0644\u0631\u062d\u0645\u0646 "
                 "\u0627\u0644\u0631\u062d\u064a\u0645", id="pf-basmala"),
    pytest.param(fold_presentation_forms, "\u0627\u0654", "\u0623", id="pf-decomposed-alef-hamza"),
    pytest.param(fold_presentation_forms, "\u0648\u0654", "\u0624", id="pf-decomposed-waw-hamza"),
    pytest.param(fold_presentation_forms, "\u0627\u0653", "\u0622", id="pf-decomposed-alef-madda"),
    pytest.param(fold_presentation_forms, "\ufb01 \uff21 x\u00b2", "\ufb01 \uff21 x\u00b2",
                 id="pf-latin-fi-fullwidth-superscript-untouched"),
    # bidi and invisible characters
    pytest.param(strip_bidi, "\u0645\u0635\u0631\u200f", "\u0645\u0635\u0631", id="bidi-rlm"),
    pytest.param(strip_bidi, "\u202bBBC\u202c \u2067CNN\u2069", "BBC CNN", id="bidi-embedding-isolate"),
    pytest.param(strip_bidi, "\ufeff\u061c\u200e\u00adab", "ab", id="bidi-bom-alm-lrm-soft-hyphen"),
    # rahim + ZWNJ + space + mashayi (ANT, a Persian name)
    pytest.param(strip_bidi, "\u0631\u062d\u064a\u0645\u200c \u0645", "\u0631\u062d\u064a\u0645 \u0645",
                 id="bidi-zwnj-deleted"),
    pytest.param(strip_bidi, "\u0628\u200d\u0639", "\u0628\u0639", id="bidi-zwj-deleted"),
    # fihi. + ZWSP + al- (ANT: two sentences joined by a ZWSP only)
    pytest.param(strip_bidi, "\u0641\u064a\u0647.\u200b\u0627\u0644", "\u0641\u064a\u0647. \u0627\u0644",
                 id="bidi-zwsp-to-space"),
    pytest.param(strip_bidi, "a\u00a0b\u202fc", "a b c", id="bidi-nbsp-to-space"),
    pytest.param(strip_bidi, "a\nb\tc", "a\nb\tc", id="bidi-newline-tab-kept"),
    # tashkeel: al-arabiyyatu with sukun, fatha, kasra, shadda, damma
    pytest.param(strip_tashkeel, "\u0627\u0644\u0652\u0639\u064e\u0631\u064e\u0628\u0650\u064a\u0651\u064e\u0629\u064f",
                 "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", id="tashkeel-harakat-shadda-sukun"),
    pytest.param(strip_tashkeel, "\u0643\u062a\u0627\u0628\u064b\u0627", "\u0643\u062a\u0627\u0628\u0627",
                 id="tashkeel-tanween"),  # kitaban
    pytest.param(strip_tashkeel, "\u0647\u0670\u0630\u0627", "\u0647\u0630\u0627",
                 id="tashkeel-superscript-alef"),  # hadha
    pytest.param(strip_tashkeel, "\u0647\u06e5 \u0645\u06d6 \u0628\u08f0", "\u0647 \u0645 \u0628",
                 id="tashkeel-quranic-small-waw-extended"),
    pytest.param(strip_tashkeel, "\u0623\u0624\u0626\u0621\u0622", "\u0623\u0624\u0626\u0621\u0622",
                 id="tashkeel-keeps-hamza-letters"),
    # tatweel: m-tatweel-tatweel-sr (misr, stretched)
    pytest.param(strip_tatweel, "\u0645\u0640\u0640\u0635\u0631", "\u0645\u0635\u0631", id="tatweel"),
    # farsi: siyasa with farsi yeh; al-istihlaki with heh doachashmee and keheh (ANT)
    pytest.param(map_farsi, "\u0633\u06cc\u0627\u0633\u0629", "\u0633\u064a\u0627\u0633\u0629",
                 id="farsi-yeh"),
    pytest.param(map_farsi, "\u0627\u0644\u0627\u0633\u062a\u06be\u0644\u0627\u06a9\u064a",
                 "\u0627\u0644\u0627\u0633\u062a\u0647\u0644\u0627\u0643\u064a", id="farsi-heh-doachashmee-keheh"),
    pytest.param(map_farsi, "\u06d2\u06d3\u06aa\u06c1\u06c2\u06c0\u06d5\u06c3",
                 "\u064a\u0626\u0643\u0647\u0647\u0647\u0647\u0629", id="farsi-urdu-variants"),
    # peh, tcheh, jeh, gaf, veh, qaf with three dots, ng: foreign sounds, kept
    pytest.param(map_farsi, "\u067e\u0686\u0698\u06af\u06a4\u06a8\u06ad",
                 "\u067e\u0686\u0698\u06af\u06a4\u06a8\u06ad", id="farsi-foreign-sound-letters-kept"),
    # alef: madda, hamza above, hamza below, wasla, wavy hamza above/below
    pytest.param(unify_alef, "\u0622\u0623\u0625\u0671\u0672\u0673", "\u0627" * 6, id="alef-forms"),
    # mas'ul with waw seat / yeh seat, mu'assasa: hamza seats kept
    pytest.param(unify_alef, "\u0645\u0633\u0624\u0648\u0644 \u0645\u0633\u0626\u0648\u0644",
                 "\u0645\u0633\u0624\u0648\u0644 \u0645\u0633\u0626\u0648\u0644", id="alef-keeps-waw-yeh-hamza"),
    pytest.param(unify_alef, "\u0649", "\u0649", id="alef-leaves-maksura"),
    # ala "on" -> Ali
    pytest.param(unify_alef_maksura, "\u0639\u0644\u0649", "\u0639\u0644\u064a", id="alef-maksura"),
    # maktaba "library" -> maktabuhu "his office"
    pytest.param(unify_teh_marbuta, "\u0645\u0643\u062a\u0628\u0629", "\u0645\u0643\u062a\u0628\u0647",
                 id="teh-marbuta"),
    pytest.param(unify_digits, "\u0662\u0660\u0661\u0668", "2018", id="digits-arabic-indic"),
    pytest.param(unify_digits, "\u06f1\u06f4\u06f0\u06f3", "1403", id="digits-extended-persian"),
    pytest.param(unify_digits, "\u0663\u066b\u0665\u066a \u0661\u066c\u0660\u0660\u0660", "3.5% 1,000",
                 id="digits-separators-percent"),
    pytest.param(lowercase, "BBC News \u00c9COLE", "bbc news \u00e9cole", id="lowercase-latin"),
    pytest.param(lowercase, "\u0645\u0635\u0631 2018", "\u0645\u0635\u0631 2018", id="lowercase-arabic-untouched"),
    pytest.param(collapse_whitespace, " a \n\n b\u00a0\tc ", "a b c", id="collapse-whitespace"),
]


@pytest.mark.parametrize("func, text, expected", GOLDEN)
def test_step_golden(func, text, expected):
    assert func(text) == expected


@pytest.mark.parametrize("mark", araby.DIACRITICS, ids=lambda c: f"U+{ord(c):04X}")
def test_tashkeel_strips_every_pyarabic_diacritic(mark):
    assert strip_tashkeel("\u0628" + mark + "\u0628") == "\u0628\u0628"  # beh-mark-beh


def test_ila_and_illa_stay_distinct():
    norm = _fitted()
    assert norm.normalize(ILA) == "\u0627\u0644\u064a"  # alef, lam, yeh
    assert norm.normalize(ILLA) == "\u0627\u0644\u0627"  # alef, lam, alef
    assert norm.normalize(ILA) != norm.normalize(ILLA)


def test_ila_merges_with_ilayya():
    # ilayya "to me" spelled with yeh, without shadda, and with shadda
    ilayya = "\u0625\u0644\u064a"
    assert _fitted().transform([ILA, ilayya, ilayya + "\u0651"]) == ["\u0627\u0644\u064a"] * 3


# ---------------------------------------------------------------- switches

PHENOMENON = {
    "presentation_forms": "\ufefb",  # lam-alef ligature
    "bidi": "\u0645\u200f",  # meem + RLM
    "tashkeel": "\u0628\u064e",  # beh + fatha
    "tatweel": "\u0628\u0640\u0628",  # beh, tatweel, beh
    "farsi": "\u06cc",  # farsi yeh
    "alef": "\u0623",  # alef with hamza above
    "alef_maksura": "\u0649",  # alef maksura
    "teh_marbuta": "\u0629",  # teh marbuta
    "digits": "\u0665",  # arabic-indic five
    "lowercase": "BBC",
}


@pytest.mark.parametrize("step", STEPS)
def test_switch_off_leaves_phenomenon_intact(step):
    text = PHENOMENON[step]
    assert _fitted().normalize(text) != text
    assert _fitted(**{step: False}).normalize(text) == text


def test_presentation_forms_off_keeps_ligature_hamza():
    # lam-alef-with-hamza ligature: only the presentation step knows it holds an alef-hamza
    assert _fitted(presentation_forms=False).normalize("\ufef7") == "\ufef7"
    assert _fitted().normalize("\ufef7") == "\u0644\u0627"


def test_order_farsi_before_teh_marbuta():
    # teh marbuta goal -> teh marbuta (farsi) -> heh (teh_marbuta)
    assert _fitted().normalize("\u06c3") == "\u0647"
    assert _fitted(teh_marbuta=False).normalize("\u06c3") == "\u0629"


def _step_subsets():
    rng = random.Random(0)
    subsets = [STEPS, ()] + [tuple(s for s in STEPS if s != off) for off in STEPS]
    subsets += [tuple(s for s in STEPS if rng.random() < 0.5) for _ in range(8)]
    return subsets


@pytest.mark.parametrize("steps", _step_subsets(), ids=lambda s: "+".join(x[:4] for x in s) or "none")
def test_compiled_table_equals_sequential_functions(steps):
    domain = sorted(set().union(*nz._STEP_DOMAINS.values()))
    text = "".join(map(chr, domain)) + " \u0627\u0654\u0648\u0654 " + PHENOMENON["bidi"] + " \U0001F600"
    norm = _fitted(**{s: s in steps for s in STEPS})
    assert norm.steps_ == steps
    expected = _sequential(text, steps)
    assert norm.normalize(text) == expected
    assert norm.transform([text, text[::-1]]) == [expected, _sequential(text[::-1], steps)]


# ---------------------------------------------------------------- full sentences

# "The Egyptian central bank announced on Thursday that annual inflation fell to 14.4% in
# March 2018; its governor told BBC that monetary policy will stay as it is."
# With RLM, harakat, shadda, tatweel, Arabic-Indic digits with decimal separator and
# percent sign, Farsi yeh, and ala "on" in presentation forms (ain initial, lam medial,
# alef maksura final).
SENTENCE = (
    "\u200f\u0623\u0639\u0644\u0646\u064e \u0627\u0644\u0628\u0646\u0643\u064f "
    "\u0627\u0644\u0645\u0631\u0643\u0632\u064a\u064f\u0651 \u0627\u0644\u0640\u0645\u0635\u0631\u064a\u060c "
    "\u064a\u0648\u0645\u064e \u0627\u0644\u062e\u0645\u064a\u0633\u060c \u0623\u0646 "
    "\u0645\u0639\u062f\u0651\u0644 \u0627\u0644\u062a\u0636\u062e\u0651\u0645 \u0627\u0644\u0633\u0646\u0648\u064a "
    "\u062a\u0631\u0627\u062c\u0639 \u0625\u0644\u0649 \u0661\u0664\u066b\u0664\u066a \u0641\u064a "
    "\u0634\u0647\u0631 \u0645\u0627\u0631\u0633 \u0662\u0660\u0661\u0668\u060c \u0648\u0642\u0627\u0644 "
    "\u0645\u062d\u0627\u0641\u0638\u0647 \u0644\u0640 BBC \u0625\u0646 "
    "\u0627\u0644\u0633\u06cc\u0627\u0633\u0629 \u0627\u0644\u0646\u0642\u062f\u06cc\u0629 "
    "\u0633\u062a\u0628\u0642\u0649 \ufecb\ufee0\ufef0 \u062d\u0627\u0644\u0647\u0627."
)
SENTENCE_NORMALIZED = (
    "\u0627\u0639\u0644\u0646 \u0627\u0644\u0628\u0646\u0643 "
    "\u0627\u0644\u0645\u0631\u0643\u0632\u064a \u0627\u0644\u0645\u0635\u0631\u064a\u060c "
    "\u064a\u0648\u0645 \u0627\u0644\u062e\u0645\u064a\u0633\u060c \u0627\u0646 "
    "\u0645\u0639\u062f\u0644 \u0627\u0644\u062a\u0636\u062e\u0645 \u0627\u0644\u0633\u0646\u0648\u064a "
    "\u062a\u0631\u0627\u062c\u0639 \u0627\u0644\u064a 14.4% \u0641\u064a "
    "\u0634\u0647\u0631 \u0645\u0627\u0631\u0633 2018\u060c \u0648\u0642\u0627\u0644 "
    "\u0645\u062d\u0627\u0641\u0638\u0647 \u0644 bbc \u0627\u0646 "
    "\u0627\u0644\u0633\u064a\u0627\u0633\u0647 \u0627\u0644\u0646\u0642\u062f\u064a\u0647 "
    "\u0633\u062a\u0628\u0642\u064a \u0639\u0644\u064a \u062d\u0627\u0644\u0647\u0627."
)


def test_full_sentence_golden():
    assert _fitted().transform([SENTENCE]) == [SENTENCE_NORMALIZED]
    assert _fitted().normalize(SENTENCE) == SENTENCE_NORMALIZED


def test_real_page_idempotent_and_folded(seed_page):
    text = seed_page.read_text(encoding="utf-8")
    out = _fitted().normalize(text)
    assert _fitted().normalize(out) == out
    folded = set("\u0622\u0623\u0625\u0649\u0629\u0640\u00a0") | set(araby.DIACRITICS)
    assert "\u0623" in text and "\u064b" in text and "\u00a0" in text  # the page has them
    assert not folded & set(out)
    assert len(out.split()) == len(text.split())
    assert out.count("\n") == text.count("\n")  # whitespace is kept


# ---------------------------------------------------------------- dedup key

def test_normalize_for_dedup_merges_spelling_and_spacing():
    variant = "  " + SENTENCE.replace(" ", " \n ").replace("BBC", "Bbc") + "\u200b"
    assert normalize_for_dedup(variant) == normalize_for_dedup(SENTENCE) == SENTENCE_NORMALIZED
    assert normalize_for_dedup("Stra\u00dfe") == "strasse"  # casefold, not lower
    assert normalize_for_dedup(ILA) != normalize_for_dedup(ILLA)


def test_normalize_for_dedup_rejects_non_str():
    with pytest.raises(TypeError, match="is bytes .*decode bytes first"):
        normalize_for_dedup(b"abc")


# ---------------------------------------------------------------- estimator contract

def test_params_match_config_spec():
    spec = NormalizeSpec()
    norm = ArabicNormalizer(**spec.model_dump())
    assert norm.get_params() == spec.model_dump()
    assert set(norm.get_params()) == set(STEPS)


def test_clone_and_get_params_round_trip():
    norm = ArabicNormalizer(alef=False, digits=False).fit(["x"])
    twin = clone(norm)
    assert twin.get_params() == norm.get_params()
    assert not hasattr(twin, "steps_")
    assert ArabicNormalizer(**norm.get_params()).get_params() == norm.get_params()
    twin.set_params(alef=True).fit([])
    assert "alef" in twin.steps_ and "digits" not in twin.steps_


@pytest.mark.parametrize("call", ["transform", "normalize"])
def test_not_fitted(call):
    with pytest.raises(NotFittedError):
        getattr(ArabicNormalizer(), call)(["x"] if call == "transform" else "x")


@pytest.mark.parametrize("value", ["yes", 1, None], ids=["str", "int", "none"])
def test_bad_switch_raises_quoting_value(value):
    with pytest.raises(TypeError, match=rf"tashkeel={value!r}: expected True or False"):
        ArabicNormalizer(tashkeel=value).fit([])


def test_numpy_bool_switch_accepted():
    assert "alef" not in ArabicNormalizer(alef=np.bool_(False)).fit([]).steps_


def test_joblib_round_trip_identical_output(tmp_path):
    norm = ArabicNormalizer(teh_marbuta=False).fit([])
    docs = [SENTENCE, ILA, ILLA, "\ufefb \u06cc \u0665", ""]
    joblib.dump(norm, tmp_path / "norm.joblib")
    loaded = joblib.load(tmp_path / "norm.joblib")
    assert loaded.get_params() == norm.get_params() and loaded.steps_ == norm.steps_
    assert loaded.transform(docs) == norm.transform(docs)


def test_pickle_does_not_carry_the_table():
    norm = _fitted()
    assert set(vars(norm)) == set(STEPS) | {"steps_"}
    assert len(pickle.dumps(norm)) < 1000  # the compiled table alone is ~0.5 MB


@pytest.mark.parametrize(
    "docs, match",
    [
        pytest.param(["ok", None], r"X\[1\] is NoneType None, expected str", id="none"),
        pytest.param([float("nan")], r"X\[0\] is float nan, expected str", id="nan"),
        pytest.param(["ok", b"\xd9\x85"], r"X\[1\] is bytes .*decode bytes first", id="bytes"),
        pytest.param([["nested"]], r"X\[0\] is list", id="list"),
    ],
)
def test_transform_non_str_item_raises(docs, match):
    with pytest.raises(TypeError, match=match):
        _fitted().transform(docs)


@pytest.mark.parametrize(
    "X, exc, match",
    [
        pytest.param("\u0645\u0635\u0631", ValueError, "single str: wrap it in a list", id="bare-str"),
        pytest.param(np.array([["a"], ["b"]], dtype=object), ValueError, r"1-D .* shape \(2, 1\)", id="2d"),
        pytest.param(42, TypeError, "iterable of str documents, got int", id="int"),
    ],
)
def test_transform_bad_container_raises(X, exc, match):
    with pytest.raises(exc, match=match):
        _fitted().transform(X)
    with pytest.raises(exc, match=match):
        ArabicNormalizer().fit(X)


def test_normalize_non_str_raises():
    with pytest.raises(TypeError, match=r"is int 5, expected str"):
        _fitted().normalize(5)


def test_transform_containers():
    norm = _fitted()
    docs = [ILA, "BBC", ""]
    expected = ["\u0627\u0644\u064a", "bbc", ""]
    assert norm.transform(docs) == expected
    assert norm.transform(tuple(docs)) == expected
    assert norm.transform(np.array(docs)) == expected  # numpy str_ items
    assert norm.transform(np.array(docs, dtype=object)) == expected
    assert norm.transform([]) == []
    assert ArabicNormalizer().fit_transform(iter(docs)) == expected  # fit does not consume X


def test_sklearn_tags_say_string_input():
    get_tags = pytest.importorskip("sklearn.utils").__dict__.get("get_tags")
    if get_tags is None:
        pytest.skip("scikit-learn < 1.6 has no get_tags")
    tags = get_tags(ArabicNormalizer())
    assert tags.input_tags.string and not tags.input_tags.two_d_array


# ---------------------------------------------------------------- inside a pipeline

VOCAB = {
    "team": "\u0627\u0644\u0641\u0631\u064a\u0642", "won": "\u0641\u0627\u0632",
    "won~": "\u0641\u0627\u0632\u064e",  # with fatha
    "match": "\u0627\u0644\u0645\u0628\u0627\u0631\u0627\u0629",
    "match~": "\u0627\u0644\u0645\u064f\u0628\u0627\u0631\u0627\u0629\u0650",  # with damma, kasra
    "league": "\u0627\u0644\u062f\u0648\u0631\u064a", "goal": "\u0647\u062f\u0641",
    "goal~": "\u0647\u062f\u0641\u064c",  # with dammatan
    "coach": "\u0627\u0644\u0645\u062f\u0631\u0628", "player": "\u0627\u0644\u0644\u0627\u0639\u0628",
    "cup": "\u0627\u0644\u0628\u0637\u0648\u0644\u0629", "stadium": "\u0627\u0644\u0645\u0644\u0639\u0628",
    "goals": "\u0623\u0647\u062f\u0627\u0641", "scored": "\u0633\u062c\u0644",
    "fans": "\u0627\u0644\u062c\u0645\u0627\u0647\u064a\u0631",
    "celebrated": "\u0627\u062d\u062a\u0641\u0644\u062a", "final": "\u0627\u0644\u0646\u0647\u0627\u0626\u064a",
    "oil": "\u0627\u0644\u0646\u0641\u0637", "oil~": "\u0627\u0644\u0646\u0650\u0651\u0641\u0637\u0650",
    "prices": "\u0623\u0633\u0639\u0627\u0631", "prices-": "\u0627\u0633\u0639\u0627\u0631",  # no hamza
    "bank": "\u0627\u0644\u0628\u0646\u0643", "rose": "\u0627\u0631\u062a\u0641\u0639\u062a",
    "inflation": "\u0627\u0644\u062a\u0636\u062e\u0645", "economy": "\u0627\u0644\u0627\u0642\u062a\u0635\u0627\u062f",
    "stocks": "\u0627\u0644\u0623\u0633\u0647\u0645", "stocks-": "\u0627\u0644\u0627\u0633\u0647\u0645",
    "bourse": "\u0627\u0644\u0628\u0648\u0631\u0635\u0629", "dollar": "\u0627\u0644\u062f\u0648\u0644\u0627\u0631",
    "fell": "\u0627\u0646\u062e\u0641\u0636", "central": "\u0627\u0644\u0645\u0631\u0643\u0632\u064a",
    "market": "\u0627\u0644\u0633\u0648\u0642",
    "investors": "\u0627\u0644\u0645\u0633\u062a\u062b\u0645\u0631\u064a\u0646",
    "in": "\u0641\u064a", "on": "\u0639\u0644\u0649", "after": "\u0628\u0639\u062f",
    "today": "\u0627\u0644\u064a\u0648\u0645", "with": "\u0645\u0639",
}


def _ar(words: str) -> str:
    return " ".join(VOCAB[w] for w in words.split())


CORPUS = [
    ("won~ team in match~ league after goal~", "sport"),
    ("team won cup after goals in final", "sport"),
    ("coach team celebrated with fans in stadium", "sport"),
    ("player scored goal in match today", "sport"),
    ("fans celebrated won team in league", "sport"),
    ("player scored goals on stadium in final", "sport"),
    ("prices oil~ rose today in market", "economy"),
    ("bank central on inflation after prices- dollar", "economy"),
    ("stocks fell in bourse today with investors", "economy"),
    ("economy market prices rose with inflation", "economy"),
    ("investors in bourse after stocks- rose", "economy"),
    ("dollar fell with oil prices in market", "economy"),
]


def test_pipeline_in_grid_search():
    texts = [_ar(words) for words, _ in CORPUS]
    labels = [label for _, label in CORPUS]
    pipe = Pipeline([
        ("normalize", ArabicNormalizer()),
        ("tfidf", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)),
        ("clf", LogisticRegression(C=10.0)),
    ])
    grid = {"normalize__alef": [True, False], "normalize__tashkeel": [True, False]}
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3), n_jobs=1, error_score="raise")
    search.fit(texts, labels)
    assert len(search.cv_results_["params"]) == 4
    assert set(search.best_params_) == set(grid)
    new = [_ar("player scored goals after match"), _ar("stocks- fell after inflation")]
    assert list(search.predict(new)) == ["sport", "economy"]
    assert search.best_estimator_.named_steps["normalize"].steps_[0] == "presentation_forms"
    restored = pickle.loads(pickle.dumps(search.best_estimator_))
    assert list(restored.predict(new)) == ["sport", "economy"]


# ---------------------------------------------------------------- speed sanity (no timing)

def test_table_is_compiled_once_per_switch_combination():
    steps = tuple(s for s in STEPS if s != "digits")
    first = ArabicNormalizer(digits=False).fit([])
    before = nz.translate_table.cache_info()
    copies = [pickle.loads(pickle.dumps(first)) for _ in range(3)] + [clone(first).fit([])]
    for norm in copies:
        norm.transform([SENTENCE] * 10)
    after = nz.translate_table.cache_info()
    assert after.misses == before.misses and after.hits > before.hits
    assert nz.translate_table(steps) is nz.translate_table(steps)


def test_large_input_single_pass_result():
    # 1 M characters: stretched, vocalized words with RLMs; one document and many small ones
    word = "\u0645\u0640\u0635\u0652\u0631\u064e\u200f "  # m-tatweel-s-sukun-r-fatha-RLM "misr"
    big = word * 125_000
    norm = _fitted()
    (out,) = norm.transform([big])
    assert out == "\u0645\u0635\u0631 " * 125_000
    assert norm.transform(itertools.repeat(word, 10_000)) == ["\u0645\u0635\u0631 "] * 10_000
