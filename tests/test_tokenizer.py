"""The one tokeniser every index and every query goes through (indexer.tokenizer)."""

from __future__ import annotations

import pytest

from indexer.tokenizer import STOP_WORDS, index_terms, index_text, normalise, query_terms, term_set, words


def test_normalise_folds_full_width_forms_and_case() -> None:
    assert normalise("ＡＢＣ１２３％") == "abc123%"
    assert normalise("受益对象满意度") == "受益对象满意度"


def test_words_cut_chinese_with_the_domain_dictionary() -> None:
    # 受益对象满意度 is one word of indexer/userdict.txt; jieba alone would cut it.
    assert words("受益对象满意度") == ["受益对象满意度"]
    assert words("服务对象满意度指标") == ["服务对象", "满意度指标"]


def test_words_keep_numbers_and_latin_words_whole_and_drop_punctuation() -> None:
    assert words("≥95.5%") == ["95.5"]
    assert words("ABC项目 2024年") == ["abc", "项目", "2024", "年"]
    assert words("１２３４ＡＢ，。！") == ["1234", "ab"]


def test_the_cut_of_a_run_does_not_depend_on_its_neighbours() -> None:
    # No HMM: the same run is cut the same way wherever it stands.
    assert words("就业困难人员") == ["就业", "困难", "人员"]
    assert words("帮扶就业困难人员，") == words("帮扶") + words("就业困难人员")


def test_index_terms_add_every_dictionary_word_inside_a_run() -> None:
    terms = index_terms("服务对象满意度指标")
    assert terms[:2] == ["服务对象", "满意度指标"]
    # The word a query asks for is found although jieba's path went around it.
    assert {"服务对象满意度", "满意度", "满意", "指标", "服务", "对象"} <= set(terms)
    assert term_set("服务对象满意度指标") == frozenset(terms)
    assert index_text("受益对象满意度") == " ".join(index_terms("受益对象满意度"))


def test_query_terms_drop_stop_words_and_repeats_in_order() -> None:
    assert query_terms("满意度的满意度") == ["满意度"]
    assert query_terms("的和与") == []
    assert query_terms("就业 困难 就业") == ["就业", "困难"]
    assert all(word not in STOP_WORDS for word in query_terms("是否及时拨付并且通过验收"))


@pytest.mark.parametrize("text", ["", "   ", "，。！？", "\t\n"])
def test_text_without_words_has_no_terms(text: str) -> None:
    assert words(text) == [] and index_terms(text) == [] and query_terms(text) == []


def test_index_and_query_agree_on_every_word_of_a_query() -> None:
    # Whatever a query asks for, a text containing the query's characters holds those terms.
    for query, text in [
        ("受益对象满意度", "受益对象满意度（%）"),
        ("满意度", "服务对象满意度指标"),
        ("创业担保贷款", "发放创业担保贷款贴息"),
        ("95", "≥95%"),
    ]:
        assert set(query_terms(query)) <= term_set(text), (query, text)
