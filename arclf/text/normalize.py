r"""Arabic orthographic normalization: one pure ``str -> str`` function per phenomenon.

Arabic news and web text writes the same word in several ways: with or without hamza on
alef, with final alef maksura or yeh, teh marbuta or heh, vowel marks or not, stretched
with tatweel, typed on a Persian keyboard, copied from a PDF in presentation forms,
sprinkled with invisible bidi controls. A classifier that sees these as different
character n-grams wastes features on spelling noise. Each step below folds one such
phenomenon; :class:`arclf.features.normalizer.ArabicNormalizer` applies the enabled steps, in this order, as one
``str.translate`` pass.

=====================  ==============================================  ======================================
step (switch)          what it does                                    what it merges, and why
=====================  ==============================================  ======================================
presentation_forms     NFKC restricted to Arabic Presentation          PDF/legacy glyph codes with the
                       Forms-A/B (U+FB50..U+FDFF, U+FE70..U+FEFF):     letters they show. First, so that
                       contextual forms to base letters, ligatures     every later step sees base letters:
                       to letter sequences (U+FEFB lam-alef to lam     U+FEF7 (lam-alef with hamza) becomes
                       + alef, U+FDF2 to the word Allah, U+FDFD to     lam + U+0623, then plain alef.
                       the basmala); also composes decomposed
                       alef/waw/yeh + U+0653..U+0655 (NFC, e.g.
                       U+0627 U+0654 to U+0623).
bidi                   deletes LRM, RLM, ALM (U+061C), LRE..RLO,       Invisible controls and joiners that
                       LRI..PDI, ZWNJ, ZWJ, word joiner, BOM, soft     split a word into different n-grams
                       hyphen; turns ZWSP and no-break/fixed-width     while looking identical. ZWNJ is
                       spaces into U+0020.                             *deleted*: in Arabic script it stops
                                                                       joining inside or at the edge of a
                                                                       word (Persian mi + ZWNJ + verb is one
                                                                       word); ZWSP *is* a word break, and
                                                                       ANT has "end.ZWSP next" with no other
                                                                       space, so it becomes a space. NBSP
                                                                       becomes a space because scikit-learn's
                                                                       ``analyzer='char'`` keeps a lone NBSP.
tashkeel               deletes harakat, tanween, shadda, sukun,        Vocalized and bare spellings (news is
                       superscript alef U+0670, stand-alone madda/     mostly bare; a few words carry a
                       hamza marks U+0653..U+0655, Quranic marks:      disambiguating shadda or tanween).
                       ``pyarabic.araby.DIACRITICS`` + small waw/yeh
                       U+06E5/U+06E6 + Extended-A/B marks U+0898..
                       U+089F, U+08CA..U+08FF (not U+08E2, a format
                       sign).
tatweel                deletes U+0640 (kashida).                       Justified/stretched and plain words.
farsi                  encoding variants typed on Persian/Urdu         Farsi yeh U+06CC and yeh barree U+06D2
                       keyboards to the Arabic letter they stand       to yeh U+064A; keheh U+06A9 and swash
                       for.                                            kaf U+06AA to kaf U+0643; heh
                                                                       doachashmee U+06BE, heh goal U+06C1,
                                                                       ae U+06D5, U+06C0, U+06C2 to heh
                                                                       U+0647; teh marbuta goal U+06C3 to
                                                                       U+0629; U+06D3 to U+0626. ANT has 671
                                                                       U+06CC and 205 U+06BE (Gulf business
                                                                       copy). Letters for sounds Arabic
                                                                       lacks stay *distinct*: peh U+067E,
                                                                       tcheh U+0686, jeh U+0698, gaf U+06AF,
                                                                       veh U+06A4, qaf-3-dots U+06A8, ng
                                                                       U+06AD. They name foreign words and,
                                                                       for /g/, mark Maghrebi (U+06A8,
                                                                       U+06AD) or Tunisian (U+06A4) writing:
                                                                       a region signal.
alef                   U+0622 madda, U+0623 hamza above, U+0625        Hamza on alef is often omitted in
                       hamza below, U+0671 wasla, U+0672/U+0673        news and web text (the same word is
                       wavy hamza to bare alef U+0627.                 spelled both ways). Hamza on waw
                                                                       U+0624 and on yeh U+0626 stays
                                                                       *distinct*: their seat is rarely
                                                                       dropped, mapping them to waw/yeh
                                                                       makes new homographs, and the
                                                                       Egyptian vs Levantine/Gulf spelling
                                                                       of "official" (yeh-seat vs waw-seat)
                                                                       is a region signal we keep.
alef_maksura           U+0649 to yeh U+064A.                           Egyptian print writes final yeh as
                                                                       dotless U+0649. Merges ila "to" with
                                                                       ilayya "to me" and the preposition
                                                                       ala "on" with the name Ali. Maksura
                                                                       goes to *yeh*, not to alef (as
                                                                       ``pyarabic.araby.ALEFAT`` would
                                                                       suggest): ila "to" (alef-hamza, lam,
                                                                       maksura) and illa "except" (alef-
                                                                       hamza, lam, alef) stay distinct.
teh_marbuta            U+0629 to heh U+0647.                           Feminine -a written with or without
                                                                       dots. Merges e.g. maktaba "library"
                                                                       with maktabuhu "his office"; rare
                                                                       in news, and topic words survive.
digits                 Arabic-Indic U+0660..U+0669 and Extended        Eastern and Western numerals (and
                       (Persian) U+06F0..U+06F9 to 0..9; U+066B        2.5 with 2<U+066B>5, 5% with
                       decimal separator to ".", U+066C thousands      5<U+066A>).
                       separator to ",", U+066A percent to "%".
lowercase              every cased BMP letter to its lowercase, one    "BBC" and "bbc" (Arabic has no case).
                       character at a time (``str.lower`` per          Per character so it fits the single
                       character, so no Greek final-sigma rule).       translate table.
=====================  ==============================================  ======================================

Runs of whitespace are *not* collapsed by :class:`arclf.features.normalizer.ArabicNormalizer`: the default
features already split on whitespace runs (``char_wb`` uses ``str.split``, ``char``
squeezes ``\s\s+``), and keeping line breaks keeps titles and paragraphs visible.
:func:`normalize_for_dedup` collapses them. This module does not use pyarabic's
``normalize_hamza`` (it silently falls back to a default on an unknown ``method``).
Do not also pass ``strip_accents='unicode'`` to a scikit-learn vectorizer: its NFKD +
mark removal folds U+0624/U+0626 into waw/yeh and undoes the hamza policy above.

Sources: L. Larkey, L. Ballesteros, M. Connell, "Improving stemming for Arabic
information retrieval: light stemming and co-occurrence analysis", SIGIR 2002 (light10
normalization: alef forms, final ya, teh marbuta, tatweel, diacritics); K. Darwish and
W. Magdy, "Arabic Information Retrieval", Foundations and Trends in IR 7(4), 2014, and
the same conventions in QCRI work by Darwish & Mubarak (alef forms to bare alef, alef
maksura to yeh, teh marbuta to heh; hamza on waw/yeh untouched); CAMeL Tools
``camel_tools.utils.normalize`` (Obeid et al., LREC 2020); pyarabic ``araby`` constants
(T. Zerrouki); The Unicode Standard, ch. 9.2 (Arabic, ZWJ/ZWNJ), the code charts for
Arabic (U+0600), Arabic Extended-A/B, Presentation Forms-A (U+FB50) and -B (U+FE70),
UAX #9 (bidi controls) and UAX #15 (NFC/NFKC).

Examples
--------
>>> from arclf.text.normalize import normalize_text, unify_alef
>>> print(ascii(unify_alef("\u0623\u062d\u0645\u062f")))  # ahmad: alef-hamza, hah, meem, dal
'\u0627\u062d\u0645\u062f'
>>> normalize_text("\u0627\u0644\u0639\u0631\u0628\u064a\u0651\u0629\u064f BBC") == (
...     "\u0627\u0644\u0639\u0631\u0628\u064a\u0647 bbc")  # al-arabiyyatu: shadda, damma dropped
True

This module is plain ``str -> str`` and imports no scikit-learn (about a second to import), so
prediction normalizes without it; :class:`arclf.features.normalizer.ArabicNormalizer` is the
scikit-learn transformer over it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from pyarabic import araby

__all__ = [
    "STEPS", "normalize_text", "translate_table", "compose_hamza", "not_str_error", "normalize_for_dedup", "collapse_whitespace",
    "fold_presentation_forms", "strip_bidi", "strip_tashkeel", "strip_tatweel", "map_farsi",
    "unify_alef", "unify_alef_maksura", "unify_teh_marbuta", "unify_digits", "lowercase",
]

#: Every step, in the order it is applied (also the order of ``ArabicNormalizer.steps_``).
STEPS = (
    "presentation_forms", "bidi", "tashkeel", "tatweel", "farsi",
    "alef", "alef_maksura", "teh_marbuta", "digits", "lowercase",
)

_ALEF = "\u0627"  # ARABIC LETTER ALEF
_YEH = "\u064a"  # ARABIC LETTER YEH
_HEH = "\u0647"  # ARABIC LETTER HEH
_KAF = "\u0643"  # ARABIC LETTER KAF

_ALEF_TABLE = str.maketrans({
    "\u0622": _ALEF,  # ARABIC LETTER ALEF WITH MADDA ABOVE
    "\u0623": _ALEF,  # ARABIC LETTER ALEF WITH HAMZA ABOVE
    "\u0625": _ALEF,  # ARABIC LETTER ALEF WITH HAMZA BELOW
    "\u0671": _ALEF,  # ARABIC LETTER ALEF WASLA
    "\u0672": _ALEF,  # ARABIC LETTER ALEF WITH WAVY HAMZA ABOVE
    "\u0673": _ALEF,  # ARABIC LETTER ALEF WITH WAVY HAMZA BELOW
})
_ALEF_MAKSURA_TABLE = str.maketrans({"\u0649": _YEH})  # ARABIC LETTER ALEF MAKSURA
_TEH_MARBUTA_TABLE = str.maketrans({"\u0629": _HEH})  # ARABIC LETTER TEH MARBUTA
_TATWEEL_TABLE = str.maketrans({"\u0640": None})  # ARABIC TATWEEL

_TASHKEEL_TABLE = dict.fromkeys(
    [ord(c) for c in araby.DIACRITICS]  # harakat, tanween, shadda, sukun, U+0670, Quranic marks
    + [0x06E5, 0x06E6]  # ARABIC SMALL WAW, ARABIC SMALL YEH (Quranic)
    + list(range(0x0898, 0x08A0))  # Arabic Extended-B Quranic marks
    + [cp for cp in range(0x08CA, 0x0900) if cp != 0x08E2]  # Extended-A marks; U+08E2 is a format sign
)

_FARSI_TABLE = str.maketrans({
    "\u06cc": _YEH,  # ARABIC LETTER FARSI YEH
    "\u06d2": _YEH,  # ARABIC LETTER YEH BARREE
    "\u06d3": "\u0626",  # ARABIC LETTER YEH BARREE WITH HAMZA ABOVE -> YEH WITH HAMZA ABOVE
    "\u06a9": _KAF,  # ARABIC LETTER KEHEH
    "\u06aa": _KAF,  # ARABIC LETTER SWASH KAF
    "\u06be": _HEH,  # ARABIC LETTER HEH DOACHASHMEE
    "\u06c0": _HEH,  # ARABIC LETTER HEH WITH YEH ABOVE
    "\u06c1": _HEH,  # ARABIC LETTER HEH GOAL
    "\u06c2": _HEH,  # ARABIC LETTER HEH GOAL WITH HAMZA ABOVE
    "\u06d5": _HEH,  # ARABIC LETTER AE
    "\u06c3": "\u0629",  # ARABIC LETTER TEH MARBUTA GOAL -> TEH MARBUTA
})

_DIGITS_TABLE = {
    **{0x0660 + i: str(i) for i in range(10)},  # ARABIC-INDIC DIGIT ZERO..NINE
    **{0x06F0 + i: str(i) for i in range(10)},  # EXTENDED ARABIC-INDIC DIGIT ZERO..NINE
    0x066B: ".",  # ARABIC DECIMAL SEPARATOR
    0x066C: ",",  # ARABIC THOUSANDS SEPARATOR
    0x066A: "%",  # ARABIC PERCENT SIGN
}

_BIDI_TABLE = {
    **dict.fromkeys([
        0x00AD,  # SOFT HYPHEN
        0x061C,  # ARABIC LETTER MARK
        0x200C,  # ZERO WIDTH NON-JOINER (deleted: it acts inside words)
        0x200D,  # ZERO WIDTH JOINER
        0x200E,  # LEFT-TO-RIGHT MARK
        0x200F,  # RIGHT-TO-LEFT MARK
        *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
        0x2060,  # WORD JOINER
        *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
        0xFEFF,  # ZERO WIDTH NO-BREAK SPACE (byte order mark)
    ]),
    **dict.fromkeys([
        0x00A0,  # NO-BREAK SPACE
        *range(0x2000, 0x200B),  # EN QUAD .. HAIR SPACE
        0x200B,  # ZERO WIDTH SPACE (a word break)
        0x202F,  # NARROW NO-BREAK SPACE
        0x205F,  # MEDIUM MATHEMATICAL SPACE
        0x3000,  # IDEOGRAPHIC SPACE
    ], " "),
}

# str.lower one character at a time, for every cased character of the BMP (10 ms at import).
_LOWERCASE_TABLE = {ord(c): c.lower() for c in map(chr, range(0x10000)) if c.lower() != c}

_BASMALA = (  # bism allah al-rahman al-rahim, what U+FDFD shows (NFKC leaves it alone)
    "\u0628\u0633\u0645 \u0627\u0644\u0644\u0647 "
    "\u0627\u0644\u0631\u062d\u0645\u0646 \u0627\u0644\u0631\u062d\u064a\u0645"
)


def _build_presentation_table() -> dict[int, str]:
    table = {}
    for cp in (*range(0xFB50, 0xFE00), *range(0xFE70, 0xFF00)):
        folded = unicodedata.normalize("NFKC", chr(cp))
        if folded[:1] == " " and all(unicodedata.combining(c) for c in folded[1:]):
            folded = folded[1:]  # isolated harakat (U+FE70..., U+FC5E...): NFKC adds a space
        if folded != chr(cp):
            table[cp] = folded
    table[0xFDFD] = _BASMALA  # ARABIC LIGATURE BISMILLAH AR-RAHMAN AR-RAHEEM
    return table


_PRESENTATION_TABLE = _build_presentation_table()

# alef/waw/yeh/heh + combining madda or hamza (U+0653..U+0655) -> the precomposed letter (NFC)
_COMPOSE = {
    chr(base) + mark: unicodedata.normalize("NFC", chr(base) + mark)
    for base in range(0x0600, 0x0700) for mark in "\u0653\u0654\u0655"
    if len(unicodedata.normalize("NFC", chr(base) + mark)) == 1
}
_DECOMPOSED_RE = re.compile("|".join(_COMPOSE))


def _compose_match(match: re.Match) -> str:
    return _COMPOSE[match.group()]


def compose_hamza(text: str) -> str:
    """Compose alef/waw/yeh followed by a combining madda or hamza (U+0653..U+0655) into the
    precomposed letter (NFC for these pairs, Unicode ch. 9.2), so later steps see one character."""
    if "\u0654" in text or "\u0653" in text or "\u0655" in text:  # fast scans; rare in practice
        return _DECOMPOSED_RE.sub(_compose_match, text)
    return text


def fold_presentation_forms(text: str) -> str:
    r"""Fold Arabic presentation forms and ligatures into base letters.

    NFKC restricted to Arabic Presentation Forms-A (U+FB50..U+FDFF) and -B
    (U+FE70..U+FEFF), so Latin ligatures, full-width forms, superscripts etc. are left
    alone. The basmala ligature U+FDFD, which NFKC keeps, is spelled out. Decomposed
    alef/waw/yeh + U+0653..U+0655 are composed first (NFC), so that :func:`strip_tashkeel`
    does not take the hamza off a decomposed alef-hamza.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        ``text`` with presentation forms replaced; may be longer (ligatures).

    Examples
    --------
    >>> print(ascii(fold_presentation_forms("\ufefb\ufdf2")))  # lam-alef ligature, Allah ligature
    '\u0644\u0627\u0627\u0644\u0644\u0647'
    """
    return compose_hamza(text).translate(_PRESENTATION_TABLE)


def strip_bidi(text: str) -> str:
    """Delete invisible bidi controls and joiners; turn ZWSP and no-break spaces into spaces.

    Deleted: soft hyphen, ALM U+061C, ZWNJ, ZWJ, LRM, RLM, LRE..RLO, word joiner,
    LRI..PDI, BOM. Turned into U+0020: ZWSP U+200B, NBSP U+00A0, U+2000..U+200A,
    U+202F, U+205F, U+3000. Tabs and line breaks are kept.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.translate(_BIDI_TABLE)


def strip_tashkeel(text: str) -> str:
    """Delete Arabic diacritics: harakat, tanween, shadda, sukun, U+0670, Quranic marks.

    The set is ``pyarabic.araby.DIACRITICS`` (which also holds stand-alone madda and
    hamza marks U+0653..U+0655) plus small waw/yeh U+06E5/U+06E6 and the marks of
    Arabic Extended-A/B. Pyarabic's own ``strip_tashkeel`` only removes eight marks.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.translate(_TASHKEEL_TABLE)


def strip_tatweel(text: str) -> str:
    """Delete tatweel (kashida) U+0640.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.translate(_TATWEEL_TABLE)


def map_farsi(text: str) -> str:
    """Map Persian/Urdu encoding variants of Arabic letters to the Arabic letters.

    Yeh variants (U+06CC, U+06D2) to yeh, keheh and swash kaf to kaf, heh variants
    (U+06BE, U+06C0, U+06C1, U+06C2, U+06D5) to heh, U+06C3 to teh marbuta, U+06D3 to
    yeh with hamza. Letters for non-Arabic sounds (peh, tcheh, jeh, gaf, veh, U+06A8,
    U+06AD) are kept: see the module docstring.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.translate(_FARSI_TABLE)


def unify_alef(text: str) -> str:
    """Map alef with madda, hamza above/below, wasla or wavy hamza to bare alef U+0627.

    Hamza on waw (U+0624) and on yeh (U+0626) is kept: see the module docstring.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.translate(_ALEF_TABLE)


def unify_alef_maksura(text: str) -> str:
    r"""Map alef maksura U+0649 to yeh U+064A.

    This merges ila "to" with ilayya "to me" and ala "on" with the name Ali. Because
    maksura goes to yeh (not to alef), ila "to" and illa "except" stay apart.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> ila, illa = "\u0625\u0644\u0649", "\u0625\u0644\u0627"  # "to", "except"
    >>> print(ascii(unify_alef(unify_alef_maksura(ila))), ascii(unify_alef(illa)))
    '\u0627\u0644\u064a' '\u0627\u0644\u0627'
    """
    return text.translate(_ALEF_MAKSURA_TABLE)


def unify_teh_marbuta(text: str) -> str:
    """Map teh marbuta U+0629 to heh U+0647 (merges e.g. "library" with "his office").

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.translate(_TEH_MARBUTA_TABLE)


def unify_digits(text: str) -> str:
    """Map Arabic-Indic and Extended Arabic-Indic digits to 0-9, and their separators.

    U+066B (decimal separator) becomes ".", U+066C (thousands separator) ",", U+066A
    (percent sign) "%".

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.translate(_DIGITS_TABLE)


def lowercase(text: str) -> str:
    """Lowercase every cased BMP character, one character at a time.

    Same as ``str.lower`` except for Greek capital sigma at the end of a word (always
    small sigma here): the price of folding this step into the single translate table.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return text.translate(_LOWERCASE_TABLE)


def collapse_whitespace(text: str) -> str:
    """Replace every run of whitespace (including line breaks) by one space and strip the ends.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
    """
    return " ".join(text.split())  # str.split() splits on runs of str.isspace(), like \s+


_STEP_FUNCTIONS = {
    "presentation_forms": fold_presentation_forms, "bidi": strip_bidi,
    "tashkeel": strip_tashkeel, "tatweel": strip_tatweel, "farsi": map_farsi,
    "alef": unify_alef, "alef_maksura": unify_alef_maksura,
    "teh_marbuta": unify_teh_marbuta, "digits": unify_digits, "lowercase": lowercase,
}
_STEP_DOMAINS = {
    "presentation_forms": _PRESENTATION_TABLE, "bidi": _BIDI_TABLE,
    "tashkeel": _TASHKEEL_TABLE, "tatweel": _TATWEEL_TABLE, "farsi": _FARSI_TABLE,
    "alef": _ALEF_TABLE, "alef_maksura": _ALEF_MAKSURA_TABLE,
    "teh_marbuta": _TEH_MARBUTA_TABLE, "digits": _DIGITS_TABLE, "lowercase": _LOWERCASE_TABLE,
}


_IDENTITY = list(range(0x10000))  # shared by every compiled table (2 MB, once)


@functools.lru_cache(maxsize=32)
def translate_table(steps: tuple[str, ...]) -> list:
    """One translate table for ``steps`` (in STEPS order): each character through every step.

    A list indexed by code point over the BMP, identity where nothing changes. CPython's
    ``str.translate`` raises and clears a KeyError for every character missing from a
    dict table, so a list is about twice as fast on Arabic text; characters beyond the
    BMP raise IndexError, which ``translate`` treats as unmapped (every step's domain is
    in the BMP). About 0.5 MB and 5 ms per combination of steps.
    """
    table = _IDENTITY.copy()
    for cp in set().union(*(_STEP_DOMAINS[step] for step in steps)):
        out = chr(cp)
        for step in steps:
            out = _STEP_FUNCTIONS[step](out)
        if out != chr(cp):
            table[cp] = out
    return table


def _normalize(text: str, steps: tuple[str, ...]) -> str:
    """``text`` through ``steps`` (already in :data:`STEPS` order)."""
    if "presentation_forms" in steps:
        text = compose_hamza(text)
    return text.translate(translate_table(steps))




def not_str_error(index, doc) -> TypeError:
    """The TypeError for a document ``X[index]`` that is not a str (with a hint for bytes), to raise."""
    hint = " (decode bytes first)" if isinstance(doc, bytes) else ""
    return TypeError(f"X[{index}] is {type(doc).__name__} {doc!r:.40}, expected str{hint}")


def normalize_for_dedup(text: str) -> str:
    r"""Normalize an article's text into a key for finding exact duplicates.

    Every step of :class:`ArabicNormalizer`, then all whitespace collapsed to single
    spaces, the ends stripped and the result case-folded.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Raises
    ------
    TypeError
        ``text`` is not a str.

    Examples
    --------
    >>> normalize_for_dedup(" \u0645\u0640\u0635\u0631\n\n BBC ") == normalize_for_dedup("\u0645\u0635\u0631 bbc")
    True
    """
    if not isinstance(text, str):
        raise not_str_error(0, text)
    return collapse_whitespace(_normalize(text, STEPS)).casefold()



def normalize_text(text: str, steps: tuple[str, ...] = STEPS) -> str:
    """Apply the enabled ``steps`` (a subset of :data:`STEPS`, in that order) to one text."""
    return _normalize(text, tuple(s for s in STEPS if s in steps))
