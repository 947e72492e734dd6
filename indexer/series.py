"""Project series: the same fund in different years and documents.

A recurring fund is re-issued every year under a new document number:
``石财社〔2022〕99号提前下达2023年省级就业补助资金`` and
``石财社〔2023〕143号提前下达2024年省级就业补助资金`` are one series. The
series key is the name with what changes from year to year set aside:
document numbers, years, ``提前下达``, bracketed notes and the word 专项.
"""

from __future__ import annotations

import re

_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}\s*[〔\[［【(（]\s*\d{4}\s*[〕\]］】)）]\s*\d+\s*号")
_YEAR = re.compile(r"\d{4}\s*年(?:度)?")
_BRACKETED = re.compile(r"（[^（）]*）|\([^()]*\)|\[[^\[\]]*\]|［[^［］]*］|【[^【】]*】")
_NOISE_WORDS = ("提前下达", "下达", "专项")
_SPACE = re.compile(r"\s+")


def series_key(name: str) -> str:
    """The name of a project with year-to-year changes removed.

    >>> series_key("石财社〔2023〕143号提前下达2024年省级就业补助资金")
    '省级就业补助资金'
    >>> series_key("石财金〔2022〕17号提前下达中央2023年普惠金融发展专项（创业担保贷款贴息）资金")
    '中央普惠金融发展资金'
    """
    key = _SPACE.sub("", name)
    key = _DOC_NUMBER.sub("", key)
    key = _YEAR.sub("", key)
    key = _BRACKETED.sub("", key)
    for word in _NOISE_WORDS:
        key = key.replace(word, "")
    return key or _SPACE.sub("", name)
