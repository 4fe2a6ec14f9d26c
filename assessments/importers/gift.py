"""Moodle's GIFT text format (https://docs.moodle.org/en/GIFT_format)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from . import (
    MAX_QUESTIONS,
    ImportProblem,
    ImportResult,
    ParsedOption,
    ParsedQuestion,
    category_path,
    default_title,
    format_number,
    html_to_text,
    normalize,
    parse_number,
    question_issues,
    question_label,
    refused,
    settle_partial_credit,
    too_many_questions,
)

MAX_GIFT_CHARS = 2_000_000

_FORMATS = ("html", "moodle", "plain", "markdown")
_FORMAT_MARKER = re.compile(r"\[([A-Za-z]+)\]")
_CATEGORY = re.compile(r"\$CATEGORY:", re.IGNORECASE)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "\\": "\\", "n": "\n"}
_WEIGHT = re.compile(r"%([^%\n]{0,12})%")
_WEIGHT_LIKE = re.compile(r"[-+\d.,\s]+")
_TRUE = ("T", "TRUE")
_FALSE = ("F", "FALSE")
_GAP = "_____"
_BLANK = "[[1]]"


class _Bad(Exception):
    """Why one question cannot be imported; the questions around it carry on."""


@dataclass
class _Block:
    line: int
    text: str
    is_category: bool = False


def parse_gift(text: str) -> ImportResult:
    """Read a GIFT question bank; every question that cannot be imported becomes a problem."""
    if len(text) > MAX_GIFT_CHARS:
        return refused(
            f"the GIFT text has {len(text)} characters; at most {MAX_GIFT_CHARS} are accepted"
        )
    blocks = list(_blocks(normalize(text).removeprefix("\ufeff")))
    count = sum(1 for block in blocks if not block.is_category)
    if count > MAX_QUESTIONS:
        return refused(too_many_questions(count))
    result = ImportResult([], [])
    category = ""
    number = 0
    for block in blocks:
        if block.is_category:
            category = category_path(_CATEGORY.sub("", block.text, count=1))
            continue
        number += 1
        question, problems = _read(block, number, category)
        result.problems.extend(problems)
        if question is not None:
            result.questions.append(question)
    return result


# --- Splitting the text into questions ------------------------------------------------


def _blocks(text: str) -> Iterator[_Block]:
    """Questions are runs of lines between blank lines; `//` lines are comments."""
    lines: list[str] = []
    start = 0
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", text), 1):
        line = raw.strip()
        if line.startswith("//"):
            continue
        if line:
            start = start if lines else number
            lines.append(line)
        elif lines:
            yield from _with_category(start, lines)
            lines = []
    if lines:
        yield from _with_category(start, lines)


def _with_category(start: int, lines: list[str]) -> Iterator[_Block]:
    # Moodle wants a blank line after $CATEGORY; a question right below it is still read.
    if _CATEGORY.match(lines[0]):
        yield _Block(start, lines[0], is_category=True)
        lines, start = lines[1:], start + 1
    if lines:
        yield _Block(start, "\n".join(lines))


# --- Escapes --------------------------------------------------------------------------


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


# --- Text and its format --------------------------------------------------------------


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


# --- One question ---------------------------------------------------------------------


def _read(
    block: _Block, number: int, category: str
) -> tuple[ParsedQuestion | None, list[ImportProblem]]:
    title = ""
    try:
        title, body = _take_title(block.text)
        question = _question(title, body, block.line, category)
    except _Bad as bad:
        return None, [ImportProblem(block.line, f"{question_label(number, title)}: {bad}")]
    label = question_label(number, title)
    issues = question_issues(question)
    if issues:
        return None, [ImportProblem(block.line, f"{label}: {issue}") for issue in issues]
    settle_partial_credit(question)
    return question, []


def _take_title(text: str) -> tuple[str, str]:
    if not text.startswith("::"):
        return "", text
    end = _find(text, "::", 2)
    if end < 0:
        raise _Bad("the title is not closed with '::'")
    return " ".join(_unescape(text[2:end]).split()), text[end + 2 :]


def _question(title: str, body: str, line: int, category: str) -> ParsedQuestion:
    text_format, body = _take_format(body.lstrip(), "moodle")
    before, answers, after = _answer_block(body)
    answers, general_feedback = _take_general_feedback(answers)
    question = ParsedQuestion(
        qtype="",
        title=title,
        text="",
        options=[],
        line=line,
        category=category,
        general_feedback=_text(general_feedback, text_format),
    )
    _READERS[_kind(answers)](answers.strip(), question, text_format)
    question.text = _convert(_question_text(question, before, after), text_format)
    question.title = title or default_title(question.text)
    return question


def _answer_block(body: str) -> tuple[str, str, str]:
    """The text before `{`, the answers, and the text after `}`."""
    opening, closing = _find(body, "{"), _find(body, "}")
    if opening < 0 and closing < 0:
        raise _Bad("no answers: the question has no '{...}' answer block")
    if opening < 0 or 0 <= closing < opening:
        raise _Bad("'}' without a '{' before it")
    closing = _find(body, "}", opening + 1)
    if closing < 0:
        raise _Bad("unclosed '{'")
    if 0 <= _find(body, "{", opening + 1) < closing:
        raise _Bad("'{' inside the answers (write \\{ for a literal brace)")
    after = body[closing + 1 :]
    if _find(after, "{") >= 0 or _find(after, "}") >= 0:
        raise _Bad("more than one '{...}' answer block (a question may have only one)")
    return body[:opening], body[opening + 1 : closing], after


def _take_general_feedback(answers: str) -> tuple[str, str]:
    start = _find(answers, "####")
    return (answers, "") if start < 0 else (answers[:start], answers[start + 4 :])


def _question_text(question: ParsedQuestion, before: str, after: str) -> str:
    """Text after the answers makes them a gap in the sentence ("missing word")."""
    if not after.strip():
        return before
    if question.qtype != "short":
        return before + _GAP + after
    question.qtype = "blanks"
    for option in question.options:
        option.blank = 1
    return before + _BLANK + after


def _kind(answers: str) -> str:
    body = answers.strip()
    if not body:
        raise _Bad("essay questions are not supported")
    if body.startswith("#"):
        return "numeric"
    if _find(body, "~") >= 0:
        return "choice"
    if _find(body, "=") >= 0 and "->" in body:
        return "matching"
    if _unescape(_split_feedback(body)[0]).strip().upper() in _TRUE + _FALSE:
        return "truefalse"
    return "short"


# --- Answers by kind ------------------------------------------------------------------


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
