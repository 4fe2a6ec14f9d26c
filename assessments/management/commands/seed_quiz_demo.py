"""Demo quizzes for the demo courses: a Tày greeting quiz and a phishing quiz.

Safe to run again: a demo quiz that exists is left as it is.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from assessments.models import Question, QuestionCategory, QuestionOption, Quiz, QuizSlot
from courses.models import CoursePage, ModulePage

QUIZZES = [
    {
        "course": "tieng-tay-giao-tiep-co-ban",
        "title": "Kiểm tra: chào hỏi bằng tiếng Tày",
        "intro": "Năm câu về những lời chào đã học. Làm trong 10 phút; đạt từ 70 %.",
        "time_limit_minutes": 10,
        "attempts_allowed": 3,
        "category": "Chào hỏi",
        "questions": [
            {
                "qtype": "single",
                "text": "“Pây lăng?” nghĩa là gì?",
                "options": [
                    {"text": "Đi đâu?", "is_correct": True, "feedback": "Đúng: “pây” là đi."},
                    {"text": "Ăn cơm chưa?", "feedback": "Đó là “Kin khẩu dá?”."},
                    {"text": "Khỏe không?"},
                ],
            },
            {
                "qtype": "truefalse",
                "text": "“Kin khẩu” nghĩa là ăn cơm.",
                "true_false_answer": True,
            },
            {
                "qtype": "short",
                "text": "Viết lời chào “xin chào” bằng tiếng Tày.",
                "ignore_tones": True,
                "options": [{"text": "Slao cạ", "is_correct": True}],
            },
            {
                "qtype": "matching",
                "text": "Ghép từ tiếng Tày với nghĩa.",
                "partial_credit": True,
                "options": [
                    {"text": "Kin", "match_text": "Ăn"},
                    {"text": "Pây", "match_text": "Đi"},
                    {"text": "Nòn", "match_text": "Ngủ"},
                ],
            },
            {
                "qtype": "blanks",
                "text": "Hoàn thành câu hỏi thăm: Pây [[1]]?",
                "options": [{"text": "lăng", "blank": 1, "is_correct": True}],
            },
        ],
    },
    {
        "course": "an-toan-thong-tin-can-bo-co-so",
        "title": "Kiểm tra: nhận biết tin nhắn lừa đảo",
        "intro": "Bốn câu. Đạt từ 75 %.",
        "time_limit_minutes": None,
        "attempts_allowed": 0,
        "pass_percent": 75,
        "category": "Lừa đảo trực tuyến",
        "questions": [
            {
                "qtype": "multiple",
                "text": "Dấu hiệu nào cho thấy một tin nhắn có thể là lừa đảo?",
                "partial_credit": True,
                "options": [
                    {"text": "Đòi mã OTP", "is_correct": True},
                    {"text": "Thúc giục làm ngay kẻo mất tiền", "is_correct": True},
                    {"text": "Đường link lạ, sai tên miền cơ quan", "is_correct": True},
                    {"text": "Gửi từ số điện thoại của người thân đã lưu"},
                ],
            },
            {
                "qtype": "truefalse",
                "text": "Cán bộ ngân hàng có thể hỏi mã OTP qua điện thoại.",
                "true_false_answer": False,
            },
            {
                "qtype": "ordering",
                "text": "Xếp các việc cần làm khi lỡ bấm vào đường link lạ.",
                "options": [
                    {"text": "Ngắt mạng điện thoại"},
                    {"text": "Đổi mật khẩu tài khoản"},
                    {"text": "Báo cho ngân hàng và công an xã"},
                ],
            },
            {
                "qtype": "numeric",
                "text": "Số điện thoại đường dây nóng chống lừa đảo của Bộ Công an có mấy chữ số?",
                "options": [{"text": "3", "is_correct": True}],
            },
        ],
    },
]


class Command(BaseCommand):
    help = "Add the demo quizzes to the demo courses (run after seed_demo)."

    def handle(self, *args, **options):
        made = 0
        for spec in QUIZZES:
            course = CoursePage.objects.filter(slug=spec["course"]).first()
            if course is None or Quiz.objects.filter(course=course, title=spec["title"]).exists():
                continue
            with transaction.atomic():
                self._quiz(course, spec)
            made += 1
        self.stdout.write(f"Demo quizzes added: {made}")

    def _quiz(self, course: CoursePage, spec: dict) -> None:
        category, _ = QuestionCategory.objects.get_or_create(course=course, name=spec["category"])
        modules = ModulePage.objects.child_of(course).live().order_by("path")
        quiz = Quiz.objects.create(
            course=course,
            module=modules.last(),
            title=spec["title"],
            intro=spec["intro"],
            published=True,
            time_limit_minutes=spec["time_limit_minutes"],
            attempts_allowed=spec["attempts_allowed"],
            pass_percent=spec.get("pass_percent", 70),
        )
        for order, fields in enumerate(spec["questions"]):
            fields = dict(fields)
            options = fields.pop("options", [])
            question = Question.objects.create(
                course=course, category=category, title=fields["text"][:60], **fields
            )
            for position, option in enumerate(options):
                QuestionOption.objects.create(question=question, sort_order=position, **option)
            QuizSlot.objects.create(quiz=quiz, question=question, sort_order=order)
