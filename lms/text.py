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


def search_query(text: str | None, limit: int = 100) -> str:
    """A search box's text, fit for a query: trimmed, at most ``limit`` characters, and
    without NUL, which PostgreSQL refuses in any text (a crafted URL can send one)."""
    return (text or "").replace("\x00", "").strip()[:limit]


# No look-alikes (0/O, 1/l/I): these are read off a screen and typed on a phone.
READABLE_LOWER = "abcdefghjkmnpqrstuvwxyz23456789"
READABLE_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def readable_secret(length: int, alphabet: str = READABLE_LOWER) -> str:
    import secrets

    return "".join(secrets.choice(alphabet) for _ in range(length))
