"""Builds course trees through the same page API an editor's publish goes through."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from cms.models import HomePage
from courses.models import (
    Activity,
    CataloguePage,
    CoursePage,
    LessonPage,
    ModulePage,
    ProgramPage,
)


@dataclass
class CourseTree:
    catalogue: CataloguePage
    program: ProgramPage
    course: CoursePage
    modules: list
    lessons: list
    activities: list


def publish_child(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def build_course(
    *, trainer=None, title="Tiếng Tày giao tiếp cơ bản", slug="tieng-tay", **course_fields
):
    home = HomePage.objects.get()
    catalogue = CataloguePage.objects.first() or publish_child(
        home, CataloguePage(title="Khóa học", slug="khoa-hoc")
    )
    program = ProgramPage.objects.filter(slug="tieng-dan-toc").first() or publish_child(
        catalogue, ProgramPage(title="Tiếng dân tộc", slug="tieng-dan-toc", track="ethnic_language")
    )
    fields = dict(summary="Chào hỏi và giao tiếp bằng tiếng Tày.", language="tyz", level="beginner")
    fields.update(course_fields)
    course = program.add_child(instance=CoursePage(title=title, slug=slug, **fields))
    if trainer is not None:
        course.trainers.add(trainer)
    course.save_revision().publish()
    modules, lessons = [], []
    for m in range(1, 3):
        module = publish_child(course, ModulePage(title=f"Học phần {m}", slug=f"hoc-phan-{m}"))
        modules.append(module)
        for n in range(1, 3):
            required = not (m == 2 and n == 2)
            lesson = publish_child(
                module,
                LessonPage(
                    title=f"Bài {m}.{n}",
                    slug=f"bai-{n}",
                    required=required,
                    body=[
                        {"type": "text", "value": f"<p>Nội dung bài {m}.{n}: Pây lăng?</p>"},
                        {
                            "type": "vocabulary",
                            "value": {"word": "Kin khẩu dá?", "meaning": "Ăn cơm chưa?"},
                        },
                    ],
                ),
            )
            lessons.append(lesson)
    activities = [Activity.objects.get(page_id=lesson.pk) for lesson in lessons]
    return CourseTree(catalogue, program, course, modules, lessons, activities)


def signup_data(unit, **extra) -> dict:
    """A sign-up form that passes, with ``extra`` fields changed."""
    data = {
        "username": "nong.ha",
        "full_name": "Nông Thị Hà",
        "email": "ha@example.vn",
        "password1": "Mat-khau-manh-2025",
        "password2": "Mat-khau-manh-2025",
        "category": "official",
        "sex": "female",
        "birth_year": "1990",
        "unit": str(unit.pk),
        "ethnic_consent": "no",
    }
    data.update(extra)
    return data


def served(learner, *activities, ago: timedelta = timedelta(hours=1)) -> None:
    """As if the learner enrolled and the server served them these activities ``ago``:
    the evidence that completion and time on task are measured against."""
    from courses.models import Enrolment
    from courses.services.progress import activity_opened

    then = timezone.now() - ago
    Enrolment.objects.filter(
        learner=learner, course_id__in={a.course_id for a in activities}
    ).update(enrolled_at=then)
    for activity in activities:
        activity_opened(learner=learner, activity_id=activity.pk, now=then)


def finished(learner, *activities) -> None:
    """The learner opened these activities a while ago and has now finished them."""
    import uuid

    from courses.models import Verb
    from courses.services.progress import EventIn, progress_events_ingest

    served(learner, *activities)
    progress_events_ingest(
        learner=learner,
        events=[EventIn(uuid.uuid4(), a.pk, Verb.COMPLETED, timezone.now()) for a in activities],
    )
