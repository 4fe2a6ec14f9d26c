"""Text folding for search: case- and diacritic-insensitive on every database."""

import unicodedata


def normalise(text: str) -> str:
    """NFC form, as Tày-Nùng and Vietnamese text must be stored and compared."""
    return unicodedata.normalize("NFC", text or "")


def fold(text: str) -> str:
    """Lower-case ASCII-ish key: "Tiếng Tày" and "tieng tay" fold to the same string."""
    decomposed = unicodedata.normalize("NFD", (text or "").lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("đ", "d").split())
