"""How each kind of GIFT answer block becomes options."""

from __future__ import annotations

from collections.abc import Callable

from .. import (
    ParsedOption,
    ParsedQuestion,
    format_number,
    parse_number,
)
from .text import _answer_text, _Bad, _split, _split_feedback, _take_weight, _text, _unescape

_TRUE = ("T", "TRUE")

_FALSE = ("F", "FALSE")


def _read_choice(body: str, question: ParsedQuestion, text_format: str) -> None:
    pieces = _split(body, "=~")
    for index, (separator, raw) in enumerate(pieces, 1):
        weight, raw = _take_weight(raw, index)
        text, feedback = _split_feedback(raw)
        fraction = weight if weight is not None else float(separator == "=")
        question.options.append(
            ParsedOption(
                _answer_text(text, text_format, index), fraction, _text(feedback, text_format)
            )
        )
    # As in Moodle: one answer marked `=` means pick one; only `~` answers means pick several.
    question.qtype = "single" if any(sep == "=" for sep, _ in pieces) else "multiple"


def _read_short(body: str, question: ParsedQuestion, text_format: str) -> None:
    question.qtype = "short"
    for index, (_, raw) in enumerate(_split(body, "="), 1):
        weight, raw = _take_weight(raw, index)
        text, feedback = _split_feedback(raw)
        question.options.append(
            ParsedOption(
                _answer_text(text, text_format, index),
                1.0 if weight is None else weight,
                _text(feedback, text_format),
            )
        )


def _read_truefalse(body: str, question: ParsedQuestion, text_format: str) -> None:
    parts = [raw for _, raw in _split(body, "#")]
    answer = _unescape(parts[0]).strip().upper() in _TRUE
    # Moodle's order: the first feedback is for a wrong answer, the second for a right one.
    wrong = _text(parts[1], text_format) if len(parts) > 1 else ""
    right = _text("#".join(parts[2:]), text_format)
    question.qtype = "truefalse"
    question.true_false_answer = answer
    question.options = [
        ParsedOption("True", float(answer), right if answer else wrong),
        ParsedOption("False", float(not answer), wrong if answer else right),
    ]


def _read_matching(body: str, question: ParsedQuestion, text_format: str) -> None:
    question.qtype = "matching"
    for index, (_, raw) in enumerate(_split(body, "="), 1):
        text, feedback = _split_feedback(raw)
        arrow = text.find("->")
        if arrow < 0:
            raise _Bad(f"matching pair {index} has no '->'")
        right = _text(text[arrow + 2 :], text_format)
        if not right:
            raise _Bad(f"matching pair {index} has nothing after '->'")
        question.options.append(
            ParsedOption(
                _text(text[:arrow], text_format),
                feedback=_text(feedback, text_format),
                match_text=right,
            )
        )


def _read_numeric(body: str, question: ParsedQuestion, text_format: str) -> None:
    question.qtype = "numeric"
    for index, (separator, raw) in enumerate(_split(body[1:], "=~"), 1):
        weight, raw = _take_weight(raw, index)
        text, feedback = _split_feedback(raw)
        option = _numeric_option(_unescape(text).strip(), separator, index)
        default = 0.0 if separator == "~" else 1.0
        option.fraction = default if weight is None else weight
        option.feedback = _text(feedback, text_format)
        question.options.append(option)
    best = max(question.options, key=lambda option: option.fraction, default=None)
    if best is not None and best.tolerance is not None:
        question.tolerance = best.tolerance


def _numeric_option(text: str, separator: str, index: int) -> ParsedOption:
    # "~#feedback" (or Moodle's "*") is the catch-all for any other answer.
    if text == "*" or (not text and separator == "~"):
        return ParsedOption("*")
    if not text:
        raise _Bad(f"answer {index} is empty")
    value, tolerance = _numeric_value(text, index)
    return ParsedOption(format_number(value), tolerance=tolerance)


def _numeric_value(text: str, index: int) -> tuple[float, float]:
    if ":" in text:
        value, tolerance = (_number(part, text, index) for part in text.split(":", 1))
        if tolerance < 0:
            raise _Bad(f"answer {index} has a negative tolerance in '{text}'")
        return value, tolerance
    if ".." in text:
        low, high = (_number(part, text, index) for part in text.split("..", 1))
        if low > high:
            raise _Bad(f"answer {index} has a range '{text}' whose minimum is above its maximum")
        return (low + high) / 2, (high - low) / 2
    return _number(text, text, index), 0.0


def _number(part: str, text: str, index: int) -> float:
    value = parse_number(part)
    if value is not None:
        return value
    hint = "; use '.' as the decimal separator" if "," in text else ""
    raise _Bad(
        f"answer {index} is a malformed numeric answer '{text}'"
        f" (expected a number, value:tolerance or min..max{hint})"
    )


_READERS: dict[str, Callable[[str, ParsedQuestion, str], None]] = {
    "choice": _read_choice,
    "short": _read_short,
    "truefalse": _read_truefalse,
    "matching": _read_matching,
    "numeric": _read_numeric,
}
