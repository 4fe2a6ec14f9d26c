import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.grading import grade, normalise, parse_number
from assessments.models import Question

from .factories import question


@given(st.text(max_size=40))
def test_normalising_is_idempotent_and_ignores_composition_and_case(text):
    once = normalise(text)
    assert normalise(once) == once
    assert normalise(unicodedata.normalize("NFD", text)) == once
    assert normalise(text.upper()) == normalise(text.lower()) or not text.isascii()


@given(st.text(alphabet="aăâeêioôơuưy ", min_size=1, max_size=20))
def test_tones_are_ignored_only_when_asked(base):
    with_tone = unicodedata.normalize("NFC", "".join(c + "\u0323" if c != " " else c for c in base))
    assert normalise(with_tone, ignore_tones=True) == normalise(base, ignore_tones=True)
    if base.strip():
        assert normalise(with_tone) != normalise(base)


def test_vowel_marks_still_count_when_tones_are_ignored():
    assert normalise("Pây lăng", ignore_tones=True) != normalise("pay lang", ignore_tones=True)
    assert normalise("  Slao   CẠ ", ignore_tones=True) == "slao ca"


@pytest.mark.parametrize(
    "text, value", [("3,5", 3.5), ("-2", -2), (" 1e3 ", 1000), ("nan", None), ("1,2,3", None)]
)
def test_numbers_as_people_type_them(text, value):
    assert parse_number(text) == value


def test_numeric_tolerance(course_tree):
    q = question(
        course_tree.course, "numeric", "Pi?", [{"text": "3.14", "is_correct": True}], tolerance=0.01
    )
    assert grade(q, {}, {"value": "3,149"}).fraction == 1.0
    assert grade(q, {}, {"value": "3.16"}).fraction == 0.0


def test_multiple_choice_partial_credit_never_goes_below_zero(course_tree):
    q: Question = question(
        course_tree.course,
        "multiple",
        "?",
        [{"text": "a", "is_correct": True}, {"text": "b", "is_correct": True}, {"text": "c"}],
        partial_credit=True,
    )
    a, b, c = (o.pk for o in q.options.order_by("sort_order"))
    assert grade(q, {}, {"options": [a]}).fraction == 0.5
    assert grade(q, {}, {"options": [a, b]}).fraction == 1.0
    assert grade(q, {}, {"options": [a, c]}).fraction == 0.0
    assert grade(q, {}, {"options": [c]}).fraction == 0.0
    q.partial_credit = False
    assert grade(q, {}, {"options": [a]}).fraction == 0.0


def test_ordering_and_matching_partial_credit(course_tree):
    ordering = question(
        course_tree.course,
        "ordering",
        "?",
        [{"text": "1"}, {"text": "2"}, {"text": "3"}],
        partial_credit=True,
    )
    ids = [o.pk for o in ordering.options.order_by("sort_order")]
    shown = {"o": [ids[2], ids[0], ids[1]]}
    assert grade(ordering, shown, {"order": [1, 2, 0]}).fraction == 1.0
    assert grade(ordering, shown, {"order": [1, 0, 2]}).fraction == pytest.approx(1 / 3)
