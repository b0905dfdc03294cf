"""Exact and near-duplicate groups."""

from __future__ import annotations

import numpy as np
import pytest

from arclf.evaluation.duplicates import (_signatures, duplicate_report, exact_duplicate_groups, near_duplicate_groups,
                         near_duplicate_pairs, shingle_hashes)

ARTICLE = ("\u0623\u0639\u0644\u0646\u062a \u0648\u0632\u0627\u0631\u0629 \u0627\u0644\u0635\u062d\u0629 "  # a Arabic sentence
           "today that the new hospital in the capital will open next month with four hundred beds, "
           "and that the ministry plans two more hospitals in the north and the south before the end of the year.")


def test_exact_groups_small():
    texts = ["a  b", "c", "A b", "", "c\n", ""]
    assert exact_duplicate_groups(texts).tolist() == [0, 1, 0, 2, 1, 2]
    assert exact_duplicate_groups([]).tolist() == []


def test_exact_groups_fold_arabic_variants():
    # tatweel and tashkeel do not make a text different
    plain = "\u0645\u0635\u0631"               # MEEM SAD REH
    marked = "\u0645\u0640\u0635\u0652\u0631"  # with TATWEEL and SUKUN
    assert exact_duplicate_groups([plain, marked, plain + "x"]).tolist() == [0, 0, 1]


def test_near_duplicates_grouped_and_unrelated_not():
    edited = ARTICLE.replace("four hundred", "four hundred and fifty").replace("next month", "in May")
    other = "The football season ends on Sunday with the final between the two clubs from the capital city."
    groups = near_duplicate_groups([ARTICLE, other, edited, ARTICLE, ""])
    assert groups.tolist() == [0, 1, 0, 0, 2]
    pairs = near_duplicate_pairs([ARTICLE, other, edited])
    assert [(i, j) for i, j, _ in pairs] == [(0, 2)] and 0.8 <= pairs[0][2] < 1


def test_threshold_is_checked_on_real_jaccard():
    half = ARTICLE[: len(ARTICLE) // 2]
    assert near_duplicate_groups([ARTICLE, half], threshold=0.9).tolist() == [0, 1]
    assert near_duplicate_groups([ARTICLE, half], threshold=0.4).tolist() == [0, 0]
    with pytest.raises(ValueError, match="threshold=1.5"):
        near_duplicate_groups([ARTICLE], threshold=1.5)


def test_signatures_match_datasketch():
    from datasketch import MinHash

    hashes, offsets = shingle_hashes(["abcdefgh", "xyz"], shingle=5)
    assert offsets.tolist() == [0, 8, 11] and len(hashes) == 11
    sig = _signatures(hashes, offsets, 64, 3)
    for d in range(2):
        ref = MinHash(num_perm=64, seed=3, hashfunc=lambda v: v)
        ref.update_batch([int(h >> np.uint64(32)) for h in hashes[offsets[d]:offsets[d + 1]]])
        assert sig[d].tolist() == ref.hashvalues.tolist()


def test_duplicate_report():
    assert duplicate_report([0, 1, 0, 2, 2, 3], ["a", "b", "a", "a", "b", "c"]) == {
        "groups": 2, "examples": 4, "conflicting_groups": 1}
    assert duplicate_report([0, 0], [None, "a"])["conflicting_groups"] == 0
    assert duplicate_report([0, 1])["conflicting_groups"] is None


def test_real_ant_sample(ant_sample):
    texts = [r["text"] for r in ant_sample]
    sections = [r["section"] for r in ant_sample]
    exact = exact_duplicate_groups(texts)
    near = near_duplicate_groups(texts)
    ex, nr = duplicate_report(exact, sections), duplicate_report(near, sections)
    assert len(texts) == 1040  # 26 outlet/section folders x 40
    # near groups are unions of exact groups
    for g in np.unique(exact):
        assert len(set(near[exact == g])) == 1
    assert nr["examples"] >= ex["examples"]
    assert (ex, nr) == ({"groups": 6, "examples": 12, "conflicting_groups": 2},
                        {"groups": 7, "examples": 14, "conflicting_groups": 2})
