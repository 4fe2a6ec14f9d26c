"""Moodle's GIFT text format (https://docs.moodle.org/en/GIFT_format)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .. import (
    MAX_QUESTIONS,
    ImportProblem,
    ImportResult,
    ParsedQuestion,
    category_path,
    default_title,
    normalize,
    question_issues,
    question_label,
    refused,
    settle_partial_credit,
    too_many_questions,
)
from .answers import _FALSE, _READERS, _TRUE
from .text import _Bad, _convert, _find, _split_feedback, _take_format, _text, _unescape

MAX_GIFT_CHARS = 2_000_000

_CATEGORY = re.compile(r"\$CATEGORY:", re.IGNORECASE)

_GAP = "_____"

_BLANK = "[[1]]"


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
