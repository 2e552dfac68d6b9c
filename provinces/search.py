"""Diacritic-free search keys: "Bắc Giang", "bac giang" and "BAC  GIANG" give "bac giang".

A unit also stores a compact key of its full name, without spaces or punctuation ("Huyện Lục
Nam" -> "huyenlucnam"), so a search matches with or without the type word and with spaces
left out ("huyen luc nam", "lucnam", "tp bac giang").
"""

import re

from unidecode import unidecode

# Type words as people abbreviate them, first word of a query only ("tp bac giang").
TYPE_ABBREVIATIONS = {
    "tp": "thanh pho",
    "tx": "thi xa",
    "tt": "thi tran",
    "dk": "dac khu",
    "q": "quan",
    "h": "huyen",
    "p": "phuong",
    "x": "xa",
    "t": "tinh",
}
_NOT_LETTER = re.compile(r"[^a-z0-9]")


def search_key(text: str) -> str:
    return " ".join(unidecode(text or "").lower().split())


def compact_key(text: str) -> str:
    """ "Huyện Lục Nam" -> "huyenlucnam": what Unit.search_compact stores (of the full name)."""
    return _NOT_LETTER.sub("", search_key(text))


def query_compact(text: str) -> str:
    """A typed query as compact_key, its leading type abbreviation spelt out: "tp. bac giang"
    -> "thanhphobacgiang", "lucngan" -> "lucngan"."""
    words = search_key(text).split()
    if len(words) > 1 and words[0].rstrip(".") in TYPE_ABBREVIATIONS:
        words[0] = TYPE_ABBREVIATIONS[words[0].rstrip(".")]
    return _NOT_LETTER.sub("", "".join(words))
