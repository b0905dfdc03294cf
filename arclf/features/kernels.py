"""Compiled kernels behind :mod:`arclf.features.hashing`: hashed n-gram counting and TF-IDF remapping.

Documents arrive as one concatenated array of Unicode code points plus offsets (see
:func:`pack_documents`). The n-gram kernels reproduce scikit-learn's ``char_wb``, ``char``
and ``word`` analyzers exactly (up to hashing) and write a CSR matrix directly, without
scipy's COO path.

The hash
--------
An n-gram is the sequence of its code points ``c_1 .. c_k`` (for word n-grams: the tokens
joined by one space, U+0020). Its column is::

    h = 0xCBF29CE484222325                    # FNV-1a 64-bit offset basis
    for c in code points: h = ((h ^ c) * 0x100000001B3) mod 2**64
    h = fmix64(h)                             # MurmurHash3 finalizer
    column = h mod n_features

FNV-1a works per code point (not per UTF-8 byte), which lets the char kernels extend the
hash of ``s[i:i+k]`` to ``s[i:i+k+1]`` with one step, so every n-gram costs one
multiply. :func:`hash_ngram` is the pure-Python reference, used for explanations and tests.

Importing this module does not import numba: the kernels (functions marked with
``@KERNELS.kernel``, see :mod:`arclf.util.jit`) are compiled with ``numba.njit(cache=True, nogil=True)`` on first use, so a
fresh process loads machine code from numba's cache instead of compiling, and a caller
that only needs :func:`hash_ngram` pays nothing. Per-document results do not depend on
the number of threads.
"""

from __future__ import annotations

import time

import numpy as np

from arclf.util.jit import KernelSet

__all__ = ["FMIX64", "hash_ngram", "pack_documents", "word_char_table", "ngram_counts", "column_bitmap", "tfidf_remap",
           "compiled", "WHITESPACE"]

_MASK64 = 0xFFFFFFFFFFFFFFFF
_FNV_OFFSET_INT = 0xCBF29CE484222325
_FNV_PRIME_INT = 0x100000001B3
_FMIX_1_INT = 0xFF51AFD7ED558CCD
_FMIX_2_INT = 0xC4CEB9FE1A85EC53

_FNV_OFFSET = np.uint64(_FNV_OFFSET_INT)
_FNV_PRIME = np.uint64(_FNV_PRIME_INT)
_FMIX_1 = np.uint64(_FMIX_1_INT)
_FMIX_2 = np.uint64(_FMIX_2_INT)
_S33 = np.uint64(33)
#: MurmurHash3 fmix64 (multipliers, shift), as uint64: shared with near-duplicate detection.
FMIX64 = (_FMIX_1, _FMIX_2, _S33)
_POP_1 = np.uint64(0x5555555555555555)
_POP_2 = np.uint64(0x3333333333333333)
_POP_4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_POP_H = np.uint64(0x0101010101010101)
_SPACE = np.uint32(32)

# Code points for which str.isspace() (and so str.split() and re's \s) is true on
# CPython 3.10-3.13; tests check this against str.isspace over all code points.
WHITESPACE = (
    tuple(range(0x09, 0x0E)) + tuple(range(0x1C, 0x21)) + (0x85, 0xA0, 0x1680)
    + tuple(range(0x2000, 0x200B)) + (0x2028, 0x2029, 0x202F, 0x205F, 0x3000)
)

ANALYZERS = {"char_wb": 0, "char": 1, "word": 2}

#: This module's kernels (functions marked ``@KERNELS.kernel``), compiled on first use.
KERNELS = KernelSet(globals())
prange = range  # numba.prange once compiled


def compiled() -> bool:
    """Whether numba and the kernels are already loaded in this process."""
    return KERNELS.compiled


def hash_ngram(ngram: str, n_features: int) -> int:
    """Column of one n-gram, exactly as the compiled kernels compute it.

    Parameters
    ----------
    ngram : str
        The n-gram as text (word n-grams: tokens joined by one space).
    n_features : int
        Number of hash columns.

    Returns
    -------
    int
        The column, in ``[0, n_features)``.

    Examples
    --------
    >>> hash_ngram(" ab", 2**20) == hash_ngram(" ab", 2**20)
    True
    """
    h = _FNV_OFFSET_INT
    for ch in ngram:
        h = ((h ^ ord(ch)) * _FNV_PRIME_INT) & _MASK64
    h ^= h >> 33
    h = (h * _FMIX_1_INT) & _MASK64
    h ^= h >> 33
    h = (h * _FMIX_2_INT) & _MASK64
    h ^= h >> 33
    return h % n_features


def pack_documents(docs) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate documents into one code-point array.

    Parameters
    ----------
    docs : list of str
        The documents (lone surrogates are kept as their code points).

    Returns
    -------
    codes : ndarray of shape (total_chars,), dtype uint32
        All code points, document after document.
    offsets : ndarray of shape (n_docs + 1,), dtype int64
        Document ``i`` is ``codes[offsets[i]:offsets[i + 1]]``.
    """
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)), out=offsets[1:])
    codes = np.frombuffer("".join(docs).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return codes, offsets


_WORD_TABLE = None


def word_char_table() -> np.ndarray:
    """Which code points match ``re``'s ``\\w`` (alphanumerics and ``_``), as a uint8 table.

    Returns
    -------
    ndarray of shape (0x110000,), dtype uint8
        Built once per process (about 60 ms) from this Python's ``re`` module, so word
        tokens match scikit-learn's ``token_pattern`` on the same Python.
    """
    global _WORD_TABLE
    if _WORD_TABLE is None:
        import re

        every = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
        spans = np.array([m.span() for m in re.finditer(r"\w+", every)], dtype=np.int64)
        edges = np.zeros(0x110001, dtype=np.int8)
        edges[spans[:, 0]] += 1
        edges[spans[:, 1]] -= 1
        _WORD_TABLE = np.cumsum(edges[:-1], dtype=np.int8).astype(np.uint8)
    return _WORD_TABLE


# --------------------------------------------------------------------------- hashing


@KERNELS.kernel()
def _step(h, c):
    return (h ^ np.uint64(c)) * _FNV_PRIME


@KERNELS.kernel()
def _column(h, n_features, mask):
    h ^= h >> _S33
    h *= _FMIX_1
    h ^= h >> _S33
    h *= _FMIX_2
    h ^= h >> _S33
    if mask != 0:
        return np.uint32(h & mask)
    return np.uint32(h % n_features)


@KERNELS.kernel()
def _is_space(c):
    if c <= 0x20:
        return c == 0x20 or (0x09 <= c <= 0x0D) or (0x1C <= c <= 0x1F)
    if c < 0x1680:
        return c == 0x85 or c == 0xA0
    return (c == 0x1680 or (0x2000 <= c <= 0x200A) or c == 0x2028 or c == 0x2029
            or c == 0x202F or c == 0x205F or c == 0x3000)


# --------------------------------------------------------------------------- analyzers
# Each writes the columns of one document's n-grams to buf[m:end] and returns where it
# stopped (past ``end`` only if _ngram_totals was wrong, which _count_doc reports).


@KERNELS.kernel()
def _emit_substrings(text, length, min_n, max_n, n_features, mask, buf, m, end):
    # every substring of text[:length] whose length is in [min_n, max_n]
    for a in range(length - min_n + 1):
        h = _FNV_OFFSET
        top = min(max_n, length - a)
        for k in range(top):
            h = _step(h, text[a + k])
            if k + 1 >= min_n:
                if m < end:  # never past the space reserved (a mismatch is reported)
                    buf[m] = _column(h, n_features, mask)
                m += 1
    return m


@KERNELS.kernel()
def _gen_char_wb(codes, s, e, min_n, max_n, n_features, mask, buf, m, end):
    # sklearn _char_wb_ngrams: each str.split() word padded with one space each side;
    # a padded word shorter than min_n is counted once as a whole
    word = np.empty(e - s + 2, dtype=np.uint32)
    i = s
    while i < e:
        while i < e and _is_space(codes[i]):
            i += 1
        if i >= e:
            break
        j = i
        while j < e and not _is_space(codes[j]):
            j += 1
        wl = j - i + 2
        word[0] = _SPACE
        for k in range(j - i):
            word[k + 1] = codes[i + k]
        word[wl - 1] = _SPACE
        if min_n > wl:
            m = _emit_substrings(word, wl, wl, wl, n_features, mask, buf, m, end)
        else:
            m = _emit_substrings(word, wl, min_n, max_n, n_features, mask, buf, m, end)
        i = j
    return m


@KERNELS.kernel()
def _gen_char(codes, s, e, min_n, max_n, n_features, mask, buf, m, end):
    # sklearn _char_ngrams after re.sub(r"\s\s+", " "): a run of two or more whitespace
    # characters becomes one space, a single whitespace character is kept as it is
    text = np.empty(e - s, dtype=np.uint32)
    length = 0
    i = s
    while i < e:
        c = codes[i]
        if _is_space(c):
            j = i + 1
            while j < e and _is_space(codes[j]):
                j += 1
            text[length] = _SPACE if j - i >= 2 else c
            i = j
        else:
            text[length] = c
            i += 1
        length += 1
    return _emit_substrings(text, length, min_n, max_n, n_features, mask, buf, m, end)


@KERNELS.kernel()
def _gen_word(codes, s, e, min_n, max_n, n_features, mask, word_table, buf, m, end):
    # sklearn token_pattern (?u)\b\w\w+\b: maximal runs of \w of length >= 2;
    # n-grams of consecutive tokens joined by one space
    starts = np.empty((e - s) // 2 + 1, dtype=np.int64)
    ends = np.empty((e - s) // 2 + 1, dtype=np.int64)
    n_tok = 0
    i = s
    while i < e:
        if word_table[codes[i]] == 0:
            i += 1
            continue
        j = i + 1
        while j < e and word_table[codes[j]] != 0:
            j += 1
        if j - i >= 2:
            starts[n_tok] = i
            ends[n_tok] = j
            n_tok += 1
        i = j
    for a in range(n_tok - min_n + 1):
        h = _FNV_OFFSET
        top = min(max_n, n_tok - a)
        for k in range(top):
            if k > 0:
                h = _step(h, _SPACE)
            for p in range(starts[a + k], ends[a + k]):
                h = _step(h, codes[p])
            if k + 1 >= min_n:
                if m < end:  # never past the space reserved (a mismatch is reported)
                    buf[m] = _column(h, n_features, mask)
                m += 1
    return m


@KERNELS.kernel()
def _radix_sort(a, digit_bits, passes):
    # LSD radix sort of a uint32 array in place, ``passes`` digits of ``digit_bits`` bits
    # (together covering every bit of the largest column)
    m = a.shape[0]
    if m < 64:
        a.sort()
        return
    n_buckets = 1 << digit_bits
    digit_mask = n_buckets - 1
    hist = np.zeros(passes * n_buckets, dtype=np.int64)
    for k in range(m):
        v = np.int64(a[k])
        for p in range(passes):
            hist[p * n_buckets + ((v >> (p * digit_bits)) & digit_mask)] += 1
    for p in range(passes):
        total = 0
        for b in range(p * n_buckets, (p + 1) * n_buckets):
            c = hist[b]
            hist[b] = total
            total += c
    tmp = np.empty(m, dtype=a.dtype)
    src = a
    dst = tmp
    for p in range(passes):
        shift = p * digit_bits
        base = p * n_buckets
        for k in range(m):
            v = src[k]
            b = base + ((np.int64(v) >> shift) & digit_mask)
            dst[hist[b]] = v
            hist[b] += 1
        src, dst = dst, src
    if passes % 2 == 1:
        a[:] = tmp


@KERNELS.kernel()
def _count_unique(buf, counts, start, stop, digit_bits, passes):
    # sort buf[start:stop] and run-length encode it in place; returns the number of
    # distinct columns, written to buf[start:] with their counts in counts[start:]
    if stop == start:
        return 0
    _radix_sort(buf[start:stop], digit_bits, passes)
    w = start
    prev = buf[start]
    run = 1
    for k in range(start + 1, stop):
        c = buf[k]
        if c == prev:
            run += 1
        else:
            buf[w] = prev
            counts[w] = run
            w += 1
            prev = c
            run = 1
    buf[w] = prev
    counts[w] = run
    return w + 1 - start


@KERNELS.kernel()
def _count_doc(codes, offsets, d, start, end, analyzer, min_n, max_n, n_features, mask, word_table,
               digit_bits, passes, buf, counts):
    # document d's distinct columns and counts, written to buf[start:] and counts[start:];
    # its n-grams fill buf[start:end] before sorting
    s = offsets[d]
    e = offsets[d + 1]
    if analyzer == 0:
        stop = _gen_char_wb(codes, s, e, min_n, max_n, n_features, mask, buf, start, end)
    elif analyzer == 1:
        stop = _gen_char(codes, s, e, min_n, max_n, n_features, mask, buf, start, end)
    else:
        stop = _gen_word(codes, s, e, min_n, max_n, n_features, mask, word_table, buf, start, end)
    if stop != end:  # the space reserved by _ngram_totals must be exactly right
        return -1
    return _count_unique(buf, counts, start, stop, digit_bits, passes)


# Each loop over documents or rows comes twice: serial, and parallel over documents for
# large inputs (waking a second thread costs more than one article takes).


@KERNELS.kernel()
def _count_block(codes, offsets, d0, d1, stage, analyzer, min_n, max_n, n_features, mask,
                 word_table, digit_bits, passes, buf, counts, row_nnz):
    # documents d0..d1-1; document d uses buf[stage[d - d0]:stage[d - d0 + 1]]
    for r in range(d1 - d0):
        row_nnz[r] = _count_doc(codes, offsets, d0 + r, stage[r], stage[r + 1], analyzer, min_n, max_n,
                                n_features, mask, word_table, digit_bits, passes, buf, counts)


@KERNELS.kernel(parallel=True)
def _count_block_parallel(codes, offsets, d0, d1, stage, analyzer, min_n, max_n, n_features, mask,
                          word_table, digit_bits, passes, buf, counts, row_nnz):
    for r in prange(d1 - d0):
        row_nnz[r] = _count_doc(codes, offsets, d0 + r, stage[r], stage[r + 1], analyzer, min_n, max_n,
                                n_features, mask, word_table, digit_bits, passes, buf, counts)


@KERNELS.kernel()
def _compact_row(r, stage, row_nnz, buf, counts, indptr, indices, data):
    src = stage[r]
    dst = indptr[r]
    for k in range(row_nnz[r]):
        indices[dst + k] = buf[src + k]
        data[dst + k] = counts[src + k]


@KERNELS.kernel()
def _compact_block(stage, row_nnz, buf, counts, indptr, indices, data):
    for r in range(row_nnz.shape[0]):
        _compact_row(r, stage, row_nnz, buf, counts, indptr, indices, data)


@KERNELS.kernel(parallel=True)
def _compact_block_parallel(stage, row_nnz, buf, counts, indptr, indices, data):
    for r in prange(row_nnz.shape[0]):
        _compact_row(r, stage, row_nnz, buf, counts, indptr, indices, data)


def _parallel(work: int) -> bool:
    # worth waking more threads: about a million n-grams or non-zeros
    if work < _PARALLEL_WORK:
        return False
    import numba

    return numba.get_num_threads() > 1


_PARALLEL_WORK = 1 << 20


@KERNELS.kernel()
def _n_substrings(length, min_n, max_n):
    # how many substrings of a text of this length have a length in [min_n, max_n]
    total = 0
    for n in range(min_n, min(max_n, length) + 1):
        total += length - n + 1
    return total


@KERNELS.kernel()
def _ngram_totals(codes, offsets, analyzer, min_n, max_n, word_table, out):
    # the number of n-grams (with repeats) of each document, as the generators emit them
    for d in range(offsets.shape[0] - 1):
        s = offsets[d]
        e = offsets[d + 1]
        total = 0
        if analyzer == 1:  # char: the length after collapsing whitespace runs
            length = 0
            i = s
            while i < e:
                if _is_space(codes[i]):
                    while i < e and _is_space(codes[i]):
                        i += 1
                else:
                    i += 1
                length += 1
            total = _n_substrings(length, min_n, max_n)
        else:
            i = s
            n_tok = 0
            while i < e:
                if (analyzer == 0 and _is_space(codes[i])) or (analyzer == 2 and word_table[codes[i]] == 0):
                    i += 1
                    continue
                j = i + 1
                while j < e and not ((analyzer == 0 and _is_space(codes[j])) or
                                     (analyzer == 2 and word_table[codes[j]] == 0)):
                    j += 1
                if analyzer == 0:  # char_wb: each padded word on its own
                    wl = j - i + 2
                    total += 1 if min_n > wl else _n_substrings(wl, min_n, max_n)
                elif j - i >= 2:
                    n_tok += 1
                i = j
            if analyzer == 2:
                total = _n_substrings(n_tok, min_n, max_n)
        out[d] = total


def ngram_counts(codes, offsets, *, analyzer, ngram_range, n_features, dtype=np.float32,
                 block_size=1 << 23, timings=None):
    """Hashed n-gram counts of packed documents, as CSR arrays.

    Parameters
    ----------
    codes, offsets : ndarray
        Packed documents, from :func:`pack_documents`.
    analyzer : {"char_wb", "char", "word"}
        Which n-grams, exactly as scikit-learn's ``CountVectorizer(analyzer=...)``.
    ngram_range : tuple of int
        ``(min_n, max_n)``, with ``1 <= min_n <= max_n``.
    n_features : int
        Number of hash columns, at most ``2**31 - 1``.
    dtype : numpy dtype, default=np.float32
        Dtype of the counts.
    block_size : int, default=2**23
        Documents are processed in blocks of about this many n-grams (bounds the
        scratch memory to about ``8 * block_size`` bytes).
    timings : dict, optional
        If given, seconds spent are added under ``"kernel"`` (hashing, sorting, counting)
        and ``"csr"`` (writing the CSR arrays).

    Returns
    -------
    indptr : ndarray of shape (n_docs + 1,), dtype int32 or int64
    indices : ndarray of shape (nnz,), dtype int32 or int64
        Sorted within each row, no duplicates.
    data : ndarray of shape (nnz,), dtype ``dtype``
        Counts (never zero).
    """
    KERNELS.compile()
    min_n, max_n = (int(v) for v in ngram_range)
    n_docs = len(offsets) - 1
    mask = n_features - 1 if n_features & (n_features - 1) == 0 else 0
    bits = max(1, (n_features - 1).bit_length())
    passes = -(-bits // 12)
    digit_bits = -(-bits // passes)
    table = word_char_table() if analyzer == "word" else np.zeros(1, dtype=np.uint8)
    kind = ANALYZERS[analyzer]
    t0 = time.perf_counter()
    n_grams = np.empty(n_docs, dtype=np.int64)
    _ngram_totals(codes, offsets, kind, min_n, max_n, table, n_grams)
    cum = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(n_grams, out=cum[1:])
    # The output is allocated for every n-gram (an upper bound of the distinct ones) but
    # only the pages written count in memory; it is shrunk in place at the end (realloc
    # of an mmap'ed block: no copy), so there is no second copy of the matrix.
    index_dtype = np.int32 if cum[-1] < 2**31 else np.int64
    indices = np.empty(int(cum[-1]), dtype=index_dtype)
    data = np.empty(int(cum[-1]), dtype=np.float32)  # counts are exact in float32 up to 2**24
    row_nnz = np.zeros(n_docs, dtype=np.int64)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    buf = counts = np.empty(0, dtype=np.uint32)
    clock = {"kernel": time.perf_counter() - t0, "csr": 0.0}
    d0 = 0
    while d0 < n_docs:
        t0 = time.perf_counter()
        d1 = int(np.searchsorted(cum, cum[d0] + block_size, side="right")) - 1
        d1 = min(max(d1, d0 + 1), n_docs)
        stage = cum[d0:d1 + 1] - cum[d0]
        if len(buf) < stage[-1]:  # scratch reused across blocks: its pages are touched once
            buf = np.empty(int(stage[-1]), dtype=np.uint32)
            counts = np.empty(int(stage[-1]), dtype=np.int32)
        nnz_block = row_nnz[d0:d1]
        parallel = _parallel(int(stage[-1]))
        (_count_block_parallel if parallel else _count_block)(
            codes, offsets, d0, d1, stage, kind, min_n, max_n, np.uint64(n_features), np.uint64(mask),
            table, digit_bits, passes, buf, counts, nnz_block)
        t1 = time.perf_counter()
        if (nnz_block < 0).any():
            raise RuntimeError("arclf.features.kernels: n-gram totals disagree with the generators (a bug)")
        np.cumsum(nnz_block, out=indptr[d0 + 1:d1 + 1])
        indptr[d0 + 1:d1 + 1] += indptr[d0]
        (_compact_block_parallel if parallel else _compact_block)(
            stage, nnz_block, buf, counts, indptr[d0:d1 + 1], indices, data)
        clock["kernel"] += t1 - t0
        clock["csr"] += time.perf_counter() - t1
        d0 = d1
    del buf, counts
    t0 = time.perf_counter()
    nnz = int(indptr[-1])
    indices.resize(nnz, refcheck=False)
    data.resize(nnz, refcheck=False)
    if nnz < 2**31:
        indptr = indptr.astype(np.int32)
        indices = indices.astype(np.int32, copy=False)
    else:
        indices = indices.astype(np.int64, copy=False)
    data = data.astype(dtype, copy=False)
    clock["csr"] += time.perf_counter() - t0
    if timings is not None:
        for key, seconds in clock.items():
            timings[key] = timings.get(key, 0.0) + seconds
    return indptr, indices, data


# --------------------------------------------------------------------------- tf-idf


@KERNELS.kernel()
def _popcount(x):
    # compiled to one popcnt instruction where the CPU has it
    x = x - ((x >> np.uint64(1)) & _POP_1)
    x = (x & _POP_2) + ((x >> np.uint64(2)) & _POP_2)
    x = (x + (x >> np.uint64(4))) & _POP_4
    return np.int64((x * _POP_H) >> np.uint64(56))


@KERNELS.kernel()
def _kept(c, bits, rank):
    # output column of input column c, or -1: a bitmap of kept columns with the number
    # of kept columns before each 64-bit word (about 0.2 bytes per input column, so
    # it stays in cache where a full lookup table would not)
    word = bits[c >> 6]
    bit = np.uint64(c & 63)
    if (word >> bit) & np.uint64(1) == 0:
        return -1
    return rank[c >> 6] + _popcount(word & ((np.uint64(1) << bit) - np.uint64(1)))


@KERNELS.kernel()
def _remap_row_count(r, indptr, indices, bits, rank, row_nnz):
    n = 0
    for k in range(indptr[r], indptr[r + 1]):
        if _kept(indices[k], bits, rank) >= 0:
            n += 1
    row_nnz[r] = n


@KERNELS.kernel()
def _weight(count, idf_j, sublinear, log_table):
    # log_table[c] = 1 + log(c), from Python's math.log, for small whole counts
    v = np.float64(count)
    if sublinear:
        if v <= 0:
            v = 0.0
        elif v < log_table.shape[0] and v == np.floor(v):
            v = log_table[np.int64(v)]
        else:
            v = 1.0 + np.log(v)
    return v * np.float64(idf_j)


@KERNELS.kernel()
def _remap_row_fill(r, indptr, indices, data, bits, rank, idf, sublinear, log_table, norm, out_indptr, out_indices,
                    out_data, weights):
    # norm: 0 none, 1 l1, 2 l2; weights and the norm in float64, summed in order; the
    # row's weights wait in ``weights`` (scratch) until the norm is known
    w0 = out_indptr[r]
    n = 0
    total = 0.0
    for k in range(indptr[r], indptr[r + 1]):
        j = _kept(indices[k], bits, rank)
        if j >= 0:
            v = _weight(data[k], idf[j], sublinear, log_table)
            out_indices[w0 + n] = j
            weights[n] = v
            if norm == 2:
                total += v * v
            elif norm == 1:
                total += abs(v)
            n += 1
    scale = 1.0
    if norm != 0 and total > 0.0:
        scale = 1.0 / (np.sqrt(total) if norm == 2 else total)
    for t in range(n):
        out_data[w0 + t] = weights[t] * scale


@KERNELS.kernel()
def _remap_count(indptr, indices, bits, rank, row_nnz):
    for r in range(indptr.shape[0] - 1):
        _remap_row_count(r, indptr, indices, bits, rank, row_nnz)


@KERNELS.kernel(parallel=True)
def _remap_count_parallel(indptr, indices, bits, rank, row_nnz):
    for r in prange(indptr.shape[0] - 1):
        _remap_row_count(r, indptr, indices, bits, rank, row_nnz)


@KERNELS.kernel()
def _remap_fill(indptr, indices, data, bits, rank, idf, sublinear, log_table, norm, out_indptr, out_indices, out_data):
    longest = 0
    for r in range(out_indptr.shape[0] - 1):
        longest = max(longest, out_indptr[r + 1] - out_indptr[r])
    weights = np.empty(longest, dtype=np.float64)
    for r in range(indptr.shape[0] - 1):
        _remap_row_fill(r, indptr, indices, data, bits, rank, idf, sublinear, log_table, norm, out_indptr, out_indices,
                        out_data, weights)


@KERNELS.kernel(parallel=True)
def _remap_fill_parallel(indptr, indices, data, bits, rank, idf, sublinear, log_table, norm, out_indptr, out_indices,
                         out_data):
    for r in prange(indptr.shape[0] - 1):
        weights = np.empty(out_indptr[r + 1] - out_indptr[r], dtype=np.float64)
        _remap_row_fill(r, indptr, indices, data, bits, rank, idf, sublinear, log_table, norm, out_indptr, out_indices,
                        out_data, weights)


def column_bitmap(columns, n_features_in):
    """The index that the TF-IDF kernels use to renumber kept columns.

    Parameters
    ----------
    columns : ndarray of shape (n_kept,)
        Kept input columns, increasing.
    n_features_in : int

    Returns
    -------
    bits : ndarray of shape (ceil(n_features_in / 64),), dtype uint64
        Bit ``c % 64`` of word ``c // 64`` is set if column ``c`` is kept.
    rank : ndarray of the same shape, dtype int64
        Number of kept columns before each word.
    """
    n_words = -(-n_features_in // 64)
    mask = np.zeros(n_words * 64, dtype=bool)
    mask[columns] = True
    bits = np.packbits(mask, bitorder="little").view(np.uint64)
    rank = np.zeros(n_words, dtype=np.int64)
    np.cumsum(np.bitwise_count(bits)[:-1], out=rank[1:])
    return bits, rank


_LOG_TABLE = None


def _log_table() -> np.ndarray:
    global _LOG_TABLE
    if _LOG_TABLE is None:
        import math

        _LOG_TABLE = np.array([0.0] + [1.0 + math.log(c) for c in range(1, 1024)], dtype=np.float64)
    return _LOG_TABLE


def tfidf_remap(indptr, indices, data, columns, n_features_in, idf, *, sublinear, norm, dtype=np.float32,
                index=None, inplace=False):
    """Select, reweight and normalize the columns of a CSR count matrix.

    Parameters
    ----------
    indptr, indices, data : ndarray
        CSR arrays of counts of shape (n_samples, n_features_in).
    columns : ndarray of shape (n_kept,)
        The input columns to keep, increasing (so sorted rows stay sorted); output
        column ``j`` is input column ``columns[j]``.
    n_features_in : int
        Number of input columns.
    idf : ndarray of shape (n_kept,), dtype float32
    sublinear : bool
        Use ``1 + log(tf)`` instead of ``tf``.
    norm : {0, 1, 2}
        No normalization, l1 or l2 (per row).
    dtype : numpy dtype, default=np.float32
    index : tuple, optional
        ``column_bitmap(columns, n_features_in)``, if the caller keeps it between calls.
    inplace : bool, default=False
        Write the result into ``indices`` and ``data`` when their dtypes are the output's
        (else copy). Safe because a row's output never starts after its input and a value is
        read before its slot is written; the rows are then done in order, on one thread.

    Returns
    -------
    out_indptr, out_indices, out_data : ndarray
        CSR arrays of shape (n_samples, n_kept); with ``inplace``, views of ``indices`` and ``data``.
    """
    KERNELS.compile()
    bits, rank = index if index is not None else column_bitmap(columns, n_features_in)
    parallel = _parallel(len(indices))
    row_nnz = np.empty(len(indptr) - 1, dtype=np.int64)
    (_remap_count_parallel if parallel else _remap_count)(indptr, indices, bits, rank, row_nnz)
    nnz = int(row_nnz.sum())
    index_dtype = np.int32 if nnz < 2**31 else np.int64
    out_indptr = np.zeros(len(indptr), dtype=index_dtype)
    np.cumsum(row_nnz, out=out_indptr[1:])
    inplace = inplace and indices.dtype == index_dtype and data.dtype == np.dtype(dtype)
    out_indices = indices if inplace else np.empty(nnz, dtype=index_dtype)
    out_data = data if inplace else np.empty(nnz, dtype=dtype)
    (_remap_fill_parallel if parallel and not inplace else _remap_fill)(
        indptr, indices, data, bits, rank, idf, bool(sublinear), _log_table(), int(norm), out_indptr, out_indices,
        out_data)
    return out_indptr, out_indices[:nnz], out_data[:nnz]
