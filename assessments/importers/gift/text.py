"""GIFT's text rules: escapes, format markers, feedback and weights."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import (
    html_to_text,
    parse_number,
)

_FORMATS = ("html", "moodle", "plain", "markdown")

_FORMAT_MARKER = re.compile(r"\[([A-Za-z]+)\]")

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)

_ESCAPED = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}

_WEIGHT = re.compile(r"%([^%\n]{0,12})%")

_WEIGHT_LIKE = re.compile(r"[-+\d.,\s]+")


class _Bad(Exception):
    """Why one question cannot be imported; the questions around it carry on."""


def _unescaped_positions(text: str, start: int = 0) -> Iterator[int]:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        yield index
        index += 1


def _find(text: str, target: str, start: int = 0) -> int:
    """Where `target` first occurs outside a backslash escape, or -1."""
    for index in _unescaped_positions(text, start):
        if text.startswith(target, index):
            return index
    return -1


def _split(text: str, separators: str) -> list[tuple[str, str]]:
    """Pieces of `text` cut at unescaped separators, each with the separator before it."""
    pieces: list[tuple[str, str]] = []
    separator, start = "", 0
    for index in _unescaped_positions(text):
        if text[index] in separators:
            pieces.append((separator, text[start:index]))
            separator, start = text[index], index + 1
    pieces.append((separator, text[start:]))
    if not pieces[0][0] and not pieces[0][1].strip():
        pieces.pop(0)
    return pieces


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda match: _ESCAPED.get(match.group(1), match.group(0)), text)


def _split_feedback(raw: str) -> tuple[str, str]:
    hash_at = _find(raw, "#")
    return (raw, "") if hash_at < 0 else (raw[:hash_at], raw[hash_at + 1 :])


def _take_format(raw: str, default: str) -> tuple[str, str]:
    match = _FORMAT_MARKER.match(raw)
    if match is None:
        return default, raw
    name = match.group(1).lower()
    if name not in _FORMATS:
        raise _Bad(
            f"unknown format marker '[{match.group(1)}]' (use [html], [moodle], [plain] or"
            " [markdown])"
        )
    return name, raw[match.end() :]


def _convert(raw: str, text_format: str) -> str:
    text = _unescape(raw)
    return html_to_text(text) if text_format == "html" else text.strip()


def _text(raw: str, text_format: str) -> str:
    """An answer or feedback: its own format marker wins over the question's."""
    own_format, raw = _take_format(raw.strip(), text_format)
    return _convert(raw, own_format)


def _answer_text(raw: str, text_format: str, index: int) -> str:
    text = _text(raw, text_format)
    if not text:
        raise _Bad(f"answer {index} is empty")
    return text


def _take_weight(raw: str, index: int) -> tuple[float | None, str]:
    """A leading `%50%` as a fraction; text that merely starts with `%` is left alone."""
    stripped = raw.lstrip()
    match = _WEIGHT.match(stripped)
    if match is None:
        return None, raw
    inner = match.group(1).strip()
    weight = parse_number(inner)
    if weight is not None:
        return weight / 100, stripped[match.end() :]
    if _WEIGHT_LIKE.fullmatch(inner):
        raise _Bad(f"answer {index} has a malformed weight '%{inner}%'")
    return None, raw
