"""A small bank and quiz for the tests: one question of every auto-graded type."""

from assessments.models import Question, QuestionCategory, QuestionOption, Quiz, QuizSlot


def question(course, qtype, text, options=(), **fields) -> Question:
    made = Question.objects.create(
        course=course, qtype=qtype, title=fields.pop("title", text[:60]), text=text, **fields
    )
    for order, option in enumerate(options):
        QuestionOption.objects.create(question=made, sort_order=order, **option)
    return made


def bank(course) -> dict[str, Question]:
    """One question per auto-graded type, answers in Tày and Vietnamese."""
    category = QuestionCategory.objects.create(course=course, name="Chào hỏi")
    return {
        "single": question(
            course,
            "single",
            "“Pây lăng?” nghĩa là gì?",
            [
                {"text": "Đi đâu?", "is_correct": True, "feedback": "Đúng rồi."},
                {"text": "Ăn cơm chưa?", "feedback": "Đó là “Kin khẩu dá?”."},
                {"text": "Khỏe không?"},
            ],
            category=category,
        ),
        "multiple": question(
            course,
            "multiple",
            "Những câu nào là lời chào?",
            [
                {"text": "Slao cạ", "is_correct": True},
                {"text": "Pây lăng?", "is_correct": True},
                {"text": "Mì", "is_correct": False},
            ],
            partial_credit=True,
            category=category,
        ),
        "truefalse": question(
            course, "truefalse", "“Kin khẩu” nghĩa là ăn cơm.", true_false_answer=True
        ),
        "short": question(
            course,
            "short",
            "Viết lời chào bằng tiếng Tày.",
            [{"text": "Slao cạ", "is_correct": True}],
            ignore_tones=True,
        ),
        "numeric": question(
            course,
            "numeric",
            "Lạng Sơn có bao nhiêu xã, phường?",
            [{"text": "65", "is_correct": True}],
        ),
        "matching": question(
            course,
            "matching",
            "Ghép từ với nghĩa.",
            [
                {"text": "Kin", "match_text": "Ăn"},
                {"text": "Pây", "match_text": "Đi"},
                {"text": "Nòn", "match_text": "Ngủ"},
            ],
        ),
        "ordering": question(
            course,
            "ordering",
            "Xếp theo thứ tự trong ngày.",
            [{"text": "Sáng"}, {"text": "Trưa"}, {"text": "Tối"}],
        ),
        "blanks": question(
            course,
            "blanks",
            "Slao [[1]]! Pây [[2]]?",
            [
                {"text": "cạ", "blank": 1, "is_correct": True},
                {"text": "lăng", "blank": 2, "is_correct": True},
            ],
        ),
    }


def make_quiz(course, questions, **fields) -> Quiz:
    quiz = Quiz(course=course, title=fields.pop("title", "Kiểm tra chào hỏi"), **fields)
    quiz.published = fields.get("published", True)
    quiz.save()
    for order, q in enumerate(questions):
        QuizSlot.objects.create(quiz=quiz, question=q, sort_order=order)
    return quiz
