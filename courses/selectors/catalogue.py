"""The catalogue: published courses, searched and filtered."""

from django.core.paginator import Paginator
from wagtail.query import PageQuerySet

from lms.text import fold, search_query

from ..models import (
    CoursePage,
    Language,
    Level,
    ProgramPage,
)

CATALOGUE_PAGE_SIZE = 12


def published_courses() -> PageQuerySet:
    return CoursePage.objects.live().public()


def catalogue_search(params) -> dict:
    """Courses matching the catalogue's query and filters, ignoring case and diacritics."""
    query = search_query(params.get("q"))
    courses = published_courses().order_by("title")
    folded = fold(query)
    for word in folded.split():
        courses = courses.filter(search_key__contains=word)
    program = params.get("program") or ""
    programs = list(
        ProgramPage.objects.live().public().order_by("path").only("id", "title", "track")
    )
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if program.isdecimal():
        selected = next((p for p in programs if p.pk == int(program)), None)
        courses = courses.descendant_of(selected) if selected else courses.none()
    language = params.get("language") or ""
    if language in Language.values:
        courses = courses.filter(language=language)
    level = params.get("level") or ""
    if level in Level.values:
        courses = courses.filter(level=level)
    page = Paginator(courses, CATALOGUE_PAGE_SIZE).get_page(params.get("page"))
    # Only languages a course is taught in: choosing any other could only find nothing.
    taught = set(published_courses().order_by().values_list("language", flat=True).distinct())
    return {
        "q": query,
        "page_obj": page,
        "courses": page.object_list,
        "programs": programs,
        "languages": [(code, name) for code, name in Language.choices if code in taught],
        "levels": Level.choices,
        "selected": {"program": program, "language": language, "level": level},
        "filtered": bool(query or program or language or level),
    }
