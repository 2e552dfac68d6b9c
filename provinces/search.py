"""Diacritic-free search keys: "Bắc Giang", "bac giang" and "BAC  GIANG" give "bac giang"."""

from unidecode import unidecode


def search_key(text: str) -> str:
    return " ".join(unidecode(text or "").lower().split())
