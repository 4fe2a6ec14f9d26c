"""A trainer acts only inside the courses they teach, on every screen Wagtail has.

The routes and bulk actions are taken from Wagtail's own URL patterns and bulk-action
registry, so a screen a Wagtail upgrade adds is tried here without anyone listing it.
Each is tried as GET and as a POST that would do the job if it were allowed; a refusal
is Wagtail's own ("permission denied": back to the dashboard, or 403/404), and nothing
in the page tree may have changed.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.admin.urls import pages as page_urls
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.models import (
    GroupPagePermission,
    Page,
    PageViewRestriction,
    Revision,
)

from courses.models import CoursePage, CourseWorkspace, LessonPage
from courses.services.enrolment import enrolment_create
from lms.roles import TRAINERS_GROUP
from tests.factories import build_course

ADMIN_HOME = "/admin/"
PAGE_ID_KWARGS = {"page_id", "page_to_move_id", "pk", "parent_page_id"}
ROUTES_WITHOUT_A_PAGE = {
    "search",
    "search_results",
    "type_use",
    "type_use_results",
    "choose_parent",
}
PAGE_ROUTES = sorted(
    pattern.name
    for pattern in page_urls.urlpatterns
    if PAGE_ID_KWARGS & set(pattern.pattern.regex.groupindex)
)
BULK_ACTIONS = sorted(
    action.action_type
    for action in bulk_action_registry.get_bulk_actions_for_model("wagtailcore", "page")
)
# Where the foreign page sits: the other trainer's lesson, module and course, and the
# catalogue and program above everybody's courses.
FOREIGN_TARGETS = ["lesson", "module", "course", "program", "catalogue"]


@pytest.fixture
def courses(trainer, make_trainer):
    mine = build_course(trainer=trainer)
    other = build_course(title="Khóa của người khác", slug="khac", trainer=make_trainer("rival"))
    for tree in (mine, other):
        # A pending draft, and a revision scheduled to go live (which locks its page, so
        # it is on a page of its own), for the revision screens.
        tree.lessons[0].title = "Bản nháp"
        tree.lessons[0].save_revision()
        tree.lessons[3].save_revision(approved_go_live_at=timezone.now() + timedelta(days=7))
    return mine, other


def _target(tree, name: str) -> Page:
    return {
        "lesson": tree.lessons[0],
        "module": tree.modules[0],
        "course": tree.course,
        "program": tree.program,
        "catalogue": tree.catalogue,
    }[name]


def tree_state() -> dict:
    """Everything an action on pages could change."""
    return {
        "pages": sorted(
            Page.objects.values_list(
                "pk",
                "path",
                "live",
                "has_unpublished_changes",
                "locked",
                "title",
                "url_path",
                "latest_revision_id",
                "live_revision_id",
                "alias_of_id",
            )
        ),
        "revisions": sorted(
            Revision.page_revisions.values_list("pk", "object_id", "approved_go_live_at")
        ),
        "restrictions": PageViewRestriction.objects.count(),
        "permissions": GroupPagePermission.objects.count(),
    }


def _subpage_type(page: Page):
    # A lesson takes no subpages: ask for one anyway.
    model = ([*page.specific_class.allowed_subpage_models(), LessonPage])[0]
    return model._meta.app_label, model._meta.model_name


def _destination(page: Page, tree) -> Page:
    """A page of ``tree`` that could hold ``page`` (for moves and copies)."""
    return {
        LessonPage: tree.modules[1],
        CoursePage: tree.program,
    }.get(page.specific_class, tree.course)


def route_kwargs(name: str, page: Page, destination: Page) -> dict:
    pattern = next(p for p in page_urls.urlpatterns if p.name == name)
    revision = Revision.page_revisions.filter(object_id=str(page.pk)).order_by("-pk").first()
    values = {}
    for kwarg in pattern.pattern.regex.groupindex:
        if kwarg in PAGE_ID_KWARGS:
            values[kwarg] = page.pk
        elif kwarg == "content_type_app_name":
            values[kwarg] = _subpage_type(page)[0]
        elif kwarg == "content_type_model_name":
            values[kwarg] = _subpage_type(page)[1]
        elif kwarg == "revision_id":
            values[kwarg] = revision.pk
        elif kwarg == "revision_id_a":
            values[kwarg] = "earliest"
        elif kwarg == "revision_id_b":
            values[kwarg] = "latest"
        elif kwarg == "destination_id":
            values[kwarg] = destination.pk
        elif kwarg == "action_name":
            values[kwarg] = "approve"
        else:  # workflow and task ids: workflows are off, any number will do
            values[kwarg] = 1
    return values


def post_data(name: str, page: Page, destination: Page) -> dict:
    """What the form of ``name`` would need to do its job."""
    if name == "copy":
        return {
            "new_title": "Bản sao",
            "new_slug": "ban-sao",
            "new_parent_page": destination.pk,
            "copy_subpages": "on",
            "publish_copies": "on",
        }
    return {
        "unpublish": {"include_descendants": "on"},
        "set_privacy": {"restriction_type": "password", "password": "mat-khau-moi"},
        "edit": {"title": "Đổi tên", "slug": page.slug, "action-publish": "action-publish"},
        "add": {"title": "Trang mới", "slug": "trang-moi", "action-publish": "action-publish"},
    }.get(name, {})


def refused(response) -> bool:
    """Wagtail's "permission denied" (back to the dashboard), 403 or 404; followed
    redirects (a revision list goes to the history, say) must end there too."""
    if response.status_code in (403, 404):
        return True
    if response.status_code == 302:
        return response["Location"] == ADMIN_HOME
    chain = getattr(response, "redirect_chain", [])
    return bool(chain) and chain[-1][0] == ADMIN_HOME


def refused_or_not_allowed(response) -> bool:
    # A view that acts on POST only (or shows on GET only) refuses the other method.
    return response.status_code == 405 or refused(response)


# Answers the same fixed "nothing to confirm" for any page without reading or changing it
# (workflows are off); checked below to say nothing about the page.
WORKFLOW_NO_OP = "confirm_workflow_cancellation"


def url_for(name: str, page: Page, destination: Page) -> str:
    from django.urls import reverse

    url = reverse(f"wagtailadmin_pages:{name}", kwargs=route_kwargs(name, page, destination))
    # Reordering takes the new position from the query string.
    return url + "?position=1" if name == "set_page_position" else url


def test_every_page_route_of_wagtail_is_tried():
    assert {"edit", "delete", "copy", "move_confirm", "unpublish", "set_privacy"} <= set(
        PAGE_ROUTES
    )
    assert {"set_page_position", "view_draft", "revisions_compare", "history"} <= set(PAGE_ROUTES)
    assert not ROUTES_WITHOUT_A_PAGE & set(PAGE_ROUTES)
    assert {"delete", "move", "publish", "unpublish"} <= set(BULK_ACTIONS)


# --- a foreign page: refused, nothing changed -------------------------------------------


# One course tree per target and every route tried on it in turn (building the trees is
# what takes time); each route's problem is reported, not only the first.


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_trainer_is_refused_every_page_action_outside_their_courses(
    client, trainer, courses, target
):
    mine, other = courses
    page = _target(other, target)
    destination = _destination(page, mine)
    client.force_login(trainer)
    before = tree_state()
    problems = []
    for route in PAGE_ROUTES:
        url = url_for(route, page, destination)
        response = client.get(url, follow=True)
        if route == WORKFLOW_NO_OP:
            answered = response.json()["step"] == "no_confirmation_needed"
            if not answered or page.title in response.content.decode():
                problems.append((route, "GET", response.content[:200]))
        elif not refused_or_not_allowed(response):
            problems.append((route, "GET", response.status_code, response.redirect_chain))
        response = client.post(url, post_data(route, page, destination), follow=True)
        if route != WORKFLOW_NO_OP and not refused_or_not_allowed(response):
            problems.append((route, "POST", response.status_code, response.redirect_chain))
        if tree_state() != before:
            problems.append((route, "changed the page tree"))
            before = tree_state()
    assert not problems


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_trainer_is_refused_every_bulk_action_outside_their_courses(
    client, trainer, courses, target
):
    mine, other = courses
    page = _target(other, target)
    client.force_login(trainer)
    before = tree_state()
    problems = []
    for action in BULK_ACTIONS:
        url = f"/admin/bulk/wagtailcore/page/{action}/?id={page.pk}&next=/admin/"
        confirm = client.get(url)
        if confirm.status_code == 200:
            # Wagtail lists the page among those the user has no permission for.
            no_access = [entry["item"].pk for entry in confirm.context["items_with_no_access"]]
            if no_access != [page.pk] or confirm.context["items"]:
                problems.append((action, "offered", no_access))
        elif not refused(confirm):
            problems.append((action, "GET", confirm.status_code))
        client.post(url, {"include_descendants": "on", "chooser": _destination(page, mine).pk})
        if tree_state() != before:
            problems.append((action, "changed the page tree"))
            before = tree_state()
    assert not problems


def test_trainer_cannot_copy_or_move_their_own_pages_into_a_foreign_course(
    client, trainer, courses
):
    mine, other = courses
    lesson = mine.lessons[1]
    # A slug the foreign module does not have, so that Wagtail gets to the permission.
    lesson.slug = "bai-rieng"
    lesson.save_revision().publish()
    client.force_login(trainer)
    before = tree_state()

    copy = url_for("copy", lesson, other.modules[0])
    client.post(copy, post_data("copy", lesson, other.modules[0]))
    move = url_for("move_confirm", lesson, other.modules[0])
    assert refused(client.get(move, follow=True)) and refused(client.post(move, follow=True))
    client.post(
        f"/admin/bulk/wagtailcore/page/move/?id={lesson.pk}&next=/admin/",
        {"chooser": other.modules[0].pk},
    )
    assert tree_state() == before


def test_explorer_leads_a_trainer_down_to_their_courses_only(client, trainer, courses):
    mine, other = courses
    second = build_course(title="Khóa thứ hai", slug="thu-hai", trainer=trainer)
    client.force_login(trainer)

    # Above their courses, the explorer starts where their courses meet: the program.
    response = client.get(f"/admin/pages/{mine.catalogue.pk}/")
    assert (response.status_code, response["Location"]) == (
        302,
        f"/admin/pages/{mine.program.pk}/",
    )
    html = client.get(f"/admin/pages/{mine.program.pk}/").content.decode()
    assert mine.course.title in html and second.course.title in html
    assert other.course.title not in html
    # A sibling course reached by its address shows nothing inside it and no action.
    html = client.get(f"/admin/pages/{other.course.pk}/").content.decode()
    assert other.modules[0].title not in html
    assert f"/admin/pages/{other.course.pk}/edit/" not in html
    assert f"/admin/pages/{other.course.pk}/add_subpage/" not in html
    search = client.get("/admin/pages/search/", {"q": "Bài"}).content.decode()
    assert f"/admin/pages/{other.lessons[0].pk}/edit/" not in search


# --- their own course: the same actions work --------------------------------------------


OWN_READS = [
    "edit",
    "view_draft",
    "add_subpage",
    "add",
    "delete",
    "unpublish",
    "copy",
    "move",
    "move_confirm",
    "set_privacy",
    "revisions_view",
    "revisions_revert",
    "revisions_compare",
    "history",
    "usage",
]


@pytest.mark.parametrize("route", OWN_READS)
def test_trainer_opens_every_screen_of_their_own_lessons(client, trainer, courses, route):
    mine, _ = courses
    lesson = mine.lessons[1] if route in ("add", "add_subpage") else mine.lessons[0]
    page = lesson.get_parent() if route in ("add", "add_subpage") else lesson
    client.force_login(trainer)
    response = client.get(url_for(route, page, _destination(page, mine)), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1:] != [(ADMIN_HOME, 302)]


def test_trainer_publishes_unpublishes_reorders_and_restricts_their_own_lesson(
    client, trainer, courses
):
    mine, _ = courses
    first, second = mine.lessons[0], mine.lessons[1]
    client.force_login(trainer)

    client.post(url_for("unpublish", first, None), {})
    first.refresh_from_db()
    assert not first.live
    client.post(f"/admin/bulk/wagtailcore/page/publish/?id={first.pk}&next=/admin/", {})
    first.refresh_from_db()
    assert first.live and first.title == "Bản nháp"

    client.post(url_for("set_page_position", first, None))
    assert list(mine.modules[0].get_children().values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    client.post(url_for("set_privacy", second, None), post_data("set_privacy", second, None))
    assert PageViewRestriction.objects.filter(page=second).exists()
    scheduled = mine.lessons[3]
    client.post(url_for("revisions_unschedule", scheduled, None))
    assert not Revision.page_revisions.filter(
        object_id=str(scheduled.pk), approved_go_live_at__isnull=False
    ).exists()


def test_trainer_copies_moves_and_deletes_inside_their_own_course(client, trainer, courses):
    mine, _ = courses
    lesson, first, second = mine.lessons[1], mine.modules[0], mine.modules[1]
    client.force_login(trainer)

    client.post(url_for("copy", lesson, second), post_data("copy", lesson, second))
    copy = LessonPage.objects.child_of(second).get(slug="ban-sao")
    assert copy.live
    client.post(url_for("move_confirm", copy, first))
    assert LessonPage.objects.child_of(first).filter(pk=copy.pk).exists()
    bulk = f"/admin/bulk/wagtailcore/page/{{}}/?id={copy.pk}&next=/admin/"
    client.post(bulk.format("move"), {"chooser": second.pk})
    assert LessonPage.objects.child_of(second).filter(pk=copy.pk).exists()
    client.post(bulk.format("unpublish"), {})
    assert not LessonPage.objects.get(pk=copy.pk).live
    client.post(bulk.format("delete"), {})
    assert not LessonPage.objects.filter(pk=copy.pk).exists()
    client.post(url_for("delete", lesson, None))
    assert not LessonPage.objects.filter(pk=lesson.pk).exists()


def test_roster_shows_only_the_trainers_learners(client, trainer, courses, make_learner):
    mine, other = courses
    enrolment_create(learner=make_learner("hv1"), course=mine.course)
    enrolment_create(learner=make_learner("hv2"), course=other.course)
    client.force_login(trainer)
    html = client.get(f"/admin/my-courses/{mine.course.pk}/").content.decode()
    assert "Học viên 1" in html and "Học viên 2" not in html
    assert client.get(f"/admin/my-courses/{other.course.pk}/").status_code == 404
    menu = client.get("/admin/my-courses/").content.decode()
    assert mine.course.title in menu and other.course.title not in menu


# --- the groups follow the courses -------------------------------------------------------


def test_the_trainers_group_holds_no_page_permission(courses):
    assert not GroupPagePermission.objects.filter(group__name=TRAINERS_GROUP).exists()


def test_each_course_has_its_own_group_holding_permissions_on_it_only(trainer, courses):
    mine, other = courses
    workspace = CourseWorkspace.objects.get(course=mine.course)
    granted = GroupPagePermission.objects.filter(group=workspace.group)
    assert set(granted.values_list("page_id", flat=True)) == {mine.course.pk}
    assert sorted(granted.values_list("permission__codename", flat=True)) == [
        "add_page",
        "change_page",
        "publish_page",
    ]
    assert list(workspace.group.user_set.all()) == [trainer]
    assert workspace.collection.name == mine.course.title


def test_membership_follows_the_courses_trainers_on_publish_and_delete(
    client, trainer, make_trainer, courses
):
    mine, _ = courses
    colleague = make_trainer("dong.nghiep")
    group = CourseWorkspace.objects.get(course=mine.course).group

    course = CoursePage.objects.get(pk=mine.course.pk)
    course.trainers.add(colleague)
    course.trainers.remove(trainer)
    revision = course.save_revision()
    assert set(group.user_set.all()) == {trainer}, "a draft changes nobody's access"
    revision.publish()
    assert set(group.user_set.all()) == {colleague}
    client.force_login(trainer)
    assert refused(client.get(f"/admin/pages/{mine.lessons[0].pk}/edit/"))

    colleague.taught_courses.clear()
    assert not group.user_set.exists()

    Page.objects.get(pk=mine.program.pk).specific.delete()
    assert not Group.objects.filter(pk=group.pk).exists()
    assert CourseWorkspace.objects.get(collection__name=mine.course.title).course is None


def test_a_trainer_may_not_hand_their_course_to_someone_else(client, trainer, courses):
    """Who teaches a course decides who may change it: only admins assign trainers."""
    mine, _ = courses
    client.force_login(trainer)
    form = client.get(f"/admin/pages/{mine.course.pk}/edit/").content.decode()
    assert 'name="trainers"' not in form
