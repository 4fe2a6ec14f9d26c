"""GIFT and Moodle XML question banks read into dataclasses, problems reported by line."""

import unicodedata

import pytest

from assessments.importers import (
    MAX_GIFT_CHARS,
    MAX_QUESTIONS,
    MAX_XML_BYTES,
    ImportResult,
    ParsedQuestion,
    parse_gift,
    parse_moodle_xml,
)


def only_question(result: ImportResult) -> ParsedQuestion:
    assert result.problems == []
    assert len(result.questions) == 1
    return result.questions[0]


def gift_one(text: str) -> ParsedQuestion:
    return only_question(parse_gift(text))


def options(question: ParsedQuestion) -> list[tuple[str, float]]:
    return [(option.text, option.fraction) for option in question.options]


def problem_lines(result: ImportResult) -> list[int]:
    return [problem.line for problem in result.problems]


def only_problem(result: ImportResult) -> tuple[int, str]:
    assert result.questions == []
    assert len(result.problems) == 1
    return result.problems[0].line, result.problems[0].message


# --- GIFT: question types -------------------------------------------------------------


def test_gift_single_choice_with_title_feedback_and_general_feedback():
    question = gift_one(
        "::Thủ phủ::Thủ phủ của tỉnh Lạng Sơn là?"
        " {=Thành phố Lạng Sơn#Đúng rồi ~Cao Bằng#Chưa đúng ~Hà Nội ####Xem bài 1.}"
    )
    assert question.qtype == "single"
    assert question.title == "Thủ phủ"
    assert question.text == "Thủ phủ của tỉnh Lạng Sơn là?"
    assert options(question) == [("Thành phố Lạng Sơn", 1.0), ("Cao Bằng", 0.0), ("Hà Nội", 0.0)]
    assert [option.feedback for option in question.options] == ["Đúng rồi", "Chưa đúng", ""]
    assert question.general_feedback == "Xem bài 1."
    assert question.line == 1
    assert question.points == 1.0


def test_gift_multiple_choice_with_split_weights_gives_partial_credit():
    question = gift_one("Which are primes? {~%50%2 ~%50%3 ~%-100%4#Four is 2x2}")
    assert question.qtype == "multiple"
    assert question.partial_credit is True
    assert options(question) == [("2", 0.5), ("3", 0.5), ("4", -1.0)]
    assert question.options[2].feedback == "Four is 2x2"


def test_gift_multiple_choice_with_one_full_weight_is_all_or_nothing():
    question = gift_one("Pick the right one(s) {~%100%right ~%-50%wrong ~also wrong}")
    assert question.qtype == "multiple"
    assert question.partial_credit is False


def test_gift_thirds_count_as_a_full_mark():
    question = gift_one("Three of them {~%33.33333%a ~%33.33333%b ~%33.33333%c ~d}")
    assert question.qtype == "multiple"
    assert question.partial_credit is True


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("T", True), ("TRUE", True), ("F", False), ("FALSE", False), ("true", True)],
)
def test_gift_true_false_forms(answer: str, expected: bool):
    question = gift_one(f"The sun rises in the east. {{{answer}}}")
    assert question.qtype == "truefalse"
    assert question.true_false_answer is expected
    assert options(question) == [("True", float(expected)), ("False", float(not expected))]


def test_gift_true_false_feedback_first_for_wrong_then_for_right():
    question = gift_one("Lạng Sơn borders China. {TRUE#Look at the map again.#Yes, it does.}")
    true, false = question.options
    assert question.true_false_answer is True
    assert true.feedback == "Yes, it does."
    assert false.feedback == "Look at the map again."


def test_gift_false_answer_with_single_feedback_goes_to_the_wrong_choice():
    question = gift_one("Grant is buried in Grant's tomb. {F#No one is buried there.}")
    true, false = question.options
    assert question.true_false_answer is False
    assert true.feedback == "No one is buried there."
    assert false.feedback == ""


def test_gift_short_answer_with_several_accepted_answers():
    question = gift_one("Slao cạ, pây lăng? {=Pây lăng =pây lăng#Đúng =%50%lăng}")
    assert question.qtype == "short"
    assert question.ignore_case is True
    assert options(question) == [("Pây lăng", 1.0), ("pây lăng", 1.0), ("lăng", 0.5)]
    assert question.options[1].feedback == "Đúng"


def test_gift_short_answer_without_equals_sign():
    question = gift_one("Two plus two, in words? {four}")
    assert question.qtype == "short"
    assert options(question) == [("four", 1.0)]


def test_gift_matching_accepts_two_pairs_and_a_distractor():
    question = gift_one(
        "Match the districts. {=Tràng Định -> Thất Khê =Cao Lộc -> Đồng Đăng = -> Huế}"
    )
    assert question.qtype == "matching"
    assert [(option.text, option.match_text) for option in question.options] == [
        ("Tràng Định", "Thất Khê"),
        ("Cao Lộc", "Đồng Đăng"),
        ("", "Huế"),
    ]


def test_gift_numeric_with_tolerance():
    question = gift_one("Value of pi? {#3.14:0.01}")
    assert question.qtype == "numeric"
    assert question.tolerance == 0.01
    [option] = question.options
    assert (option.text, option.fraction, option.tolerance) == ("3.14", 1.0, 0.01)


def test_gift_numeric_range_becomes_middle_value_and_tolerance():
    question = gift_one("A number from one to five {#1..5}")
    [option] = question.options
    assert (option.text, option.tolerance) == ("3", 2.0)
    assert question.tolerance == 2.0


def test_gift_numeric_negative_range():
    question = gift_one("Winter night in Mẫu Sơn, degrees? {#-5..-1}")
    [option] = question.options
    assert (option.text, option.tolerance) == ("-3", 2.0)


def test_gift_numeric_with_several_answers_weights_and_feedback():
    question = gift_one(
        "When was Ulysses S. Grant born? {# =1822:0#Right =%50%1822:2#Close ~#Look it up}"
    )
    assert question.qtype == "numeric"
    assert [(o.text, o.fraction, o.tolerance, o.feedback) for o in question.options] == [
        ("1822", 1.0, 0.0, "Right"),
        ("1822", 0.5, 2.0, "Close"),
        ("*", 0.0, None, "Look it up"),
    ]
    assert question.tolerance == 0.0


def test_gift_missing_word_short_answer_becomes_blanks():
    question = gift_one("Người Tày gọi bài hát là {=then =Then} trong lễ hội.")
    assert question.qtype == "blanks"
    assert question.text == "Người Tày gọi bài hát là [[1]] trong lễ hội."
    assert [(o.text, o.blank) for o in question.options] == [("then", 1), ("Then", 1)]


def test_gift_missing_word_choice_becomes_single_with_a_gap():
    question = gift_one("Mount Mẫu Sơn is in {~Cao Bằng =Lạng Sơn ~Hà Giang} province.")
    assert question.qtype == "single"
    assert question.text == "Mount Mẫu Sơn is in _____ province."
    assert options(question) == [("Cao Bằng", 0.0), ("Lạng Sơn", 1.0), ("Hà Giang", 0.0)]


def test_gift_missing_word_at_the_start_of_the_text():
    question = gift_one("{=Hoa} is the girl's name.")
    assert question.qtype == "blanks"
    assert question.text == "[[1]] is the girl's name."


def test_gift_answers_over_several_lines():
    question = gift_one("::Q::\nWhat colour is the sky?\n{\n=blue\n~green\n~red\n}")
    assert question.text == "What colour is the sky?"
    assert options(question) == [("blue", 1.0), ("green", 0.0), ("red", 0.0)]


def test_gift_title_defaults_to_the_first_sixty_characters_of_the_text():
    text = "Trong các huyện sau đây, huyện nào có cửa khẩu quốc tế với Trung Quốc và chợ lớn?"
    question = gift_one(f"{text} {{=Cao Lộc ~Bắc Sơn}}")
    assert question.title == text[:60].rstrip()
    assert len(question.title) <= 60


# --- GIFT: syntax details -------------------------------------------------------------


def test_gift_comments_are_ignored_and_lines_still_count():
    result = parse_gift(
        "// Ngân hàng câu hỏi\n// tháng 5\n\n::A::1+1? {=2 ~3}\n\n// next one\n::B::2+2? {=4 ~5}\n"
    )
    assert [(q.title, q.line) for q in result.questions] == [("A", 4), ("B", 7)]


def test_gift_url_in_text_is_not_a_comment():
    question = gift_one("Open http://example.org/a//b and answer {=yes ~no}")
    assert question.text == "Open http://example.org/a//b and answer"


def test_gift_escapes():
    question = gift_one(
        r"::Title\: with colon::Which is written \{x\}, with \~, \= and \#? "
        r"{=a \= b#fine\# ~c\~d ~e\{f\}}"
    )
    assert question.title == "Title: with colon"
    assert question.text == "Which is written {x}, with ~, = and #?"
    assert options(question) == [("a = b", 1.0), ("c~d", 0.0), ("e{f}", 0.0)]
    assert question.options[0].feedback == "fine#"


def test_gift_backslash_n_is_a_line_break():
    question = gift_one(r"First line\nsecond line {=ok}")
    assert question.text == "First line\nsecond line"


def test_gift_html_marker_strips_tags_and_entities():
    question = gift_one(
        "::H::[html]<p>Chọn <b>đáp án</b> &amp; giải thích:<br>dòng hai</p>"
        "{=[html]<i>A</i>#<b>Đúng</b> ~B}"
    )
    assert question.text == "Chọn đáp án & giải thích:\ndòng hai"
    assert options(question) == [("A", 1.0), ("B", 0.0)]
    assert question.options[0].feedback == "Đúng"


@pytest.mark.parametrize("marker", ["[moodle]", "[plain]", "[markdown]"])
def test_gift_other_format_markers_are_removed_and_text_kept(marker: str):
    question = gift_one(f"::T::{marker}Some *text* here {{=yes ~no}}")
    assert question.text == "Some *text* here"


def test_gift_windows_line_endings():
    result = parse_gift("::A::One? {=1 ~2}\r\n\r\n::B::Two? {=2 ~3}\r\n")
    assert [(q.title, q.line) for q in result.questions] == [("A", 1), ("B", 3)]


def test_gift_decomposed_vietnamese_is_normalised():
    decomposed = unicodedata.normalize("NFD", "Pây lăng? {=Slao cạ}")
    question = gift_one(decomposed)
    assert question.text == "Pây lăng?"
    assert question.options[0].text == "Slao cạ"


def test_gift_categories_apply_to_the_questions_that_follow():
    result = parse_gift(
        "$CATEGORY: $course$/top/Lịch sử/Lạng Sơn\n\n"
        "::A::Q1 {=a ~b}\n\n"
        "$CATEGORY: $system$/Văn hoá Tày\n"
        "::B::Q2 {=a ~b}\n\n"
        "$CATEGORY: Địa lý/Sông\n\n"
        "::C::Q3 {T}\n"
    )
    assert [(q.title, q.category, q.line) for q in result.questions] == [
        ("A", "Lịch sử/Lạng Sơn", 3),
        ("B", "Văn hoá Tày", 6),
        ("C", "Địa lý/Sông", 10),
    ]


# --- GIFT: problems -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Essay question {}", "essay questions are not supported"),
        ("Unclosed {=a ~b", "unclosed '{'"),
        ("Closed only =a}", "'}' without a '{' before it"),
        ("::T::Just a sentence", "no answers"),
        ("Numeric without answers {#}", "the question has no answers"),
        ("Nothing right {~a ~b ~c}", "no correct answer"),
        ("Half right {=%50%a ~b}", "no correct answer"),
        ("Malformed {#abc}", "malformed numeric answer 'abc'"),
        ("Comma {#3,14}", "use '.' as the decimal separator"),
        ("Backwards {#5..1}", "minimum is above its maximum"),
        ("Too heavy {~%150%a ~b}", "answer 1 has a weight of 150%, outside -100..100"),
        ("Too light {=a ~%-120%b}", "answer 2 has a weight of -120%, outside -100..100"),
        ("Bad weight {~%5,5%a ~%94.5%b}", "answer 1 has a malformed weight '%5,5%'"),
        ("::T::[rtf]Text {=a}", "unknown format marker '[rtf]'"),
        ("Pairs {=a -> 1 =b -> 2 =c}", "matching pair 3 has no '->'"),
        ("One pair {=a -> 1}", "a matching question needs at least 2 pairs"),
        ("Empty answer {=a ~}", "answer 2 is empty"),
        ("Two blocks {=a} and {=b}", "more than one '{...}' answer block"),
        ("Nested {=a {b}}", "'{' inside the answers"),
        ("Sum {~%50%a ~%30%b ~c}", "add up to 80%, not 100%"),
        ("One choice {~%100%a}", "at least 2 answers"),
        ("::Unclosed title {=a}", "the title is not closed with '::'"),
        ("::T::{=a ~b}", "the question has no text"),
    ],
)
def test_gift_problems_are_reported_with_the_question_line(text: str, message: str):
    line, reported = only_problem(parse_gift(f"// header\n\n{text}\n"))
    assert line == 3
    assert reported.startswith("question 1")
    assert message in reported


def test_gift_problem_names_the_question_by_number_and_title():
    result = parse_gift("::A::ok {=a ~b}\n\n::B::ok {=a ~b}\n\n::Broken::bad {=a ~b")
    assert [problem.message for problem in result.problems] == [
        "question 3 (\"Broken\"): unclosed '{'"
    ]


def test_gift_one_broken_question_does_not_stop_the_others():
    result = parse_gift(
        "$CATEGORY: Kiểm tra\n"
        "\n"
        "::Một::Slao cạ? {=Pây lăng ~Ở nhà}\n"
        "\n"
        "::Hai::Broken numeric {#ba}\n"
        "\n"
        "// the third one\n"
        "::Ba::Lạng Sơn is a province. {T}\n"
        "\n"
        "::Bốn::No right answer {~x ~y}\n"
        "\n"
        "::Năm::What is 2+3? {#5}\n"
    )
    assert [q.title for q in result.questions] == ["Một", "Ba", "Năm"]
    assert [q.line for q in result.questions] == [3, 8, 12]
    assert {q.category for q in result.questions} == {"Kiểm tra"}
    assert problem_lines(result) == [5, 10]
    assert result.problems[0].message.startswith('question 2 ("Hai"): ')
    assert result.problems[1].message.startswith('question 4 ("Bốn"): no correct answer')


def test_gift_an_unclosed_brace_across_a_blank_line_reports_both_halves():
    result = parse_gift("Q {\n=a\n\n~b}\n\nGood {=x ~y}")
    assert problem_lines(result) == [1, 4]
    assert [q.title for q in result.questions] == ["Good"]


def test_gift_too_long_text_is_refused():
    line, message = only_problem(parse_gift("x" * (MAX_GIFT_CHARS + 1)))
    assert line == 0
    assert "at most 2000000" in message


def test_gift_too_many_questions_are_refused():
    text = "\n\n".join(f"Q{n} {{=a ~b}}" for n in range(MAX_QUESTIONS + 1))
    line, message = only_problem(parse_gift(text))
    assert line == 0
    assert "2001 questions" in message


def test_gift_empty_text_gives_nothing():
    assert parse_gift("\n// only a comment\n\n") == ImportResult([], [])


# --- Moodle XML -----------------------------------------------------------------------


def quiz(*questions: str) -> bytes:
    body = "\n".join(questions)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}\n</quiz>\n'.encode()


def xml_question(qtype: str, inner: str, name: str = "Q", text: str = "Question?") -> str:
    return (
        f'<question type="{qtype}">\n'
        f"<name><text>{name}</text></name>\n"
        f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>\n'
        f"{inner}\n"
        "</question>"
    )


def xml_one(qtype: str, inner: str, **kwargs: str) -> ParsedQuestion:
    return only_question(parse_moodle_xml(quiz(xml_question(qtype, inner, **kwargs))))


def answer(fraction: str, text: str, feedback: str = "") -> str:
    return (
        f'<answer fraction="{fraction}" format="html"><text>{text}</text>'
        f'<feedback format="html"><text>{feedback}</text></feedback></answer>'
    )


def test_xml_single_choice_with_html_grade_and_feedback():
    question = xml_one(
        "multichoice",
        '<generalfeedback format="html"><text>&lt;p&gt;Xem bài 2&lt;/p&gt;</text>'
        "</generalfeedback><defaultgrade>2.5000000</defaultgrade><single>true</single>"
        + answer("100", "Đồng Đăng", "&lt;b&gt;Đúng&lt;/b&gt;")
        + answer("0", "Huế", "Sai"),
        name="Cửa khẩu",
        text="<p>Cửa khẩu nào ở&nbsp;<b>Lạng Sơn</b>?</p><p>Chọn một.</p>",
    )
    assert question.qtype == "single"
    assert question.title == "Cửa khẩu"
    assert question.text == "Cửa khẩu nào ở Lạng Sơn?\nChọn một."
    assert options(question) == [("Đồng Đăng", 1.0), ("Huế", 0.0)]
    assert [option.feedback for option in question.options] == ["Đúng", "Sai"]
    assert question.general_feedback == "Xem bài 2"
    assert question.points == 2.5


def test_xml_multiple_choice_with_partial_fractions():
    question = xml_one(
        "multichoice",
        "<single>false</single>" + answer("50", "A") + answer("50", "B") + answer("-100", "C"),
    )
    assert question.qtype == "multiple"
    assert question.partial_credit is True
    assert options(question) == [("A", 0.5), ("B", 0.5), ("C", -1.0)]


def test_xml_true_false():
    question = xml_one(
        "truefalse",
        answer("0", "true", "Not so") + answer("100", "false", "Right"),
    )
    assert question.qtype == "truefalse"
    assert question.true_false_answer is False
    assert [(o.text, o.fraction, o.feedback) for o in question.options] == [
        ("True", 0.0, "Not so"),
        ("False", 1.0, "Right"),
    ]


@pytest.mark.parametrize(("usecase", "ignore_case"), [("0", True), ("1", False)])
def test_xml_short_answer_and_case(usecase: str, ignore_case: bool):
    question = xml_one(
        "shortanswer",
        f"<usecase>{usecase}</usecase>" + answer("100", "Pây lăng", "Đúng") + answer("50", "lăng"),
        text="Slao cạ?",
    )
    assert question.qtype == "short"
    assert question.ignore_case is ignore_case
    assert options(question) == [("Pây lăng", 1.0), ("lăng", 0.5)]
    assert question.options[0].feedback == "Đúng"


def test_xml_numerical_with_tolerances():
    question = xml_one(
        "numerical",
        '<answer fraction="100"><text>3.14</text><tolerance>0.01</tolerance>'
        "<feedback><text>Good</text></feedback></answer>"
        '<answer fraction="50"><text>3</text><tolerance>0.5</tolerance></answer>'
        '<answer fraction="0"><text>*</text><feedback><text>No</text></feedback></answer>',
    )
    assert question.qtype == "numeric"
    assert question.tolerance == 0.01
    assert [(o.text, o.fraction, o.tolerance, o.feedback) for o in question.options] == [
        ("3.14", 1.0, 0.01, "Good"),
        ("3", 0.5, 0.5, ""),
        ("*", 0.0, None, "No"),
    ]


def test_xml_matching():
    question = xml_one(
        "matching",
        '<subquestion format="html"><text>&lt;p&gt;Tràng Định&lt;/p&gt;</text>'
        "<answer><text>Thất Khê</text></answer></subquestion>"
        '<subquestion format="html"><text>Cao Lộc</text>'
        "<answer><text>Đồng Đăng</text></answer></subquestion>"
        '<subquestion format="html"><text></text><answer><text>Huế</text></answer></subquestion>',
    )
    assert question.qtype == "matching"
    assert [(o.text, o.match_text) for o in question.options] == [
        ("Tràng Định", "Thất Khê"),
        ("Cao Lộc", "Đồng Đăng"),
        ("", "Huế"),
    ]


def test_xml_ordering_follows_the_stored_positions():
    question = xml_one(
        "ordering",
        "<layouttype>VERTICAL</layouttype>"
        '<answer fraction="2.0000000" format="html"><text>Harrow</text></answer>'
        '<answer fraction="1.0000000" format="html"><text>Plough</text></answer>'
        '<answer fraction="3.0000000" format="html"><text>Sow</text></answer>',
    )
    assert question.qtype == "ordering"
    assert [option.text for option in question.options] == ["Plough", "Harrow", "Sow"]


def test_xml_categories_descriptions_and_line_numbers():
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'  # 1
        b"<quiz>\n"  # 2
        b"<!-- <question type='essay'> in a comment -->\n"  # 3
        b'<question type="category">\n'  # 4
        b"<category><text>$course$/top/Default for LS/V\xc4\x83n ho\xc3\xa1</text></category>\n"
        b"</question>\n"  # 6
        b'<question type="description">\n'  # 7
        b"<name><text>Intro</text></name>\n"
        b'<questiontext format="html"><text>Read this.</text></questiontext>\n'
        b"</question>\n"  # 10
        b'<question type="shortanswer">\n'  # 11
        b"<name><text>S</text></name>\n"
        b'<questiontext format="html"><text><![CDATA[<question type="x"> tag?]]></text>'
        b"</questiontext>\n"
        b'<answer fraction="100"><text>yes</text></answer>\n'
        b"</question>\n"  # 15
        b'<question type="truefalse">\n'  # 16
        b'<questiontext format="html"><text>Sky is blue.</text></questiontext>\n'
        b'<answer fraction="100"><text>true</text></answer>\n'
        b'<answer fraction="0"><text>false</text></answer>\n'
        b"</question>\n"
        b"</quiz>\n"
    )
    result = parse_moodle_xml(data)
    assert result.problems == []
    assert [(q.qtype, q.line, q.category) for q in result.questions] == [
        ("short", 11, "Default for LS/Văn hoá"),
        ("truefalse", 16, "Default for LS/Văn hoá"),
    ]
    assert result.questions[0].text == "tag?"
    assert result.questions[1].title == "Sky is blue."


@pytest.mark.parametrize(
    ("qtype", "message"),
    [
        ("essay", "essay questions are not supported"),
        ("multianswer", "cloze (embedded answers) questions are not supported"),
        ("gapselect", "select missing words questions are not supported"),
        ("ddwtos", "drag and drop into text questions are not supported"),
        ("hotspot", "unknown question type 'hotspot'"),
    ],
)
def test_xml_unsupported_and_unknown_types_are_reported(qtype: str, message: str):
    data = quiz(xml_question("multichoice", answer("100", "a") + answer("0", "b")))
    data = data.replace(b"</quiz>", xml_question(qtype, "", name="Bad").encode() + b"\n</quiz>")
    result = parse_moodle_xml(data)
    assert len(result.questions) == 1
    [problem] = result.problems
    assert problem.line == 8
    assert problem.message.startswith('question 2 ("Bad"): ')
    assert message in problem.message


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        ("<single>true</single>", "the question has no answers"),
        (answer("0", "a") + answer("50", "b"), "no correct answer"),
        (answer("full", "a") + answer("0", "b"), "answer 1 has a non-numeric fraction 'full'"),
        (answer("100", "a") + answer("150", "b"), "answer 2 has a weight of 150%"),
        (answer("100", "a"), "at least 2 answers"),
        (
            "<defaultgrade>one</defaultgrade>" + answer("100", "a") + answer("0", "b"),
            "the default grade 'one' is not a positive number",
        ),
    ],
)
def test_xml_multichoice_problems(inner: str, message: str):
    line, reported = only_problem(parse_moodle_xml(quiz(xml_question("multichoice", inner))))
    assert line == 3
    assert message in reported


def test_xml_missing_questiontext():
    data = quiz(
        '<question type="shortanswer"><answer fraction="100"><text>a</text></answer></question>'
    )
    line, message = only_problem(parse_moodle_xml(data))
    assert line == 3
    assert message == "question 1: missing <questiontext>"


@pytest.mark.parametrize(
    ("qtype", "inner", "message"),
    [
        ("truefalse", answer("0", "true") + answer("0", "false"), "no correct answer"),
        ("shortanswer", answer("50", "almost"), "no correct answer"),
        ("numerical", '<answer fraction="100"><text>ba</text></answer>', "malformed numeric"),
        (
            "matching",
            "<subquestion><text>a</text><answer><text>1</text></answer></subquestion>",
            "at least 2 pairs",
        ),
        ("ordering", '<answer fraction="1"><text>only</text></answer>', "at least 2 items"),
    ],
)
def test_xml_problems_by_type(qtype: str, inner: str, message: str):
    line, reported = only_problem(parse_moodle_xml(quiz(xml_question(qtype, inner))))
    assert line == 3
    assert message in reported


def test_xml_one_broken_question_does_not_stop_the_others():
    data = quiz(
        xml_question("shortanswer", answer("100", "a"), name="One"),
        xml_question("shortanswer", answer("x", "a"), name="Two"),
        xml_question("shortanswer", answer("100", "c"), name="Three"),
    )
    result = parse_moodle_xml(data)
    assert [q.title for q in result.questions] == ["One", "Three"]
    assert [q.line for q in result.questions] == [3, 13]
    assert problem_lines(result) == [8]
    assert result.problems[0].message.startswith('question 2 ("Two"): ')


def test_xml_billion_laughs_is_refused_without_expansion():
    data = (
        b'<?xml version="1.0"?>\n'
        b"<!DOCTYPE quiz [\n"
        b' <!ENTITY lol "lol">\n'
        b' <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
        b' <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">\n'
        b' <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
        b"]>\n"
        b'<quiz><question type="shortanswer"><questiontext><text>&lol3;</text>'
        b'</questiontext><answer fraction="100"><text>&lol3;</text></answer></question></quiz>\n'
    )
    line, message = only_problem(parse_moodle_xml(data))
    assert line == 3
    assert message == "line 3: entity declarations are not allowed"


def test_xml_external_entity_is_refused_without_reading_the_file():
    data = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<quiz><question type="shortanswer"><questiontext><text>&x;</text>'
        b'</questiontext><answer fraction="100"><text>a</text></answer></question></quiz>\n'
    )
    line, message = only_problem(parse_moodle_xml(data))
    assert line == 2
    assert "entity declarations are not allowed" in message
    assert "root:" not in message


def test_xml_not_well_formed_is_reported_with_its_line():
    data = quiz(xml_question("shortanswer", answer("100", "a"))).replace(b"</name>", b"</nmae>")
    line, message = only_problem(parse_moodle_xml(data))
    assert line == 4
    assert message.startswith("line 4: the XML is not well formed: mismatched tag")


def test_xml_empty_or_foreign_documents():
    assert only_problem(parse_moodle_xml(b""))[1].startswith("line 1: the XML is not well formed")
    line, message = only_problem(parse_moodle_xml(b"<html><body>hi</body></html>"))
    assert "not <quiz>" in message


def test_xml_too_large_is_refused():
    line, message = only_problem(parse_moodle_xml(b" " * (MAX_XML_BYTES + 1)))
    assert line == 0
    assert "at most" in message


def test_xml_too_many_questions_are_refused():
    question = xml_question("truefalse", answer("100", "true") + answer("0", "false"))
    line, message = only_problem(parse_moodle_xml(quiz(*[question] * (MAX_QUESTIONS + 1))))
    assert line == 0
    assert "2001 questions" in message
