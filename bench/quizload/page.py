"""What a learner's client reads from the attempt page: questions, their fields, and an answer for each."""

import html
import random
import re
from dataclasses import dataclass

SHORT_ANSWERS = ["Pây lăng", "Kin khẩu dá", "Đây lai", "chắc dá"]

NUMBERS = ["65", "90", "20", "3,5", "12.25"]

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)

FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.I)

ATTRIBUTE = re.compile(r'([\w:-]+)\s*=\s*"([^"]*)"')


@dataclass
class Question:
    id: int
    kind: str  # single, multiple, truefalse, short or numeric
    action: str
    csrf: str
    choices: list[str]  # the option values shown (choice questions)


@dataclass
class AttemptPage:
    questions: list[Question]
    submit_action: str
    submit_fields: list[tuple[str, str]]


def _attributes(text: str) -> dict[str, str]:
    return {k.lower(): html.unescape(v) for k, v in ATTRIBUTE.findall(text)}


def _kind(fields: list[tuple[str, dict[str, str]]]) -> str:
    """The kind of question a form's fields make, as _question.html renders them."""
    answer_fields = [(tag, a) for tag, a in fields if a.get("name") != "csrfmiddlewaretoken"]
    names = {a.get("name") for _, a in answer_fields}
    types = {a.get("type", "text") for tag, a in answer_fields if tag == "input"}
    if any(tag != "input" for tag, _ in answer_fields):
        return "unsupported"
    if names == {"option"}:
        return {"radio": "single", "checkbox": "multiple"}.get(types.pop(), "unsupported")
    if names == {"value"} and types == {"radio"}:
        return "truefalse"
    if names == {"text"}:
        return "short"
    if names == {"value"} and answer_fields[0][1].get("inputmode") == "decimal":
        return "numeric"
    return "unsupported"


def parse_attempt_page(text: str) -> AttemptPage:
    """The question forms and the submit form of an attempt page, as a browser sees them."""
    questions: list[Question] = []
    submit: tuple[str, list[tuple[str, str]]] | None = None
    for form_attrs, inner in FORM.findall(text):
        form = _attributes(form_attrs)
        classes = form.get("class", "").split()
        fields = [(tag.lower(), _attributes(a)) for tag, a in FIELD.findall(inner)]
        values = {a.get("name", ""): a.get("value", "") for _, a in fields}
        if "question" in classes:
            match = re.search(r"/answer/(\d+)/$", form.get("action", ""))
            if not match or not values.get("csrfmiddlewaretoken"):
                raise ValueError(f"question form without an answer URL or CSRF token: {form}")
            kind = _kind(fields)
            if kind == "unsupported":
                raise ValueError(f"question {match.group(1)}: fields the bench cannot answer")
            choices = [a["value"] for _, a in fields if a.get("name") == "option"]
            questions.append(
                Question(
                    int(match.group(1)),
                    kind,
                    form["action"],
                    values["csrfmiddlewaretoken"],
                    choices,
                )
            )
        elif "submit-attempt" in classes:
            hidden = [(a["name"], a.get("value", "")) for _, a in fields if a.get("name")]
            submit = (form.get("action", ""), hidden)
    if not questions or submit is None or not submit[0]:
        raise ValueError(
            f"{len(questions)} question forms, submit form {'found' if submit else 'missing'}"
        )
    return AttemptPage(questions, *submit)


def answer_fields(question: Question, rng: random.Random) -> dict[str, list[str]]:
    """A valid answer: one of the options shown, some of them, true or false, a few words
    with tone marks, or a number written as people write them."""
    if question.kind == "single":
        return {"option": [rng.choice(question.choices)]}
    if question.kind == "multiple":
        return {"option": rng.sample(question.choices, rng.randint(1, len(question.choices)))}
    if question.kind == "truefalse":
        return {"value": [rng.choice(["true", "false"])]}
    if question.kind == "short":
        return {"text": [rng.choice(SHORT_ANSWERS)]}
    return {"value": [rng.choice(NUMBERS)]}
