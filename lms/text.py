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


# --- Vietnamese collation -------------------------------------------------------------
#
# Vietnamese dictionaries order the letters a ă â b c d đ e ê g h i k l m n o ô ơ p q r s
# t u ư v x y (đ after d, not after z as code points put it), and compare tones only
# where the letters are the same, in the order: none, huyền, hỏi, ngã, sắc, nặng.
# A 33-letter tailoring is small enough to write down, where ICU (PyICU) would need a
# compiled library on every machine, SQLite included.

_LETTER_MARKS = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}  # ă â/ê/ô ơ/ư
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
_ALPHABET = [
    "a", "a\u0306", "a\u0302", "b", "c", "d", "đ", "e", "e\u0302", "f", "g", "h", "i", "j",
    "k", "l", "m", "n", "o", "o\u0302", "o\u031b", "p", "q", "r", "s", "t", "u", "u\u031b",
    "v", "w", "x", "y", "z",
]  # fmt: skip
# Two digits per letter; "00" never names one, so it can end the letters. Digits only,
# because every database collation orders digits alike (spaces and punctuation are
# ignored by some, which would merge "Xã Na" and "Xãna").
_SPACE, _OTHER = "01", "99"
_DIGIT_BASE = 2  # "02".."11" for 0-9
_LETTER_BASE = 12  # "12".. for the alphabet above
_LETTER_CODES = {letter: f"{_LETTER_BASE + i:02d}" for i, letter in enumerate(_ALPHABET)}


def _letters_and_tones(text: str):
    """(letter, tone) for each letter of ``text``: "ấ" gives ("a\u0302", "4")."""
    decomposed = unicodedata.normalize("NFD", normalise(text).lower())
    items: list[list[str]] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and items:
            if ch in _LETTER_MARKS:
                items[-1][0] += ch
            elif ch in _TONES:
                items[-1][1] = _TONES[ch]
            continue
        items.append([ch, "0"])
    return items


def vi_sort_key(text: str) -> str:
    """A string that sorts like ``text`` in a Vietnamese dictionary, under any collation:
    letters first, then tones where the letters are equal ("Đông" after "Dương", "ba" <
    "bà" < "bác")."""
    letters, tones = [], []
    for letter, tone in _letters_and_tones(text):
        if letter in _LETTER_CODES:
            letters.append(_LETTER_CODES[letter])
        elif len(letter) == 1 and letter in "0123456789":
            letters.append(f"{_DIGIT_BASE + int(letter):02d}")
        elif letter.isspace() or not letter.isalnum():
            letters.append(_SPACE)
        else:
            letters.append(_OTHER)
        tones.append(tone)
    return "".join(letters) + "00" + "".join(tones)
