"""Which n-grams a trained linear pipeline relies on, per class and per prediction.

Works on the four-step pipeline of :mod:`arclf.models.pipeline` (``bundle.pipeline(task)``):
``normalize`` (``transform([str]) -> [str]``), ``features`` (a hashing n-gram vectorizer with
``analyze(doc) -> [(ngram, hash_column)]`` and ``n_features``, or a ``FeatureUnion`` of such
vectorizers whose columns follow one another), ``tfidf`` (``column_index(hash_columns)`` ->
reduced column or -1 for a pruned one) and ``clf`` (``coef_`` and ``classes_``; or
``feature_log_prob_`` for naive Bayes).

Hashing cannot be inverted, so names come from the texts themselves: the n-grams of the
given texts are enumerated with ``analyze`` and each column is named by its most frequent
n-gram (two n-grams rarely share a column; when they do, the weight belongs to both).
Character n-grams show spaces, including ``char_wb``'s word padding, as ``␣`` (``␣ال``:
the article at the start of a word).
"""

from __future__ import annotations

import re

import numpy as np

from arclf.errors import BundleError, InputError

__all__ = ["SPACE", "linear_weights", "top_ngrams", "explain_prediction"]

#: Drawn for a space inside a character n-gram (U+2423 OPEN BOX).
SPACE = "\u2423"
_WHITESPACE = re.compile(r"\s")
_STEPS = ("normalize", "features", "tfidf", "clf")


def _steps(pipeline) -> dict:
    named = getattr(pipeline, "named_steps", None)
    missing = [s for s in _STEPS if named is None or s not in named]
    if missing:
        raise BundleError(f"cannot explain this model: its pipeline lacks step(s) {missing}; "
                          "expected normalize, features, tfidf, clf (use bundle.pipeline(task))")
    return named


def _vectorizers(features) -> list[tuple[object, int, bool]]:
    """``(vectorizer, column offset, is_char)`` for a vectorizer or a FeatureUnion of them."""
    if hasattr(features, "transformer_list"):
        out, offset = [], 0
        for name, vec in features.transformer_list:
            if vec is None or isinstance(vec, str):  # "drop" / "passthrough" contribute no n-grams
                continue
            out.append((vec, offset, str(getattr(vec, "analyzer", name)).startswith("char")))
            offset += int(vec.n_features)
        return out
    return [(features, 0, str(getattr(features, "analyzer", "char")).startswith("char"))]


def _show(ngram: str, is_char: bool) -> str:
    return _WHITESPACE.sub(SPACE, ngram) if is_char else ngram


def linear_weights(clf) -> tuple[np.ndarray, np.ndarray]:
    """Classes and one weight row per class of a fitted linear classifier.

    Parameters
    ----------
    clf : fitted classifier
        With ``coef_`` of shape (n_classes, n_features), or (1, n_features) for two classes
        (row for ``classes_[1]``; ``classes_[0]`` gets its negation), or naive Bayes
        ``feature_log_prob_`` (centred over classes, which leaves every decision unchanged).

    Returns
    -------
    classes : ndarray of shape (n_classes,)
    weights : ndarray of shape (n_classes, n_features)

    Raises
    ------
    BundleError
        If the classifier has no linear weights.
    """
    classes = np.asarray(getattr(clf, "classes_", []))
    try:
        weights = clf.coef_
        centre = False
    except AttributeError:
        weights = getattr(clf, "feature_log_prob_", None)
        centre = True
    if weights is None or not len(classes):
        raise BundleError(f"{type(clf).__name__} has no linear weights (coef_ or feature_log_prob_) or is not fitted; "
                          "explanations need a fitted linear classifier")
    weights = weights.toarray() if hasattr(weights, "toarray") else np.asarray(weights, dtype=float)
    if weights.shape[0] == 1 and len(classes) == 2:
        weights = np.vstack([-weights[0], weights[0]])
    if centre:
        weights = weights - weights.mean(axis=0, keepdims=True)
    return classes, weights


def _ngram_columns(steps: dict, docs: list[str]):
    """Every (reduced column, displayed n-gram) occurrence in ``docs`` (already normalized)."""
    import pandas as pd

    tfidf = steps["tfidf"]
    cols, names = [], []
    for vec, offset, is_char in _vectorizers(steps["features"]):
        for doc in docs:
            pairs = vec.analyze(doc)
            if not pairs:
                continue
            red = np.asarray(tfidf.column_index(np.fromiter((c for _, c in pairs), dtype=np.int64, count=len(pairs)) + offset))
            keep = np.flatnonzero(red >= 0)
            cols.append(red[keep])
            block = "title:" if getattr(vec, "first_line", False) else ""  # the title block's n-grams say so
            names.extend(block + _show(pairs[i][0], is_char) for i in keep)
    if not cols:
        return pd.DataFrame({"col": np.zeros(0, dtype=np.int64), "ngram": []})
    return pd.DataFrame({"col": np.concatenate(cols), "ngram": names})


def _names(occurrences) -> dict[int, str]:
    """Reduced column -> its most frequent n-gram (ties: alphabetical)."""
    counts = occurrences.value_counts(["col", "ngram"]).reset_index(name="n")
    counts = counts.sort_values(["col", "n", "ngram"], ascending=[True, False, True], kind="stable")
    first = counts.drop_duplicates("col")
    return dict(zip(first["col"].tolist(), first["ngram"].tolist()))


def top_ngrams(pipeline, texts, *, k: int = 20, max_texts: int = 500, seed: int = 0) -> dict[str, list[tuple[str, float]]]:
    """The ``k`` n-grams with the largest positive classifier weight for each class.

    Parameters
    ----------
    pipeline : sklearn Pipeline
        Fitted, with steps normalize, features, tfidf, clf (see the module docstring).
    texts : sequence of str
        Texts whose n-grams name the hashed columns (e.g. a sample of the training data);
        only columns seen in them can be listed.
    k : int, default=20
    max_texts : int, default=500
        At most this many texts are read (a seeded random sample), which bounds the time.
    seed : int, default=0

    Returns
    -------
    dict of str to list of (str, float)
        Class label -> ``(n-gram, weight)``, largest weight first; weights are the
        classifier's coefficients on the TF-IDF column (``> 0``: evidence for the class).

    Raises
    ------
    BundleError
        If the pipeline does not have the expected steps or a linear classifier.
    InputError
        If ``texts`` is empty.
    """
    steps = _steps(pipeline)
    texts = [str(t) for t in texts]
    if not texts:
        raise InputError("top_ngrams needs some texts to name the hashed n-grams; pass a sample of the training data")
    if len(texts) > max_texts:
        pick = np.sort(np.random.default_rng(seed).choice(len(texts), size=max_texts, replace=False))
        texts = [texts[i] for i in pick]
    classes, weights = linear_weights(steps["clf"])
    occurrences = _ngram_columns(steps, list(steps["normalize"].transform(texts)))
    seen = np.unique(occurrences["col"].to_numpy())
    out: dict[str, list[tuple[str, float]]] = {}
    best_cols = {}
    for ci, label in enumerate(classes):
        w = weights[ci, seen]
        order = np.lexsort((seen, -w))  # largest weight first, ties by column
        best_cols[str(label)] = [int(seen[j]) for j in order[:k] if w[j] > 0]
    wanted = {c for cols in best_cols.values() for c in cols}
    names = _names(occurrences[occurrences["col"].isin(wanted)])
    for ci, label in enumerate(classes):
        out[str(label)] = [(names[c], float(weights[ci, c])) for c in best_cols[str(label)]]
    return out


def explain_prediction(pipeline, text: str, *, k: int = 10, label: str | None = None) -> list[tuple[str, float]]:
    """The n-grams of ``text`` that pushed the predicted class most.

    The contribution of a column is its TF-IDF value in ``text`` times the classifier's
    weight for the class, so all contributions sum to the class's decision value minus
    its intercept.

    Parameters
    ----------
    pipeline : sklearn Pipeline
        Fitted, with steps normalize, features, tfidf, clf.
    text : str
    k : int, default=10
        How many n-grams to return.
    label : str, optional
        Explain this class instead of the predicted one.

    Returns
    -------
    list of (str, float)
        ``(n-gram, contribution)``, largest contribution first (negative ones, which speak
        against the class, come last and only if fewer than ``k`` are positive). N-grams
        sharing a column are joined with `` / ``.

    Raises
    ------
    InputError
        If ``text`` is not a string or ``label`` is not a class of the model.
    BundleError
        If the pipeline does not have the expected steps or a linear classifier.
    """
    if not isinstance(text, str):
        raise InputError(f"explain_prediction needs one text (str), got {type(text).__name__}")
    steps = _steps(pipeline)
    classes, weights = linear_weights(steps["clf"])
    doc = steps["normalize"].transform([text])[0]
    X = steps["tfidf"].transform(steps["features"].transform([doc]))
    if label is None:
        label = steps["clf"].predict(X)[0]
    hits = np.flatnonzero(classes == label)
    if not hits.size:
        raise InputError(f"label {label!r} is not a class of this model ({', '.join(map(str, classes))})")
    row = X.tocsr()[0] if hasattr(X, "tocsr") else None
    cols, values = (row.indices, row.data) if row is not None else (np.flatnonzero(X[0]), np.asarray(X[0])[np.flatnonzero(X[0])])
    contrib = values * weights[hits[0], cols]
    occurrences = _ngram_columns(steps, [doc])
    names: dict[int, list[str]] = {}
    for col, ngram in zip(occurrences["col"].tolist(), occurrences["ngram"].tolist()):
        names.setdefault(col, [])
        if ngram not in names[col]:
            names[col].append(ngram)
    order = np.lexsort((cols, -contrib))[:k]
    return [(" / ".join(names.get(int(cols[j]), [f"#{int(cols[j])}"])), float(contrib[j])) for j in order]
