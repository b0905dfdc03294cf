r"""Arabic orthographic normalization: one pure ``str -> str`` function per phenomenon.

Arabic news and web text writes the same word in several ways: with or without hamza on
alef, with final alef maksura or yeh, teh marbuta or heh, vowel marks or not, stretched
with tatweel, typed on a Persian keyboard, copied from a PDF in presentation forms,
sprinkled with invisible bidi controls. A classifier that sees these as different
character n-grams wastes features on spelling noise. Each step below folds one such
phenomenon; :class:`ArabicNormalizer` applies the enabled steps, in this order, as one
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

Runs of whitespace are *not* collapsed by :class:`ArabicNormalizer`: the default
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
>>> from arclf.features.normalizer import ArabicNormalizer, unify_alef
>>> print(ascii(unify_alef("\u0623\u062d\u0645\u062f")))  # ahmad: alef-hamza, hah, meem, dal
'\u0627\u062d\u0645\u062f'
>>> norm = ArabicNormalizer().fit([])
>>> norm.transform(["\u0627\u0644\u0639\u0631\u0628\u064a\u0651\u0629\u064f BBC"]) == [
...     "\u0627\u0644\u0639\u0631\u0628\u064a\u0647 bbc"]  # al-arabiyyatu: shadda, damma dropped
True
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from arclf.text.normalize import *  # noqa: F401,F403  (the step functions are documented here)
from arclf.text.normalize import (  # noqa: F401  (used below and by tests)
    _STEP_DOMAINS, _STEP_FUNCTIONS, STEPS, _check_documents, _compiled_table, _compose_hamza, _normalize, _not_str,
)
from arclf.text import normalize as _textnorm

__all__ = ["ArabicNormalizer", *_textnorm.__all__]

class ArabicNormalizer(TransformerMixin, BaseEstimator):
    r"""Normalize Arabic documents: a scikit-learn transformer from str to str.

    Each switch turns one step of the module on or off; the enabled steps run in the
    order of :data:`STEPS` (presentation forms, bidi, tashkeel, tatweel, farsi, alef,
    alef maksura, teh marbuta, digits, lowercase) and are compiled into a single
    ``str.translate`` table (cached per combination of switches, never pickled).
    Whitespace is left as it is. A step switched off leaves its phenomenon intact even
    where another step could have touched it: with ``presentation_forms=False`` the
    lam-alef ligature U+FEF7 keeps its hamza.

    Parameters
    ----------
    alef : bool, default=True
        Alef with madda/hamza/wasla to bare alef (:func:`unify_alef`).
    alef_maksura : bool, default=True
        Alef maksura to yeh (:func:`unify_alef_maksura`).
    teh_marbuta : bool, default=True
        Teh marbuta to heh (:func:`unify_teh_marbuta`).
    tashkeel : bool, default=True
        Delete diacritics (:func:`strip_tashkeel`).
    tatweel : bool, default=True
        Delete tatweel (:func:`strip_tatweel`).
    farsi : bool, default=True
        Persian/Urdu letter variants to Arabic letters (:func:`map_farsi`).
    presentation_forms : bool, default=True
        Presentation forms and ligatures to letters (:func:`fold_presentation_forms`).
    digits : bool, default=True
        Eastern Arabic digits to 0-9 (:func:`unify_digits`).
    bidi : bool, default=True
        Delete invisible controls, spaces for ZWSP/NBSP (:func:`strip_bidi`).
    lowercase : bool, default=True
        Lowercase cased letters (:func:`lowercase`).

    Attributes
    ----------
    steps_ : tuple of str
        The enabled steps, in the order they are applied.

    Examples
    --------
    >>> norm = ArabicNormalizer(teh_marbuta=False).fit([])
    >>> norm.steps_[:3]
    ('presentation_forms', 'bidi', 'tashkeel')
    >>> print(ascii(norm.normalize("\u0645\u062f\u0631\u0633\u0629 \u0665")))  # madrasa 5
    '\u0645\u062f\u0631\u0633\u0629 5'
    """

    def __init__(self, *, alef=True, alef_maksura=True, teh_marbuta=True, tashkeel=True,
                 tatweel=True, farsi=True, presentation_forms=True, digits=True, bidi=True,
                 lowercase=True):
        self.alef = alef
        self.alef_maksura = alef_maksura
        self.teh_marbuta = teh_marbuta
        self.tashkeel = tashkeel
        self.tatweel = tatweel
        self.farsi = farsi
        self.presentation_forms = presentation_forms
        self.digits = digits
        self.bidi = bidi
        self.lowercase = lowercase

    def fit(self, X, y=None):
        """Check the switches and compile the translate table; ``X`` is not read.

        Parameters
        ----------
        X : iterable of str
            Documents; only their container is checked, so a generator is not consumed.
        y : None
            Ignored.

        Returns
        -------
        self : ArabicNormalizer

        Raises
        ------
        TypeError
            A switch is not a bool.
        ValueError
            ``X`` is a single str or a 2-D array.
        """
        _check_documents(X)
        for step in STEPS:
            value = getattr(self, step)
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{step}={value!r}: expected True or False")
        self.steps_ = tuple(step for step in STEPS if getattr(self, step))
        _compiled_table(self.steps_)
        return self

    def transform(self, X):
        """Normalize every document.

        Parameters
        ----------
        X : iterable of str
            Documents (list, tuple, 1-D array, pandas Series, generator).

        Returns
        -------
        list of str of length n_samples

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        TypeError
            An item is not a str (its index and type are quoted).
        ValueError
            ``X`` is a single str or a 2-D array.
        """
        check_is_fitted(self, "steps_")
        _check_documents(X)
        table = _compiled_table(self.steps_)
        compose = "presentation_forms" in self.steps_
        out = []
        for i, doc in enumerate(X):
            if not isinstance(doc, str):
                raise _not_str(i, doc)
            out.append((_compose_hamza(doc) if compose else doc).translate(table))
        return out

    def normalize(self, text):
        """Normalize one document.

        Parameters
        ----------
        text : str

        Returns
        -------
        str
        """
        check_is_fitted(self, "steps_")
        if not isinstance(text, str):
            raise _not_str(0, text)
        return _normalize(text, self.steps_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
