"""civictext.text.normalize: what users rely on when their text comes in."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civictext.text.normalize import (
    _DEFAULT,
    _normalize_default,
    clean_whitespace,
    fold,
    is_folded,
    normalize_quotes,
    normalize_text,
    normalize_tone_marks,
)

VI = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
vi_text = st.text(alphabet=st.sampled_from(
    list(VI + VI.upper() + " .,\n\t\r\u00a0\u200b\u00ad\ufeff\x1c“”'\"0123456789\u0300\u0301\u0323")),
    max_size=200)


@pytest.mark.parametrize("old,new", [
    ("hoá", "hóa"), ("Hoà", "Hòa"), ("khoẻ", "khỏe"), ("thuỷ", "thủy"), ("Uỷ ban", "Ủy ban"),
    ("UỶ BAN", "ỦY BAN"), ("toạ đàm", "tọa đàm"), ("hoạ sĩ", "họa sĩ"),
])
def test_old_tone_placement_is_moved_to_first_vowel(old, new):
    assert normalize_tone_marks(old) == new


@pytest.mark.parametrize("word", ["quý", "quỳ", "quà", "hoàng", "ngoài", "khuyến", "thuyền",
                                  "hóa", "thủy", "người", "toàn"])
def test_words_that_are_the_same_in_both_conventions_are_untouched(word):
    assert normalize_tone_marks(word) == word


def test_decomposed_input_equals_composed_input():
    composed = "Văn hóa công sở và Quy tắc ứng xử nơi công cộng, thủy lợi"
    assert normalize_text(unicodedata.normalize("NFD", composed)) == normalize_text(composed)


def test_old_style_and_decomposed_old_style_reach_the_same_form():
    assert normalize_text(unicodedata.normalize("NFD", "văn hoá")) == "văn hóa"


def test_quotes_spaces_and_invisibles_are_cleaned():
    raw = "  “Những bông hoa đẹp”\u00a0\u00a0trong\u200b giao tiếp  \r\n\r\n\r\n\r\nCâu sau. "
    assert normalize_text(raw) == '"Những bông hoa đẹp" trong giao tiếp\n\nCâu sau.'


def test_quote_replacement_keeps_length():
    s = "“a” ‘b’"
    assert len(normalize_quotes(s)) == len(s)


def test_fold_is_a_search_key_of_the_same_length():
    s = normalize_text("Cải cách hành chính ở Đà Nẵng; Ủy ban, thủy lợi")
    assert fold(s) == "Cai cach hanh chinh o Da Nang; Uy ban, thuy loi"
    assert len(fold(s)) == len(s)
    assert is_folded("cai cach hanh chinh") and not is_folded("cải cách")


def test_normalize_text_rejects_non_strings_with_a_clear_message():
    with pytest.raises(TypeError, match="expected str, got bytes"):
        normalize_text(b"abc")


@settings(max_examples=300, deadline=None)
@given(vi_text)
def test_normalize_is_idempotent(s):
    once = normalize_text(s)
    assert normalize_text(once) == once


@settings(max_examples=300, deadline=None)
@given(vi_text)
def test_normalize_is_invariant_to_nfc_nfd(s):
    assert normalize_text(unicodedata.normalize("NFD", s)) == normalize_text(
        unicodedata.normalize("NFC", s))


@settings(max_examples=300, deadline=None)
@given(vi_text)
def test_fold_keeps_nfc_length_and_is_idempotent(s):
    nfc = unicodedata.normalize("NFC", s)
    assert len(fold(nfc)) == len(nfc)
    assert fold(fold(nfc)) == fold(nfc)


@settings(max_examples=200, deadline=None)
@given(vi_text)
def test_clean_whitespace_leaves_no_double_spaces_or_triple_newlines(s):
    out = clean_whitespace(s.replace("\t", " "))
    assert "  " not in out and "\n\n\n" not in out


def test_zero_width_character_between_letter_and_accent_does_not_block_composition():
    assert normalize_text("a\u200b\u0300") == "à"
    assert normalize_text(normalize_text("a\u200b\u0300")) == "à"


@settings(max_examples=500, deadline=None)
@given(vi_text)
def test_the_fast_path_equals_running_every_step(s):
    assert _normalize_default(s) == _DEFAULT(s)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("oOuUqQhHyYaàáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ \u0301²1\n.,")),
               max_size=24))
def test_tone_marks_on_candidate_words_only_equal_the_whole_text_rule(text):
    from civictext.text.normalize import _TONE_CANDIDATE, _tone_marks_at_candidates

    want = normalize_tone_marks(text) if _TONE_CANDIDATE.search(text) else text
    assert _tone_marks_at_candidates(text) == want


def _every_mapped() -> str:
    from civictext.text import normalize as nz

    return "".join(map(chr, sorted(set(nz._QUOTES) | set(nz._INVISIBLE) | set(nz._SPACES))))


_EVERY_MAPPED = _every_mapped()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(_EVERY_MAPPED + "aà \n\"'đ\r\u2028")), max_size=40))
def test_quotes_and_invisibles_by_replace_equal_str_translate(text):
    """normalize_quotes and clean_invisibles replace character by character (faster);
    the result is what str.translate with their tables gives."""
    from civictext.text import normalize as nz

    assert normalize_quotes(text) == text.translate(nz._QUOTES)
    want = nz._LINEBREAKS.sub("\n", text).translate(nz._INVISIBLE).translate(nz._SPACES)
    assert nz.clean_invisibles(text) == want
