"""Moodle XML question export (https://docs.moodle.org/en/Moodle_XML_format)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from . import (
    FULL_MARK,
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

MAX_XML_BYTES = 5 * 1024 * 1024

# Moodle types this platform has no equivalent for, named as Moodle's interface names them.
_UNSUPPORTED = {
    "essay": "essay",
    "multianswer": "cloze (embedded answers)",
    "gapselect": "select missing words",
    "ddwtos": "drag and drop into text",
    "ddimageortext": "drag and drop onto image",
    "ddmarker": "drag and drop markers",
    "calculated": "calculated",
    "calculatedsimple": "simple calculated",
    "calculatedmulti": "calculated multichoice",
    "randomsamatch": "random short-answer matching",
    "random": "random",
}
_POSITION_SUFFIX = re.compile(r": line \d+, column \d+$")


class _Bad(Exception):
    """Why one question cannot be imported; the questions around it carry on."""


class _Unreadable(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.problem = ImportProblem(line, f"line {line}: {message}")


def parse_moodle_xml(data: bytes) -> ImportResult:
    """Read a Moodle XML export; every question that cannot be imported becomes a problem."""
    if len(data) > MAX_XML_BYTES:
        return refused(f"the XML file has {len(data)} bytes; at most {MAX_XML_BYTES} are accepted")
    try:
        root, lines = _load(data)
    except _Unreadable as unreadable:
        return ImportResult([], [unreadable.problem])
    if root.tag != "quiz":
        message = f"the root element is <{root.tag}>, not <quiz>: this is not a Moodle XML export"
        return ImportResult([], [ImportProblem(1, message)])
    elements = root.findall("question")
    count = sum(1 for element in elements if element.get("type") != "category")
    if count > MAX_QUESTIONS:
        return refused(too_many_questions(count))
    return _read_all(elements, lines)


def _read_all(elements: list[Element], lines: list[int]) -> ImportResult:
    result = ImportResult([], [])
    category = ""
    number = 0
    for element, line in zip(elements, lines, strict=True):
        if element.get("type") == "category":
            category = category_path(_category_text(element))
            continue
        number += 1
        question, problems = _read(element, line, number, category)
        result.problems.extend(problems)
        if question is not None:
            result.questions.append(question)
    return result


# --- Parsing the document safely ------------------------------------------------------


class _LineRecorder:
    """Builds the tree while noting the line of each <question> under the root.

    ElementTree keeps no line numbers, and scanning the raw text would be fooled by
    "<question" inside CDATA or comments; the parser itself knows where it is.
    """

    def __init__(self) -> None:
        self.builder = TreeBuilder()
        self.parser: Any = None
        self.depth = 0
        self.question_lines: list[int] = []

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        if self.depth == 1 and tag == "question":
            self.question_lines.append(self.parser.parser.CurrentLineNumber)
        self.depth += 1
        return self.builder.start(tag, attrs)

    def end(self, tag: str) -> Element:
        self.depth -= 1
        return self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> Element:
        return self.builder.close()


def _load(data: bytes) -> tuple[Element, list[int]]:
    recorder = _LineRecorder()
    parser = DefusedXMLParser(target=recorder)
    recorder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except EntitiesForbidden as error:
        raise _Unreadable(_line(parser), "entity declarations are not allowed") from error
    except ExternalReferenceForbidden as error:
        message = "references to external entities are not allowed"
        raise _Unreadable(_line(parser), message) from error
    except DTDForbidden as error:
        message = "document type declarations are not allowed"
        raise _Unreadable(_line(parser), message) from error
    except ParseError as error:
        raise _not_well_formed(error) from error
    except (LookupError, ValueError) as error:
        # Raised for an encoding the XML declares but Python cannot decode.
        raise _Unreadable(_line(parser), f"the XML cannot be read: {error}") from error
    return root, recorder.question_lines


def _line(parser: DefusedXMLParser) -> int:
    return parser.parser.CurrentLineNumber


def _not_well_formed(error: ParseError) -> _Unreadable:
    line, column = error.position
    reason = _POSITION_SUFFIX.sub("", str(error))
    reason = re.sub(r"^not well-formed \((.*)\)$", r"\1", reason)
    return _Unreadable(line, f"the XML is not well formed: {reason} (column {column + 1})")


# --- Text ----------------------------------------------------------------------------


def _format_of(element: Element | None, default: str = "html") -> str:
    return default if element is None else element.get("format", default)


def _formatted(element: Element | None, default: str = "html") -> str:
    """The <text> inside `element`, as plain text according to its format attribute."""
    if element is None:
        return ""
    raw = normalize(element.findtext("text") or "")
    text_format = _format_of(element, default)
    if text_format == "html":
        return html_to_text(raw)
    if text_format == "moodle_auto_format":
        # Moodle's own format takes HTML and also turns line breaks into <br>.
        return html_to_text(raw, keep_newlines=True)
    return raw.strip()


def _plain(element: Element | None) -> str:
    if element is None:
        return ""
    return normalize(element.findtext("text") or "").strip()


def _category_text(element: Element) -> str:
    category = element.find("category")
    if category is None:
        return ""
    # Moodle 1.9 wrote the path straight into <category>, later versions inside <text>.
    inner = category.find("text")
    return normalize((inner.text if inner is not None else category.text) or "")


# --- One question ---------------------------------------------------------------------


def _read(
    element: Element, line: int, number: int, category: str
) -> tuple[ParsedQuestion | None, list[ImportProblem]]:
    title = " ".join(_plain(element.find("name")).split())
    label = question_label(number, title)
    try:
        question = _question(element, title, line, category)
    except _Bad as bad:
        return None, [ImportProblem(line, f"{label}: {bad}")]
    if question is None:
        return None, []
    issues = question_issues(question)
    if issues:
        return None, [ImportProblem(line, f"{label}: {issue}") for issue in issues]
    settle_partial_credit(question)
    return question, []


def _question(element: Element, title: str, line: int, category: str) -> ParsedQuestion | None:
    qtype = element.get("type", "")
    if qtype == "description":
        return None
    reader = _reader(qtype)
    text_element = element.find("questiontext")
    if text_element is None:
        raise _Bad("missing <questiontext>")
    question = ParsedQuestion(
        qtype="",
        title=title,
        text=_formatted(text_element),
        options=[],
        line=line,
        category=category,
        general_feedback=_formatted(element.find("generalfeedback")),
        points=_points(element),
    )
    reader(element, question)
    question.title = title or default_title(question.text)
    return question


def _reader(qtype: str) -> Callable[[Element, ParsedQuestion], None]:
    if qtype in _UNSUPPORTED:
        raise _Bad(f"{_UNSUPPORTED[qtype]} questions are not supported (type '{qtype}')")
    if not qtype:
        raise _Bad("the <question> has no type attribute")
    reader = _READERS.get(qtype)
    if reader is None:
        raise _Bad(f"unknown question type '{qtype}'")
    return reader


def _points(element: Element) -> float:
    raw = (element.findtext("defaultgrade") or "").strip()
    if not raw:
        return 1.0
    points = parse_number(raw)
    if points is None or points < 0:
        raise _Bad(f"the default grade '{raw}' is not a positive number")
    return points


def _fraction(answer: Element, index: int) -> float:
    raw = answer.get("fraction", "0").strip()
    value = parse_number(raw)
    if value is None:
        raise _Bad(f"answer {index} has a non-numeric fraction '{raw}'")
    return value / 100


def _feedback(answer: Element, default: str) -> str:
    return _formatted(answer.find("feedback"), default)


# --- Answers by type ------------------------------------------------------------------


def _read_multichoice(element: Element, question: ParsedQuestion) -> None:
    text_format = _format_of(element.find("questiontext"))
    for index, answer in enumerate(element.findall("answer"), 1):
        text = _formatted(answer, text_format)
        if text:
            fraction = _fraction(answer, index)
            feedback = _feedback(answer, text_format)
            question.options.append(ParsedOption(text, fraction, feedback))
    single = (element.findtext("single") or "true").strip().lower() in ("true", "1")
    question.qtype = "single" if single else "multiple"


def _read_truefalse(element: Element, question: ParsedQuestion) -> None:
    question.qtype = "truefalse"
    answers: dict[bool, tuple[float, str]] = {}
    for index, answer in enumerate(element.findall("answer"), 1):
        word = _plain(answer).lower()
        # Files from before Moodle 2 lack the words and list "true" first.
        value = word == "true" if word in ("true", "false") else index == 1
        answers.setdefault(value, (_fraction(answer, index), _feedback(answer, "html")))
    if not answers:
        return
    true_fraction, true_feedback = answers.get(True, (0.0, ""))
    false_fraction, false_feedback = answers.get(False, (0.0, ""))
    if max(true_fraction, false_fraction) < FULL_MARK:
        raise _Bad("no correct answer: neither 'true' nor 'false' is worth 100%")
    right = true_fraction >= FULL_MARK
    question.true_false_answer = right
    question.options = [
        ParsedOption("True", float(right), true_feedback),
        ParsedOption("False", float(not right), false_feedback),
    ]


def _read_shortanswer(element: Element, question: ParsedQuestion) -> None:
    question.qtype = "short"
    question.ignore_case = (element.findtext("usecase") or "0").strip().lower() in (
        "0",
        "false",
        "",
    )
    for index, answer in enumerate(element.findall("answer"), 1):
        text = _plain(answer)
        if text:
            fraction = _fraction(answer, index)
            question.options.append(ParsedOption(text, fraction, _feedback(answer, "html")))


def _read_numerical(element: Element, question: ParsedQuestion) -> None:
    question.qtype = "numeric"
    for index, answer in enumerate(element.findall("answer"), 1):
        option = _numeric_option(answer, index)
        if option is not None:
            question.options.append(option)
    best = max(question.options, key=lambda option: option.fraction, default=None)
    if best is not None and best.tolerance is not None:
        question.tolerance = best.tolerance


def _numeric_option(answer: Element, index: int) -> ParsedOption | None:
    text = _plain(answer)
    if not text:
        return None
    option = ParsedOption("*", _fraction(answer, index), _feedback(answer, "html"))
    # "*" is Moodle's catch-all for any other answer: it has no value of its own.
    if text == "*":
        return option
    value = parse_number(text)
    if value is None:
        raise _Bad(f"answer {index} is a malformed numeric answer '{text}'")
    option.text = format_number(value)
    option.tolerance = _tolerance(answer, index)
    return option


def _tolerance(answer: Element, index: int) -> float:
    raw = (answer.findtext("tolerance") or "").strip()
    if not raw:
        return 0.0
    tolerance = parse_number(raw)
    if tolerance is None or tolerance < 0:
        raise _Bad(f"answer {index} has a malformed tolerance '{raw}'")
    return tolerance


def _read_matching(element: Element, question: ParsedQuestion) -> None:
    question.qtype = "matching"
    text_format = _format_of(element.find("questiontext"))
    for index, subquestion in enumerate(element.findall("subquestion"), 1):
        left = _formatted(subquestion, text_format)
        right = _plain(subquestion.find("answer"))
        if not left and not right:
            continue
        if not right:
            raise _Bad(f"matching pair {index} has no answer")
        # An empty left side is Moodle's extra wrong choice on the right.
        question.options.append(ParsedOption(left, match_text=right))


def _read_ordering(element: Element, question: ParsedQuestion) -> None:
    question.qtype = "ordering"
    text_format = _format_of(element.find("questiontext"))
    items: list[tuple[float | None, int, str]] = []
    for index, answer in enumerate(element.findall("answer"), 1):
        text = _formatted(answer, text_format)
        if text:
            items.append((parse_number(answer.get("fraction", "")), index, text))
    # The plugin stores each item's position in "fraction"; without it, file order counts.
    if all(position is not None for position, _, _ in items):
        items.sort(key=lambda item: (item[0], item[1]))
    question.options = [ParsedOption(text) for _, _, text in items]


_READERS: dict[str, Callable[[Element, ParsedQuestion], None]] = {
    "multichoice": _read_multichoice,
    "truefalse": _read_truefalse,
    "shortanswer": _read_shortanswer,
    "numerical": _read_numerical,
    "matching": _read_matching,
    "ordering": _read_ordering,
}
