"""How each question type is shown, how an answer is read, and how it is graded.

Pure functions over a question and its options: the attempt services call them, the
preview and the regrade use the same ones. What goes to the browser never holds what
is right: options are shown by id (choices) or by position in a per-attempt shuffle
(ordering items, matching targets), so nothing in the page reveals the answer.
"""

import math
import random
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .models import Question, QuestionOption, QuestionType

MAX_TEXT_ANSWER = 500
BLANK = re.compile(r"\[\[(\d{1,2})\]\]")
# Vietnamese and Tày–Nùng tone marks (huyền, sắc, ngã, hỏi, nặng). The vowel marks
# (â, ă, ơ, ư...) change the letter, not the tone, so they always count.
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


class AnswerError(ValueError):
    """An answer that does not fit its question: tampered, or from another question."""


def normalise(text: str, *, ignore_tones: bool = False) -> str:
    """Case-folded NFC with single spaces; tone marks dropped when asked."""
    text = unicodedata.normalize("NFD", text)
    if ignore_tones:
        text = "".join(ch for ch in text if ch not in TONE_MARKS)
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(text.split())


def parse_number(text: str) -> float | None:
    """A number as people type it: "3,5" or "3.5"; None if it is not a finite number."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


def blank_numbers(text: str) -> list[int]:
    return sorted({int(n) for n in BLANK.findall(text)})


# --- the layout fixed at an attempt's start ----------------------------------------


def layout_entry(plan, rng: random.Random | None) -> dict:
    """The shown order of a question's options (and matching targets) for one attempt.

    ``plan`` is a ``selectors.pools.QuestionPlan``: the question's id, type, blanks and
    option ids in their written order. The type (and a fill-in's blanks) travel with the
    entry, so that saving an answer needs no read of the question.
    """
    ids = list(plan.option_ids)
    entry: dict = {"q": plan.pk, "t": plan.qtype}
    if plan.qtype == QuestionType.BLANKS:
        entry["b"] = list(plan.blanks)
    if plan.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        if rng:
            rng.shuffle(ids)
        entry["o"] = ids
    elif plan.qtype == QuestionType.ORDERING:
        # Always shuffled: the right order is the order they were written in.
        (rng or random.Random()).shuffle(ids)
        entry["o"] = ids
    elif plan.qtype == QuestionType.MATCHING:
        targets = list(ids)
        (rng or random.Random()).shuffle(targets)
        entry["o"] = ids
        entry["r"] = targets
    return entry


# --- what the browser sees ---------------------------------------------------------


@dataclass
class ShownOption:
    key: int | str
    text: str
    image: object = None
    audio: object = None


@dataclass
class ShownQuestion:
    id: int
    qtype: str
    text: str
    parts: list = field(default_factory=list)  # text and blanks, for fill-in-the-blanks
    image: object = None
    audio: object = None
    options: list[ShownOption] = field(default_factory=list)
    targets: list[ShownOption] = field(default_factory=list)


def question_for_display(
    question: Question, entry: dict | None = None, *, shuffle: bool = True
) -> ShownQuestion:
    from .selectors.pools import plan_of

    options = list(question.options.all())
    if entry is None:
        entry = layout_entry(plan_of(question, options), random.Random() if shuffle else None)
    by_id = {o.pk: o for o in options}
    shown = ShownQuestion(
        id=question.pk,
        qtype=question.qtype,
        text=question.text,
        image=question.image,
        audio=question.audio,
    )
    if question.qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        shown.options = [_shown(by_id[i], i) for i in entry.get("o", []) if i in by_id]
    elif question.qtype == QuestionType.ORDERING:
        shown.options = [
            _shown(by_id[i], index) for index, i in enumerate(entry.get("o", [])) if i in by_id
        ]
    elif question.qtype == QuestionType.MATCHING:
        shown.options = [_shown(by_id[i], i) for i in entry.get("o", []) if i in by_id]
        shown.targets = [
            ShownOption(index, by_id[i].match_text)
            for index, i in enumerate(entry.get("r", []))
            if i in by_id
        ]
    elif question.qtype == QuestionType.BLANKS:
        pieces = BLANK.split(question.text)
        # split() alternates text and captured blank numbers.
        shown.parts = [
            ("blank", int(piece)) if index % 2 else ("text", piece)
            for index, piece in enumerate(pieces)
            if piece or index % 2
        ]
    return shown


def _shown(option: QuestionOption, key) -> ShownOption:
    return ShownOption(key, option.text, option.image, option.audio)


# --- reading an answer ---------------------------------------------------------------


def _int(value) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise AnswerError(_("Phương án không hợp lệ.")) from None


def _text(value) -> str:
    text = str(value or "")
    if len(text) > MAX_TEXT_ANSWER:
        raise AnswerError(_("Câu trả lời dài quá %(n)d ký tự.") % {"n": MAX_TEXT_ANSWER})
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        raise AnswerError(_("Câu trả lời có ký tự điều khiển."))
    return unicodedata.normalize("NFC", text).strip()


def answer_from_form(entry: dict, data) -> dict:
    """The answer a form post means, checked against what this attempt showed.

    ``entry`` is the question's place in the attempt's layout; ``data`` a QueryDict (or a
    dict of lists). An option that was not shown for this question, a position out of
    range or a blank the question does not have is refused.
    """

    def values(name):
        return data.getlist(name) if hasattr(data, "getlist") else list(data.get(name, []))

    def first(name, default=""):
        found = values(name)
        return found[0] if found else default

    qtype = entry["t"]
    shown = entry.get("o", [])
    if qtype == QuestionType.SINGLE:
        choice = first("option")
        if choice == "":
            return {}
        option = _int(choice)
        if option not in shown:
            raise AnswerError(_("Phương án không thuộc câu hỏi này."))
        return {"option": option}
    if qtype == QuestionType.MULTIPLE:
        chosen = sorted({_int(v) for v in values("option")})
        if any(o not in shown for o in chosen):
            raise AnswerError(_("Phương án không thuộc câu hỏi này."))
        return {"options": chosen}
    if qtype == QuestionType.TRUE_FALSE:
        value = first("value")
        if value == "":
            return {}
        if value not in ("true", "false"):
            raise AnswerError(_("Chọn Đúng hoặc Sai."))
        return {"value": value == "true"}
    if qtype == QuestionType.SHORT:
        return {"text": _text(first("text"))}
    if qtype == QuestionType.NUMERIC:
        text = _text(first("value"))
        if text and parse_number(text) is None:
            raise AnswerError(_("Hãy nhập một số, ví dụ 3,5."))
        return {"value": text}
    if qtype == QuestionType.MATCHING:
        targets = len(entry.get("r", []))
        pairs = {}
        for left in shown:
            chosen = first(f"pair-{left}")
            if chosen == "":
                continue
            target = _int(chosen)
            if not 0 <= target < targets:
                raise AnswerError(_("Vế ghép không thuộc câu hỏi này."))
            pairs[str(left)] = target
        return {"pairs": pairs}
    if qtype == QuestionType.ORDERING:
        order = [_int(v) for v in values("order")]
        if not order:
            return {}
        if sorted(order) != list(range(len(shown))):
            raise AnswerError(_("Thứ tự gửi lên không khớp với các mục của câu hỏi."))
        return {"order": order}
    if qtype == QuestionType.BLANKS:
        return {"blanks": {str(n): _text(first(f"blank-{n}")) for n in entry.get("b", [])}}
    raise AnswerError(_("Câu hỏi này không nhận câu trả lời dạng này."))


# --- grading ---------------------------------------------------------------------------


@dataclass
class Graded:
    fraction: float | None  # None: a person must grade it
    feedback: list[str] = field(default_factory=list)


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def grade(question: Question, entry: dict, answer: dict) -> Graded:
    options = list(question.options.all())
    by_id = {o.pk: o for o in options}
    qtype = question.qtype
    if qtype == QuestionType.SPOKEN:
        return Graded(None)
    if not answer:
        return Graded(0.0)
    if qtype == QuestionType.SINGLE:
        option = by_id.get(answer.get("option"))
        if option is None:
            return Graded(0.0)
        return Graded(_clamp(option.fraction), [option.feedback] if option.feedback else [])
    if qtype == QuestionType.MULTIPLE:
        return _grade_multiple(question, options, set(answer.get("options", [])))
    if qtype == QuestionType.TRUE_FALSE:
        return Graded(1.0 if answer.get("value") == question.true_false_answer else 0.0)
    if qtype == QuestionType.SHORT:
        return _grade_texts(question, options, answer.get("text", ""))
    if qtype == QuestionType.NUMERIC:
        return _grade_numeric(question, options, answer.get("value", ""))
    if qtype == QuestionType.MATCHING:
        return _grade_matching(question, entry, answer.get("pairs", {}))
    if qtype == QuestionType.ORDERING:
        return _grade_ordering(question, entry, options, answer.get("order", []))
    if qtype == QuestionType.BLANKS:
        return _grade_blanks(question, options, answer.get("blanks", {}))
    return Graded(0.0)


def _partial_or_all(question: Question, right: int, total: int) -> float:
    if total == 0:
        return 0.0
    if question.partial_credit:
        return right / total
    return 1.0 if right == total else 0.0


def _grade_multiple(question: Question, options, chosen: set[int]) -> Graded:
    feedback = [o.feedback for o in options if o.pk in chosen and o.feedback]
    correct = {o.pk for o in options if o.fraction > 0}
    if question.partial_credit:
        # Each chosen option adds its credit (wrong ones may take some away); with no
        # credits written, the right ones share 100 % and each wrong one costs as much.
        written = any(o.credit is not None for o in options)
        if written:
            total = sum(o.fraction for o in options if o.pk in chosen)
        else:
            share = 1 / len(correct) if correct else 0
            total = sum(share if o.pk in correct else -share for o in options if o.pk in chosen)
        return Graded(_clamp(total), feedback)
    return Graded(1.0 if chosen == correct else 0.0, feedback)


def _grade_texts(question: Question, options, text: str) -> Graded:
    given = normalise(text, ignore_tones=question.ignore_tones)
    if not given:
        return Graded(0.0)
    best: QuestionOption | None = None
    for option in options:
        if normalise(option.text, ignore_tones=question.ignore_tones) == given:
            if best is None or option.fraction > best.fraction:
                best = option
    if best is None:
        return Graded(0.0)
    return Graded(_clamp(best.fraction), [best.feedback] if best.feedback else [])


def _grade_numeric(question: Question, options, text: str) -> Graded:
    value = parse_number(text) if text else None
    if value is None:
        return Graded(0.0)
    best: QuestionOption | None = None
    for option in options:
        target = parse_number(option.text)
        # A relative epsilon: 0.1 + 0.2 is 0.3 to a learner.
        slack = question.tolerance + 1e-9 * max(1.0, abs(target or 0))
        if target is not None and abs(value - target) <= slack:
            if best is None or option.fraction > best.fraction:
                best = option
    if best is None:
        return Graded(0.0)
    return Graded(_clamp(best.fraction), [best.feedback] if best.feedback else [])


def _grade_matching(question: Question, entry: dict, pairs: dict) -> Graded:
    lefts, targets = entry.get("o", []), entry.get("r", [])
    right = 0
    for left in lefts:
        index = pairs.get(str(left))
        if isinstance(index, int) and 0 <= index < len(targets) and targets[index] == left:
            right += 1
    return Graded(_partial_or_all(question, right, len(lefts)))


def _grade_ordering(question: Question, entry: dict, options, order: list) -> Graded:
    shown = entry.get("o", [])
    expected = [o.pk for o in options]
    if sorted(order) != list(range(len(shown))):
        return Graded(0.0)
    given = [shown[i] for i in order]
    right = sum(1 for a, b in zip(given, expected, strict=False) if a == b)
    return Graded(_partial_or_all(question, right, len(expected)))


def _grade_blanks(question: Question, options, blanks: dict) -> Graded:
    numbers = blank_numbers(question.text)
    right = 0
    for number in numbers:
        given = normalise(blanks.get(str(number), ""), ignore_tones=question.ignore_tones)
        accepted = {
            normalise(o.text, ignore_tones=question.ignore_tones)
            for o in options
            if o.blank == number and o.fraction > 0
        }
        if given and given in accepted:
            right += 1
    return Graded(_partial_or_all(question, right, len(numbers)))


def correct_answer_text(question: Question) -> str:
    """The right answer in words, for the review when the quiz shows answers."""
    options = list(question.options.all())
    qtype = question.qtype
    if qtype == QuestionType.TRUE_FALSE:
        return _("Đúng") if question.true_false_answer else _("Sai")
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SHORT):
        return "; ".join(o.text for o in options if o.fraction > 0)
    if qtype == QuestionType.NUMERIC:
        right = [o.text for o in options if o.fraction > 0]
        tolerance = f" (± {question.tolerance:g})" if question.tolerance else ""
        return "; ".join(right) + tolerance
    if qtype == QuestionType.MATCHING:
        return "; ".join(f"{o.text} → {o.match_text}" for o in options)
    if qtype == QuestionType.ORDERING:
        return " → ".join(o.text for o in options)
    if qtype == QuestionType.BLANKS:
        return "; ".join(
            f"[{n}] " + " / ".join(o.text for o in options if o.blank == n and o.fraction > 0)
            for n in blank_numbers(question.text)
        )
    return ""
