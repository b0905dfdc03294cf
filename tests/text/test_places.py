"""arclf.text.places: country mentions with clitics and demonyms, ambiguity rules, the coverage rule."""

from __future__ import annotations

import pytest

from arclf.text.places import MIN_SCORE, place_tagger


@pytest.fixture(scope="module")
def tagger():
    return place_tagger()


def _codes(tagger, text):
    return [v for _, _, v in tagger.mentions(text)]


@pytest.mark.parametrize("text, expect", [
    ("وصل الوفد إلى ليبيا", ["LY"]),
    ("قال مسؤول في بليبيا ولليبيا وفي ليبيا", ["LY", "LY", "LY"]),          # clitics ب، ول
    ("أكد الجيش الليبي والليبيون والليبيات", ["LY", "LY", "LY"]),           # demonym forms with the article
    ("وزير الخارجية الأمريكي في واشنطن", ["US", "US"]),                     # demonym and capital
    ("عاد إلى الجزائر وبالجزائر وللجزائر", ["DZ", "DZ", "DZ"]),             # a name with the article, and لل
    ("المملكة العربية السعودية", ["SA"]),                                   # a phrase counts once
    ("أَلْمَانْيَا وإِيطاليا", ["DE", "IT"]),                                  # diacritics and hamza folded
    ("جمهورية كازاخستان", ["KZ"]),                                          # from CLDR, not the data file
])
def test_mentions(tagger, text, expect):
    assert _codes(tagger, text) == expect


def test_outlets_and_organizations_are_not_places(tagger):
    assert _codes(tagger, "نشرت صحيفة واشنطن بوست تقريرا عن الأمم المتحدة") == []


def test_a_bare_demonym_that_is_also_a_first_name_does_not_count(tagger):
    assert _codes(tagger, "قال تركي الفيصل") == []
    assert _codes(tagger, "قال المسؤول التركي") == ["TR"]


def test_ambiguous_names_follow_the_article(tagger):
    lebanon = tagger.tag("اشتباكات في طرابلس شمال لبنان وقتلى في طرابلس")
    assert lebanon.country == "LB" and lebanon.mentions["LB"]["body"] + lebanon.mentions["LB"]["lead"] == 3
    libya = tagger.tag("اشتباكات في طرابلس وقتلى في طرابلس وجرحى في طرابلس")  # default: Libya
    assert libya.country == "LY"
    assert "OM" not in tagger.tag("وصل إلى عمان أمس").mentions  # Oman or Amman: counts only with context
    assert tagger.tag("زار الملك عمان ثم الأردن").mentions["JO"]["lead"] == 2


def test_coverage_rule_weights_title_lead_body(tagger):
    lead = "خبر قصير. " * 40  # pushes later mentions out of the lead (300 characters)
    res = tagger.tag(f"{lead} مصر ثم فرنسا ثم فرنسا", title="زيارة إلى مصر")
    assert res.mentions["EG"] == {"title": 1, "lead": 0, "body": 1, "score": 4, "forms": ["مصر"]}
    assert res.mentions["FR"]["score"] == 2 and res.country == "EG"
    one_body_mention = tagger.tag(f"{lead} زار فرنسا")
    assert one_body_mention.country is None and one_body_mention.mentions["FR"]["score"] < MIN_SCORE


def test_the_seed_page_covers_libya(tagger, seed_page):
    from arclf.prediction.inputs import iter_inputs

    rec = next(iter_inputs([seed_page]))
    res = tagger.tag(rec["text"], rec["title"], rec["sections"])
    assert res.country == "LY"
    assert list(res.mentions)[:2] == ["LY", "US"] and res.mentions["LY"]["score"] > res.mentions["US"]["score"]
    assert "طرابلس" in res.mentions["LY"]["forms"]


def test_every_country_the_tagger_can_answer_has_a_region(tagger):
    from arclf.corpus.labels import region_levels

    codes = {v for value in tagger._lexicon.values() if value[0] == "country" for v in [value[1]]}
    codes |= {c for value in tagger._lexicon.values() if value[0] == "ambiguous" for c in value[1][0]}
    assert len(codes) > 240
    unplaced = [c for c in sorted(codes) if region_levels(c)["scope"] is None]
    assert unplaced == []
    assert region_levels("LY") == {"country": "LY", "subregion": "maghreb", "scope": "arab_world"}
    assert region_levels("BR")["subregion"] == "latin_america" and region_levels("XK")["subregion"] == "europe"
