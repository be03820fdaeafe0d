"""Tests for civictext.themes.lexicon: the bundled lexicons, the three file formats, errors."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from civictext.errors import CivictextError, LexiconError
from civictext.text.normalize import normalize_text
from civictext.themes.lexicon import DEFAULT_LEXICON_DIR, TERM_COLUMNS, Lexicon, load_lexicons


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def test_bundled_lexicons_have_three_documented_themes():
    lex = load_lexicons()
    assert isinstance(lex, Lexicon)
    assert sorted(lex.themes) == ["conduct", "reform", "satisfaction"]
    assert list(lex.terms.columns) == TERM_COLUMNS
    t = lex.terms
    assert (t["note"].str.len() > 10).all(), "every bundled term is documented"
    assert t.groupby("theme").size().min() >= 15
    assert set(Path(p).name for p in t["source_file"]) == {
        "reform.yaml", "conduct.yaml", "satisfaction.yaml"}
    # terms are stored normalised (one tone-mark convention)
    assert (t["term"] == t["term"].map(normalize_text)).all()


def test_bundled_terms_from_the_brief_are_there_with_their_theme():
    t = load_lexicons().terms.set_index("term")
    expected = {
        "cải cách hành chính": "reform", "thủ tục hành chính": "reform",
        "một cửa liên thông": "reform", "dịch vụ công trực tuyến": "reform",
        "chính quyền điện tử": "reform", "PAR INDEX": "reform",
        "quy tắc ứng xử": "conduct", "văn hóa công sở": "conduct",
        "nhũng nhiễu": "conduct", "đạo đức công vụ": "conduct",
        "hài lòng": "satisfaction", "SIPAS": "satisfaction", "PAPI": "satisfaction",
        "PCI": "satisfaction", "phản ánh, kiến nghị": "satisfaction",
    }
    for term, theme in expected.items():
        assert t.loc[term, "theme"] == theme, term
    assert bool(t.loc["SIPAS", "case_sensitive"]) and not bool(t.loc["hài lòng", "case_sensitive"])
    assert bool(t.loc["hài lòng", "weak"]) and bool(t.loc["nơi công cộng", "weak"])
    assert t.loc["hài lòng", "weight"] == 0.5 and t.loc["SIPAS", "weight"] == 1.0
    assert "nghệ" in t.loc["dịch vụ công", "not_followed_by"]


def test_multiword_terms_longest_first():
    mw = load_lexicons().multiword_terms()
    assert "dịch vụ công trực tuyến" in mw and "SIPAS" not in mw
    assert mw.index("dịch vụ công trực tuyến") < mw.index("dịch vụ công")


def test_researcher_adds_a_theme_by_adding_a_file(tmp_path):
    extra = _write(tmp_path, "environment.yaml", """
        theme: environment
        label: Environment
        terms:
          - term: rác thải nhựa
            note: Plastic waste.
          - term: ô nhiễm không khí
            note: Air pollution.
            weak: true
    """)
    lex = load_lexicons([DEFAULT_LEXICON_DIR, extra])
    assert lex.themes[-1] == "environment" and len(lex.themes) == 4
    row = lex.terms.set_index("term").loc["ô nhiễm không khí"]
    assert row["line"] == 6 and bool(row["weak"]) and row["source_file"] == str(extra)


def test_several_themes_in_one_file(tmp_path):
    p = _write(tmp_path, "set.yaml", """
        themes:
          - theme: a
            terms:
              - {term: từ một, note: first}
          - theme: b
            terms:
              - {term: từ hai, note: second}
    """)
    lex = load_lexicons(p)
    assert lex.themes == ["a", "b"]
    assert lex.terms["line"].tolist() == [4, 7]


def test_quanteda_yaml_dictionary_loads_with_wildcards_and_nesting(tmp_path):
    p = _write(tmp_path, "dict.yml", """
        governance:
          reform:
            - cải cách*
            - một cửa
          trust: [niềm tin, tin tưởng]
        sport:
          - bóng đá
    """)
    lex = load_lexicons(p)
    assert lex.themes == ["governance.reform", "governance.trust", "sport"]
    row = lex.terms.set_index("term").loc["cải cách*"]
    assert bool(row["wildcard"]) and row["theme"] == "governance.reform" and row["line"] == 3


def test_liwc_dictionary_loads(tmp_path):
    p = _write(tmp_path, "civic.dic", """
        %
        1\treform
        2\tsatisfaction
        %
        cải cách hành chính\t1
        hài lòng\t2
        một cửa*\t1
        PAPI\t2
    """)
    lex = load_lexicons(p)
    assert lex.themes == ["reform", "satisfaction"]
    t = lex.terms.set_index("term")
    assert t.loc["một cửa*", "theme"] == "reform" and bool(t.loc["một cửa*", "wildcard"])
    assert t.loc["PAPI", "line"] == 8 and bool(t.loc["PAPI", "case_sensitive"])


def test_lexicon_errors_are_civictext_errors():
    assert issubclass(LexiconError, CivictextError)


@pytest.mark.parametrize("body, line, words", [
    # bad YAML: unclosed bracket
    ("theme: x\nterms:\n  - term: a: b\n", 3, "not valid YAML"),
    # theme with no terms
    ("theme: x\nlabel: X\nterms: []\n", 3, "has no terms"),
    # unknown key in a term
    ("theme: x\nterms:\n  - term: a b\n    note: n\n    wieght: 2\n", 5, "unknown key 'wieght'"),
    # unknown top-level key
    ("theme: x\nterms:\n  - {term: a, note: n}\ncolour: red\n", 4, "unknown key 'colour'"),
    # term without a note
    ("theme: x\nterms:\n  - term: a\n  - term: b\n    note: ok\n", 3, "has no 'note'"),
    # same term twice in a theme (case-insensitive for words)
    ("theme: x\nterms:\n  - {term: hài lòng, note: n}\n  - {term: Hài lòng, note: n}\n", 4,
     "listed twice"),
    # bad weight
    ("theme: x\nterms:\n  - term: a\n    note: n\n    weight: -1\n", 5, "positive number"),
    # duplicate key
    ("theme: x\ntheme: y\nterms:\n  - {term: a, note: n}\n", 2, "appears twice"),
])
def test_lexicon_errors_name_file_and_line(tmp_path, body, line, words):
    p = tmp_path / "bad.yaml"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"bad\.yaml, line {line}: .*{words}"):
        load_lexicons(p)


def test_duplicate_term_across_themes_names_both_files(tmp_path):
    a = _write(tmp_path, "a.yaml", """
        theme: a
        terms:
          - {term: niềm tin, note: trust}
    """)
    b = _write(tmp_path, "b.yaml", """
        theme: b
        terms:
          - {term: kỷ luật, note: discipline}
          - {term: Niềm tin, note: trust again}
    """)
    with pytest.raises(LexiconError, match=r"b\.yaml, line 4: .*under two themes \('a' and 'b'\)"
                                           r".*a\.yaml, line 3"):
        load_lexicons([a, b])


def test_same_theme_in_two_files_is_an_error(tmp_path):
    a = _write(tmp_path, "a.yaml", "theme: t\nterms:\n  - {term: x y, note: n}\n")
    b = _write(tmp_path, "b.yaml", "theme: t\nterms:\n  - {term: z w, note: n}\n")
    with pytest.raises(LexiconError, match=r"b\.yaml, line 3: theme 't' is already defined"):
        load_lexicons([a, b])


def test_bad_liwc_lines_name_the_line(tmp_path):
    p = _write(tmp_path, "x.dic", "%\n1\tone\n%\nword\t7\n")
    with pytest.raises(LexiconError, match=r"x\.dic, line 4: .*category number"):
        load_lexicons(p)
    q = _write(tmp_path, "y.dic", "%\n1\tone\n2\ttwo\n%\nword\t1\n")
    with pytest.raises(LexiconError, match=r"y\.dic, line 3: category 'two' has no terms"):
        load_lexicons(q)


def test_missing_and_unsupported_files(tmp_path):
    with pytest.raises(LexiconError, match="does not exist"):
        load_lexicons(tmp_path / "nope.yaml")
    txt = _write(tmp_path, "terms.txt", "cải cách\n")
    with pytest.raises(LexiconError, match=r"terms\.txt is neither YAML"):
        load_lexicons(txt)
    (tmp_path / "empty").mkdir()
    with pytest.raises(LexiconError, match="holds no .yaml"):
        load_lexicons(tmp_path / "empty")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("theme: x\nterms: [c\xe1i]\n".encode("cp1258"))
    with pytest.raises(LexiconError, match="not UTF-8"):
        load_lexicons(latin)


def test_lexicon_terms_is_a_dataframe_with_stable_dtypes():
    t = load_lexicons().terms
    assert isinstance(t, pd.DataFrame)
    assert t["line"].dtype == "int64" and t["weak"].dtype == bool
    assert t["term"].is_unique
