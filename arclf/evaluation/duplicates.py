"""Exact and near-duplicate groups of texts, for grouped cross-validation and corpus reports.

Exact duplicates are texts equal after :func:`arclf.features.normalizer.normalize_for_dedup`.

Near duplicates follow Broder's resemblance method (A. Z. Broder, "On the resemblance and
containment of documents", SEQUENCES 1997): each text is the set of its character
``shingle``-grams, two texts resemble each other by the Jaccard index of their sets, and a
MinHash signature of ``num_perm`` minima under random permutations estimates it. Candidate
pairs come from locality-sensitive hashing over bands of the signatures
(:class:`datasketch.MinHashLSH`; see the datasketch documentation, "MinHash LSH",
https://ekzhu.com/datasketch/lsh.html); every candidate pair is then checked by the *real*
Jaccard index of the two shingle sets, and pairs at or above ``threshold`` are joined into
groups (connected components, i.e. union-find: A~B and B~C put A, B and C in one group).

Speed (all of ANT or SaudiNewsNet, about 50 million characters each, in 5-8 s on 2 cores, of
which about 3 s is the normalization): texts equal after normalization are shingled once; the
shingles of all texts are hashed in one compiled pass (a polynomial hash of the code points,
then the MurmurHash3 finalizer), and the signatures are computed by a compiled kernel with
datasketch's own ``affine32`` permutations (``MinHash(num_perm, seed).permutations``), so they
equal what ``datasketch.MinHash.update_batch`` gives for the same 32-bit shingle hashes. LSH
buckets are read from the index's hash tables directly rather than by one query per text, and
candidate pairs are verified by a compiled merge of their sorted shingle sets.
"""

from __future__ import annotations

import itertools

import numpy as np
from arclf.features.kernels import FMIX64
from arclf.util.jit import KernelSet

#: The near-duplicate kernels (``@KERNELS.kernel``), compiled on first use.
KERNELS = KernelSet(globals())
prange = range  # numba.prange once compiled

__all__ = ["first_seen_ids", "exact_duplicate_groups", "near_duplicate_groups", "near_duplicate_pairs", "duplicate_report", "shingle_hashes"]

#: LSH bands are tuned for a threshold this much below the verification threshold, for recall:
#: at 0.8, 18 bands of 7 rows propose a pair of Jaccard 0.8 with probability 0.986 (datasketch's
#: own choice for 0.8, 9 bands of 13 rows, would find only 40 % of them); every candidate is verified.
_LSH_MARGIN = 0.2
_ROLL = np.uint64(1_000_003)
_M64_1, _M64_2, _S33 = FMIX64  # MurmurHash3's fmix64 constants, shared with the n-gram kernels
_S32 = np.uint64(32)
_M32_1 = np.uint64(0x85EBCA6B)
_M32_2 = np.uint64(0xC2B2AE35)
_MASK32 = np.uint64(0xFFFFFFFF)


def first_seen_ids(keys) -> np.ndarray:
    """Group id per key, numbered in order of first occurrence.

    Parameters
    ----------
    keys : sequence of hashable
        One key per article (a normalized text or its digest).

    Returns
    -------
    ndarray of shape (n_keys,), dtype int64
        Equal keys share an id; ids count up from 0 in order of first occurrence.
    """
    ids: dict = {}
    return np.fromiter((ids.setdefault(k, len(ids)) for k in keys), dtype=np.int64, count=len(keys))


def _normalized(texts) -> list[str]:
    from arclf.text.normalize import normalize_for_dedup

    return [normalize_for_dedup(t) if t else "" for t in texts]


def exact_duplicate_groups(texts) -> np.ndarray:
    """Return a group id per text: texts equal after ``normalize_for_dedup`` share one.

    Parameters
    ----------
    texts : sequence of str

    Returns
    -------
    ndarray of shape (n_texts,), dtype int64
        Ids numbered from 0 in order of first occurrence (deterministic); a text without
        duplicates has an id of its own.

    Examples
    --------
    >>> exact_duplicate_groups(["a b", "c", "a  b"]).tolist()
    [0, 1, 0]
    """
    return first_seen_ids(_normalized(texts))


@KERNELS.kernel(parallel=True)
def _shingle_kernel(codes, offsets, k):  # pragma: no cover - compiled
    """Hash of every k-gram start position (NUL-padded past a text's end), text after text."""
    n = codes.shape[0]
    out = np.empty(n, dtype=np.uint64)
    for d in prange(offsets.shape[0] - 1):
        lo, hi = offsets[d], offsets[d + 1]
        for i in range(lo, hi):
            h = np.uint64(0)
            for j in range(k):
                c = np.uint64(codes[i + j]) if i + j < hi else np.uint64(0)
                h = h * _ROLL + c
            h ^= h >> _S33
            h *= _M64_1
            h ^= h >> _S33
            h *= _M64_2
            h ^= h >> _S33
            out[i] = h
    return out


@KERNELS.kernel(parallel=True)
def _minhash_kernel(hashes, offsets, a, b):  # pragma: no cover - compiled
    """datasketch's affine32 MinHash: fmix32 of the hash's top 32 bits, then min of a*h+b mod 2**32."""
    n_docs, n_perm = offsets.shape[0] - 1, a.shape[0]
    sig = np.full((n_docs, n_perm), _MASK32, dtype=np.uint64)
    for d in prange(n_docs):
        row = sig[d]
        for i in range(offsets[d], offsets[d + 1]):
            h = hashes[i] >> _S32
            h ^= h >> np.uint64(16)
            h = (h * _M32_1) & _MASK32
            h ^= h >> np.uint64(13)
            h = (h * _M32_2) & _MASK32
            h ^= h >> np.uint64(16)
            for p in range(n_perm):
                v = (a[p] * h + b[p]) & _MASK32
                if v < row[p]:
                    row[p] = v
    return sig.astype(np.uint32)


def shingle_hashes(texts, shingle: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Hash every character ``shingle``-gram of every text, all texts at once.

    A k-gram starts at every position of a text; near the end it is padded with NUL, so a
    non-empty text has ``len(text)`` shingles (a text shorter than ``shingle`` has some) and
    an empty text none. A k-gram's hash is a polynomial rolling hash of its code points
    followed by the MurmurHash3 64-bit finalizer.

    Parameters
    ----------
    texts : sequence of str
    shingle : int, default=5

    Returns
    -------
    hashes : ndarray of shape (n_shingles,), dtype uint64
        Shingle hashes, text after text (not deduplicated).
    offsets : ndarray of shape (n_texts + 1,), dtype int64
        Text ``i``'s hashes are ``hashes[offsets[i]:offsets[i + 1]]``.

    Raises
    ------
    ValueError
        ``shingle`` < 1.
    """
    if shingle < 1:
        raise ValueError(f"shingle={shingle}: must be >= 1")
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=offsets[1:])
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    KERNELS.compile()
    return _shingle_kernel(codes, offsets, shingle), offsets


def _signatures(hashes: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signatures, shape (n_texts, num_perm), uint32; an empty text's row is all 2**32 - 1."""
    from datasketch import MinHash

    a, b = (p.astype(np.uint64) for p in MinHash(num_perm=num_perm, seed=seed).permutations)
    KERNELS.compile()
    return _minhash_kernel(hashes, offsets, a, b)


@KERNELS.kernel(parallel=True)
def _unique_sets(hashes, offsets, docs):  # pragma: no cover - compiled
    """Sorted unique shingle hashes of each text in ``docs``, packed; returns (values, offsets)."""
    out_off = np.zeros(docs.shape[0] + 1, dtype=np.int64)
    for i in range(docs.shape[0]):
        out_off[i + 1] = out_off[i] + offsets[docs[i] + 1] - offsets[docs[i]]
    out = np.empty(out_off[-1], dtype=np.uint64)
    sizes = np.zeros(docs.shape[0], dtype=np.int64)
    for i in prange(docs.shape[0]):
        vals = np.sort(hashes[offsets[docs[i]]:offsets[docs[i] + 1]])
        n, lo = 0, out_off[i]
        for j in range(vals.shape[0]):
            if j == 0 or vals[j] != vals[j - 1]:
                out[lo + n] = vals[j]
                n += 1
        sizes[i] = n
    return out, out_off, sizes


@KERNELS.kernel(parallel=True)
def _pair_jaccard(values, starts, sizes, left, right):  # pragma: no cover - compiled
    """Jaccard index of each pair of packed sorted sets (a merge walk: no allocation)."""
    out = np.empty(left.shape[0], dtype=np.float64)
    for p in prange(left.shape[0]):
        i, j = starts[left[p]], starts[right[p]]
        ei, ej = i + sizes[left[p]], j + sizes[right[p]]
        inter = 0
        while i < ei and j < ej:
            if values[i] == values[j]:
                inter += 1
                i += 1
                j += 1
            elif values[i] < values[j]:
                i += 1
            else:
                j += 1
        union = sizes[left[p]] + sizes[right[p]] - inter
        out[p] = inter / union if union else 1.0
    return out


def _near_pairs(norm: list[str], exact: np.ndarray, *, threshold, shingle, num_perm, seed) -> list[tuple[int, int, float]]:
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold={threshold}: must be in (0, 1]")
    from datasketch import LeanMinHash, MinHashLSH

    rep = np.unique(exact, return_index=True)[1]  # first text of each exact group, in group-id order
    hashes, offsets = shingle_hashes([norm[i] for i in rep], shingle)
    sig = _signatures(hashes, offsets, num_perm, seed)
    lsh = MinHashLSH(threshold=max(threshold - _LSH_MARGIN, 0.05), num_perm=num_perm)
    nonempty = np.flatnonzero(offsets[1:] > offsets[:-1]).tolist()
    with lsh.insertion_session() as session:
        for k in nonempty:
            session.insert(k, LeanMinHash(seed=seed, hashvalues=sig[k], scheme="affine32"), check_duplication=False)
    # candidate pairs: texts sharing a bucket in any band (what MinHashLSH.query returns, without a query per text)
    candidates = set()
    for table in lsh.hashtables:
        for key in table.keys():
            members = sorted(table.get(key))
            if len(members) > 1:
                candidates.update(itertools.combinations(members, 2))
    if not candidates:
        return []
    cand = np.array(sorted(candidates), dtype=np.int64)
    docs, index = np.unique(cand, return_inverse=True)
    KERNELS.compile()
    values, starts, sizes = _unique_sets(hashes, offsets, docs)
    index = index.reshape(cand.shape)
    jac = _pair_jaccard(values, starts, sizes, index[:, 0], index[:, 1])
    keep = np.flatnonzero(jac >= threshold)
    pairs = [(int(rep[cand[p, 0]]), int(rep[cand[p, 1]]), float(jac[p])) for p in keep]
    return sorted(pairs)


def near_duplicate_pairs(texts, *, threshold: float = 0.8, shingle: int = 5, num_perm: int = 128, seed: int = 0):
    """Return the verified near-duplicate pairs ``[(i, j, jaccard), ...]``, ``i < j``, sorted.

    Only the first text of each set of exact duplicates (after normalization) is compared;
    exact duplicates themselves are what :func:`exact_duplicate_groups` finds. See
    :func:`near_duplicate_groups` for the parameters.
    """
    norm = _normalized(texts)
    return _near_pairs(norm, first_seen_ids(norm), threshold=threshold, shingle=shingle, num_perm=num_perm, seed=seed)


def near_duplicate_groups(texts, *, threshold: float = 0.8, shingle: int = 5, num_perm: int = 128, seed: int = 0) -> np.ndarray:
    """Return a group id per text: texts whose character shingle sets have Jaccard >= ``threshold``.

    Exact duplicates (after normalization) are in one group too; grouping is transitive
    (connected components of the verified pairs).

    Parameters
    ----------
    texts : sequence of str
    threshold : float, default=0.8
        Minimum Jaccard index of two texts' shingle sets, checked on the real sets.
    shingle : int, default=5
        Characters per shingle (of the normalized text).
    num_perm : int, default=128
        MinHash permutations (signature length).
    seed : int, default=0
        Seed of the MinHash permutations. It changes only which candidate pairs LSH
        proposes (recall), never the verification.

    Returns
    -------
    ndarray of shape (n_texts,), dtype int64
        Ids numbered from 0 in order of first occurrence.

    Raises
    ------
    ValueError
        ``threshold`` outside (0, 1] or ``shingle`` < 1.

    Examples
    --------
    >>> a = "the quick brown fox jumps over the lazy dog and runs far away"
    >>> near_duplicate_groups([a, a.replace("far", "very far"), "something else entirely"]).tolist()
    [0, 0, 1]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    norm = _normalized(texts)
    exact = first_seen_ids(norm)
    n = len(norm)
    pairs = _near_pairs(norm, exact, threshold=threshold, shingle=shingle, num_perm=num_perm, seed=seed)
    first = np.unique(exact, return_index=True)[1]
    rows = np.concatenate([np.arange(n, dtype=np.int64), np.array([p[0] for p in pairs], dtype=np.int64)])
    cols = np.concatenate([first[exact], np.array([p[1] for p in pairs], dtype=np.int64)])
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    return first_seen_ids(connected_components(graph, directed=False)[1].tolist())


def duplicate_report(groups, labels=None) -> dict:
    """Summarize duplicate groups.

    Parameters
    ----------
    groups : array-like of int, shape (n_texts,)
        Group id per text (:func:`exact_duplicate_groups` or :func:`near_duplicate_groups`).
    labels : sequence, optional
        A label per text; ``None`` labels are ignored when comparing.

    Returns
    -------
    dict
        ``{"groups": groups with more than one member, "examples": texts in those groups,
        "conflicting_groups": those groups holding two or more different labels}``
        (``conflicting_groups`` is None without labels).

    Examples
    --------
    >>> duplicate_report([0, 1, 0, 2, 2], ["a", "b", "a", "a", "b"])
    {'groups': 2, 'examples': 4, 'conflicting_groups': 1}
    """
    groups = np.asarray(groups)
    ids, counts = np.unique(groups, return_counts=True)
    multi = set(ids[counts > 1].tolist())
    conflicting = None
    if labels is not None:
        seen: dict = {}
        for g, lab in zip(groups.tolist(), labels):
            if g in multi and lab is not None:
                seen.setdefault(g, set()).add(lab)
        conflicting = sum(len(v) > 1 for v in seen.values())
    return {"groups": len(multi), "examples": int(counts[counts > 1].sum()), "conflicting_groups": conflicting}
