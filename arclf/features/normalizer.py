"""The scikit-learn transformer over :mod:`arclf.text.normalize`: :class:`ArabicNormalizer`.

The steps, their order and the sources they follow are documented in :mod:`arclf.text.normalize`.

Examples
--------
>>> norm = ArabicNormalizer().fit([])
>>> norm.transform(["\u0627\u0644\u0639\u0631\u0628\u064a\u0651\u0629\u064f BBC"]) == [
...     "\u0627\u0644\u0639\u0631\u0628\u064a\u0647 bbc"]  # al-arabiyyatu: shadda, damma dropped
True
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from arclf.text.normalize import STEPS, compose_hamza, normalize_text, not_str_error, translate_table

__all__ = ["ArabicNormalizer"]


def _check_documents(X) -> None:
    if isinstance(X, (str, bytes)):
        raise ValueError(
            f"expected an iterable of str documents, got a single {type(X).__name__}: "
            "wrap it in a list")
    if getattr(X, "ndim", 1) != 1:
        raise ValueError(f"expected a 1-D iterable of str documents, got an array of shape {X.shape}")
    if not hasattr(X, "__iter__"):
        raise TypeError(f"expected an iterable of str documents, got {type(X).__name__}")


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
        translate_table(self.steps_)
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
        table = translate_table(self.steps_)
        compose = "presentation_forms" in self.steps_
        out = []
        for i, doc in enumerate(X):
            if not isinstance(doc, str):
                raise not_str_error(i, doc)
            out.append((compose_hamza(doc) if compose else doc).translate(table))
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
            raise not_str_error(0, text)
        return normalize_text(text, self.steps_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
