"""Question banks from Moodle (GIFT text or Moodle XML) read into plain dataclasses.

Nothing here touches the database: the caller turns an `ImportResult` into questions,
and refuses the whole import when `problems` is not empty.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape

MAX_QUESTIONS = 2000
TITLE_LENGTH = 60
# Fractions such as 33.33333% written three times must still count as a full 100%.
FULL_MARK = 0.9999
_SUM_SLACK = 0.01


@dataclass
class ParsedOption:
    """One answer. For numeric questions `text` is the value, or "*" for any other answer."""

    text: str
    fraction: float = 0.0
    feedback: str = ""
    match_text: str = ""
    blank: int | None = None
    tolerance: float | None = None


@dataclass
class ParsedQuestion:
    qtype: str
    title: str
    text: str
    options: list[ParsedOption]
    line: int
    category: str = ""
    general_feedback: str = ""
    true_false_answer: bool | None = None
    points: float = 1.0
    partial_credit: bool = False
    tolerance: float = 0.0
    ignore_case: bool = True


@dataclass
class ImportProblem:
    line: int
    message: str


@dataclass
class ImportResult:
    questions: list[ParsedQuestion] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)


def refused(message: str) -> ImportResult:
    """A whole-file refusal: line 0 because no single question is to blame."""
    return ImportResult([], [ImportProblem(0, message)])


def too_many_questions(count: int) -> str:
    return f"the file holds {count} questions; at most {MAX_QUESTIONS} can be imported at once"


def normalize(text: str) -> str:
    # Vietnamese typed with some keyboards arrives decomposed; answers must compare equal.
    return unicodedata.normalize("NFC", text)


def default_title(text: str) -> str:
    return " ".join(text.split())[:TITLE_LENGTH].rstrip()


def category_path(raw: str) -> str:
    """Moodle's category path without its context prefix and its invisible "top" root."""
    path = raw.strip()
    match = re.match(r"\$(course|system|module|cat)\$/?", path)
    if match:
        path = path[match.end() :]
        if path == "top" or path.startswith("top/"):
            path = path[4:]
    return "/".join(part.strip() for part in path.split("/") if part.strip())


def question_label(number: int, title: str) -> str:
    return f'question {number} ("{default_title(title)}")' if title else f"question {number}"


_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def parse_number(text: str) -> float | None:
    """A plain decimal number; float() alone would also take "nan", "inf" and "1_000"."""
    text = text.strip()
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def format_number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


# --- HTML to text ---------------------------------------------------------------------
# A small scanner rather than html.parser: that one can raise on malformed markup and
# slows down quadratically on some inputs, and uploads are not to be trusted.

_BLOCK_TAGS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6"
    " header hr li ol p pre section table tbody thead tfoot tr ul".split()
)
# Possessive quantifiers: a tag that never closes must fail fast, not backtrack.
_TAG = re.compile(r"""<(/?)([A-Za-z][^\s/>]*+)(?:[^>"']|"[^"]*+"|'[^']*+')*+>""")
_RAW_TEXT_END = {
    "script": re.compile(r"</script[\s/>]", re.IGNORECASE),
    "style": re.compile(r"</style[\s/>]", re.IGNORECASE),
}


class _TextWriter:
    """Visible text laid out as a browser would, minus the styling."""

    def __init__(self, keep_newlines: bool) -> None:
        self.keep_newlines = keep_newlines
        self.parts: list[str] = []
        self.at_line_start = True

    def text(self, raw: str) -> None:
        text = unescape(raw)
        if not self.keep_newlines:
            self.add(text.replace("\n", " "))
            return
        for index, line in enumerate(text.split("\n")):
            if index:
                self.newline(force=True)
            self.add(line)

    def add(self, text: str) -> None:
        if self.at_line_start:
            text = text.lstrip()
        if text:
            self.parts.append(text)
            self.at_line_start = False

    def tag(self, name: str) -> None:
        if name == "br":
            self.newline(force=True)
        elif name in _BLOCK_TAGS:
            self.newline()

    def newline(self, force: bool = False) -> None:
        if force or not self.at_line_start:
            self.parts.append("\n")
            self.at_line_start = True

    def result(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(markup: str, keep_newlines: bool = False) -> str:
    """Text of an HTML fragment: tags dropped, entities decoded, <br> and blocks as newlines.

    keep_newlines: line breaks in the source count too (Moodle's own text format).
    """
    writer = _TextWriter(keep_newlines)
    position = 0
    while position < len(markup):
        opening = markup.find("<", position)
        if opening < 0:
            opening = len(markup)
        writer.text(markup[position:opening])
        position = _skip_markup(markup, opening, writer) if opening < len(markup) else opening
    return writer.result()


def _is_ascii_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _skip_markup(markup: str, start: int, writer: _TextWriter) -> int:
    """Index just past the markup that begins with the "<" at `start`."""
    # Unterminated markup runs to the end, as in browsers; it also keeps the scan linear.
    if markup.startswith("<!--", start):
        return _past(markup, "-->", start + 4)
    follower = markup[start + 1 : start + 2]
    if follower in ("!", "?") or (
        follower == "/" and not _is_ascii_letter(markup[start + 2 : start + 3])
    ):
        return _past(markup, ">", start + 1)
    match = _TAG.match(markup, start)
    if match is None:
        if _is_ascii_letter(follower) or follower == "/":
            return len(markup)
        writer.text("<")
        return start + 1
    name = match.group(2).lower()
    writer.tag(name)
    raw_text_end = _RAW_TEXT_END.get(name)
    if raw_text_end is None or match.group(1):
        return match.end()
    closing = raw_text_end.search(markup, match.end())
    return len(markup) if closing is None else closing.start()


def _past(markup: str, end: str, start: int) -> int:
    found = markup.find(end, start)
    return len(markup) if found < 0 else found + len(end)


# --- Checks shared by both formats ----------------------------------------------------


def question_issues(question: ParsedQuestion) -> list[str]:
    """What keeps a parsed question from being usable, in words for the person importing."""
    issues: list[str] = []
    if not question.text.strip():
        issues.append("the question has no text")
    if not question.options:
        return [*issues, "the question has no answers"]
    for index, option in enumerate(question.options, 1):
        if not -1.0 <= option.fraction <= 1.0:
            weight = format_number(round(option.fraction * 100, 5))
            issues.append(f"answer {index} has a weight of {weight}%, outside -100..100")
    if issues:
        return issues
    for check in _TYPE_CHECKS.get(question.qtype, ()):
        issues.extend(check(question))
    return issues


def _check_choices(question: ParsedQuestion) -> list[str]:
    if len(question.options) < 2:
        return ["a multiple choice question needs at least 2 answers"]
    return []


def _check_one_right(question: ParsedQuestion) -> list[str]:
    if max(option.fraction for option in question.options) >= FULL_MARK:
        return []
    return ["no correct answer: one answer must be worth 100%"]


def _check_right_answers_add_up(question: ParsedQuestion) -> list[str]:
    positive = [option.fraction for option in question.options if option.fraction > 0]
    if not positive:
        return ["no correct answer: at least one answer must have a positive weight"]
    total = sum(positive)
    if abs(total - 1.0) > _SUM_SLACK:
        weight = format_number(round(total * 100, 3))
        return [f"the weights of the right answers add up to {weight}%, not 100%"]
    return []


def _check_pairs(question: ParsedQuestion) -> list[str]:
    pairs = [option for option in question.options if option.text]
    if len(pairs) < 2:
        return ["a matching question needs at least 2 pairs"]
    return []


def _check_items(question: ParsedQuestion) -> list[str]:
    if len(question.options) < 2:
        return ["an ordering question needs at least 2 items"]
    return []


_Check = Callable[[ParsedQuestion], list[str]]
_TYPE_CHECKS: dict[str, tuple[_Check, ...]] = {
    "single": (_check_choices, _check_one_right),
    "multiple": (_check_choices, _check_right_answers_add_up),
    "short": (_check_one_right,),
    "blanks": (_check_one_right,),
    "numeric": (_check_one_right,),
    "matching": (_check_pairs,),
    "ordering": (_check_items,),
}


def settle_partial_credit(question: ParsedQuestion) -> None:
    """Several right answers sharing the marks means each earns its part."""
    if question.qtype == "multiple":
        right = [option for option in question.options if option.fraction > 0]
        question.partial_credit = len(right) > 1


from .gift import MAX_GIFT_CHARS, parse_gift  # noqa: E402
from .moodle_xml import MAX_XML_BYTES, parse_moodle_xml  # noqa: E402

__all__ = [
    "MAX_GIFT_CHARS",
    "MAX_QUESTIONS",
    "MAX_XML_BYTES",
    "ImportProblem",
    "ImportResult",
    "ParsedOption",
    "ParsedQuestion",
    "parse_gift",
    "parse_moodle_xml",
]
