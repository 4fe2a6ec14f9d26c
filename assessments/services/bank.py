"""Questions imported from the banks trainers already have (Moodle GIFT or Moodle XML):
all of a file, or nothing."""

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.importers import ImportResult, ParsedQuestion, parse_gift, parse_moodle_xml
from assessments.models import Question, QuestionCategory, QuestionOption
from assessments.selectors.pools import bank_changed
from courses.models import CoursePage
from courses.selectors.staff import courses_taught_by
from lms.errors import NotAvailable, ServiceError

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# The longest texts the bank's fields hold.
MAX_TITLE, MAX_OPTION, MAX_CATEGORY = 255, 500, 120


def _parse(data: bytes, filename: str) -> ImportResult:
    if filename.lower().endswith(".xml") or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return parse_moodle_xml(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError(
            _("Tệp GIFT phải là văn bản UTF-8 (Moodle xuất ra như vậy)."), code="encoding"
        ) from None
    return parse_gift(text)


def _too_long(question: ParsedQuestion) -> list[str]:
    problems = []
    if len(question.category) > MAX_CATEGORY:
        problems.append(_("tên nhóm dài quá %(n)d ký tự") % {"n": MAX_CATEGORY})
    for option in question.options:
        if max(len(option.text), len(option.match_text), len(option.feedback)) > MAX_OPTION:
            problems.append(_("một phương án dài quá %(n)d ký tự") % {"n": MAX_OPTION})
            break
    return problems


def questions_import(*, by, course: CoursePage, data: bytes, filename: str = "") -> list[Question]:
    """Create the questions of a GIFT or Moodle-XML file in ``course``'s bank.

    Every question that cannot be imported is reported with its line, and then nothing
    is imported: a bank half brought over is worse than none.
    """
    if not courses_taught_by(by).filter(pk=course.pk).exists():
        raise NotAvailable(_("Không tìm thấy khóa học."))
    if not data.strip():
        raise ServiceError(_("Tệp rỗng."), code="empty")
    if len(data) > MAX_IMPORT_BYTES:
        raise ServiceError(_("Tệp quá lớn (tối đa 5 MB)."), code="too_large")
    parsed = _parse(data, filename)
    details = [
        _("Dòng %(line)d: %(message)s") % {"line": p.line, "message": p.message}
        for p in parsed.problems
    ]
    for question in parsed.questions:
        details += [
            _("Dòng %(line)d: %(message)s") % {"line": question.line, "message": problem}
            for problem in _too_long(question)
        ]
    if details:
        raise ServiceError(
            _("Không nhập câu hỏi nào: %(n)d chỗ cần sửa trong tệp.") % {"n": len(details)},
            code="import",
            details=details,
        )
    if not parsed.questions:
        raise ServiceError(_("Tệp không có câu hỏi nào."), code="empty")
    with transaction.atomic():
        categories: dict[str, QuestionCategory] = {}
        created = [_create(course, q, categories) for q in parsed.questions]
        # Options are written in bulk, without signals: new attempts must see them.
        transaction.on_commit(lambda: bank_changed(course.pk))
    return created


def _create(course, parsed: ParsedQuestion, categories: dict) -> Question:
    category = None
    if parsed.category:
        category = categories.get(parsed.category)
        if category is None:
            category, _made = QuestionCategory.objects.get_or_create(
                course=course, name=parsed.category
            )
            categories[parsed.category] = category
    numeric_tolerances = [o.tolerance for o in parsed.options if o.tolerance is not None]
    question = Question.objects.create(
        course=course,
        category=category,
        qtype=parsed.qtype,
        title=parsed.title[:MAX_TITLE],
        text=parsed.text,
        points=parsed.points,
        partial_credit=parsed.partial_credit,
        tolerance=max([parsed.tolerance, *numeric_tolerances]),
        true_false_answer=parsed.true_false_answer,
        general_feedback=parsed.general_feedback,
    )
    QuestionOption.objects.bulk_create(
        [
            QuestionOption(
                question=question,
                sort_order=order,
                text=option.text,
                match_text=option.match_text,
                is_correct=option.fraction > 0,
                credit=None if option.fraction in (0, 1) else round(option.fraction * 100),
                blank=option.blank,
                feedback=option.feedback,
            )
            # "Any other answer" of a numeric question has no counterpart here.
            for order, option in enumerate(o for o in parsed.options if o.text != "*")
        ]
    )
    return question
