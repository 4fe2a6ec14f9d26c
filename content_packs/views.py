"""The package player: the learner's page asks for a launch address (session), the
sandboxed frame loads the player and files through it (the address is the key, no
cookie), and results come back through the learner's page (session again)."""

import functools
import json
import mimetypes
import posixpath
import re
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cms.media.storage import media_storage
from cms.media.views import serve_stored
from courses.api import Refused, parse_json
from courses.models import ActivityProgress, Enrolment
from courses.services.progress import activity_opened
from lms.errors import ServiceError
from lms.http import error_response, json_error

from .models import Package
from .selectors import (
    Play,
    access_package_activity,
    package_state,
    play_from_token,
    play_token,
    scorm_attempt_current,
)
from .services.scorm import scorm_commit, scorm_next_attempt, scorm_resume
from .services.statements import MAX_STATE_CHARS, package_state_save, statement_record

MAX_BODY_BYTES = MAX_STATE_CHARS + 16 * 1024


def content_url(token: str, path: str = "") -> str:
    return f"{settings.CONTENT_ORIGIN}{reverse('package-content', args=[token, ''])}{path}"


def lms_origin(request) -> str:
    """The origin of the learner's page that frames the player: this request's own,
    unless package files have an origin of their own."""
    if settings.CONTENT_ORIGIN:
        base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        return f"{base.scheme}://{base.netloc}"
    return f"{request.scheme}://{request.get_host()}"


def _sandboxed(response: HttpResponse) -> HttpResponse:
    """Whatever frames or opens it, a package document runs with an opaque origin: no
    cookie, no storage, no reach into the LMS's pages; and it fetches nothing from
    elsewhere (its own files and the player's come from this host)."""
    response["Content-Security-Policy"] = (
        "sandbox allow-scripts allow-forms allow-modals allow-downloads; "
        "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'"
    )
    # Loaded from an opaque origin, whose requests carry Origin: null.
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _json_body(request) -> dict | JsonResponse:
    if not request.user.is_authenticated:
        return json_error(401, "unauthenticated", _("Hãy đăng nhập lại."))
    if request.content_type != "application/json":
        return json_error(415, "content_type", _("Nội dung phải là JSON (application/json)."))
    try:
        too_large = int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES
    except ValueError:
        too_large = True
    if too_large:
        return json_error(413, "too_large", _("Nội dung quá lớn."))
    try:
        raw = parse_json(request.body)
    except Refused as exc:
        return json_error(400, "malformed", str(exc))
    except (ValueError, UnicodeDecodeError):
        return json_error(400, "malformed", _("Nội dung không phải JSON hợp lệ."))
    if not isinstance(raw, dict):
        return json_error(400, "invalid", _("Cần một đối tượng JSON."))
    return raw


@never_cache
@require_GET
def launch(request, activity_id):
    """A fresh address of the package's player, bound to the signed-in learner."""
    found = access_package_activity(request.user, activity_id)
    if found is None:
        return json_error(404, "not_found", _("Không tìm thấy bài tập này."))
    activity, package = found
    token = play_token(learner_id=request.user.pk, activity_id=activity.pk)
    return JsonResponse({"url": content_url(token), "kind": package.kind})


def _package_api(view):
    """A package's report to the LMS: JSON from the signed-in learner of a package they
    may play; a refusal answers with its reason."""

    @require_POST
    @functools.wraps(view)
    def wrapped(request, activity_id):
        body = _json_body(request)
        if isinstance(body, JsonResponse):
            return body
        found = access_package_activity(request.user, activity_id)
        if found is None:
            return json_error(404, "not_found", _("Không tìm thấy bài tập này."))
        try:
            return view(request, body, *found)
        except ServiceError as error:
            return error_response(error)

    return wrapped


def _answer(body: dict) -> JsonResponse:
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@_package_api
def xapi(request, body: dict, activity, package):
    result = statement_record(
        learner=request.user, activity=activity, statement=body.get("statement")
    )
    answer = _progress_answer(result)
    if result is not None:
        event = result.events[0]
        answer["event"] = {"status": event.status} | (
            {"detail": event.detail} if event.code else {}
        )
    return _answer(answer)


@_package_api
def state(request, body: dict, activity, package):
    if len(json.dumps(body.get("state"))) > MAX_STATE_CHARS:
        return json_error(413, "too_large", _("Trạng thái quá lớn."))
    package_state_save(learner=request.user, activity=activity, state=body.get("state"))
    return _answer({"saved": True})


@_package_api
def scorm(request, body: dict, activity, package):
    if package.kind == Package.Kind.H5P:
        return json_error(404, "not_found", _("Không tìm thấy bài tập này."))
    attempt = body.get("attempt", 0)
    if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 0:
        return json_error(400, "invalid", _("Số lượt học không hợp lệ."))
    result = scorm_commit(
        learner=request.user,
        activity=activity,
        package=package,
        cmi=body.get("cmi"),
        attempt_number=attempt,
    )
    return _answer(_progress_answer(result))


def _progress_answer(result) -> dict:
    answer: dict = {"stored": True}
    if result is not None:
        answer["activities"] = [
            {
                "activity": str(a.activity_id),
                "completed": a.status == ActivityProgress.Status.COMPLETED,
            }
            | ({"waiting": a.waiting} if a.waiting else {})
            for a in result.activities
        ]
    return answer


def _record_open(play: Play) -> None:
    """The server's evidence that a learner had the package open; a trainer trying the
    package out leaves none (they have no progress in the course)."""
    enrolled = Enrolment.objects.filter(
        learner_id=play.learner_id,
        course_id=play.activity.course_id,
        status=Enrolment.Status.ACTIVE,
    ).exists()
    if enrolled:
        learner = get_user_model().objects.get(pk=play.learner_id)
        activity_opened(learner=learner, activity_id=play.activity.pk)


def _player(request, play: Play, token: str) -> HttpResponse:
    """The frame's document. Serving it is the server's evidence that this learner had
    the package open."""
    _record_open(play)
    package = play.package
    config = {
        "activity": str(play.activity.pk),
        "kind": package.kind,
        "base": content_url(token),
        "parentOrigin": lms_origin(request),
        "frameJs": request.build_absolute_uri(static("vendor/h5p/frame.bundle.js")),
        "frameCss": request.build_absolute_uri(static("vendor/h5p/styles/h5p.css")),
        "state": package_state(learner_id=play.learner_id, activity_id=play.activity.pk),
    }
    html = render_to_string(
        "content_packs/player.html",
        {
            "config": config,
            "title": package.title,
            "main_js": request.build_absolute_uri(static("vendor/h5p/main.bundle.js")),
            "player_js": request.build_absolute_uri(static("content_packs/h5p-frame.js")),
            "shim_js": request.build_absolute_uri(static("content_packs/storage-shim.js")),
        },
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "no-store"
    return response


HEAD_TAG = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
HTML_TAG = re.compile(rb"<html\b[^>]*>", re.IGNORECASE)
MAX_PAGE_BYTES = 8 * 1024 * 1024
JSON_IN_HTML = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _sco_page(request, play: Play, stored: str) -> HttpResponse:
    """A page of a SCORM package with the runtime put in front of its own scripts: the
    SCO finds its API on its own window (the first place the SCORM search looks), with
    the learner's attempt loaded, and commits go to the learner's page by postMessage."""
    with media_storage().open(stored, "rb") as handle:
        page = handle.read(MAX_PAGE_BYTES + 1)
    if len(page) > MAX_PAGE_BYTES:
        raise Http404
    package = play.package
    attempt = scorm_attempt_current(learner_id=play.learner_id, activity_id=play.activity.pk)
    number = scorm_next_attempt(kind=package.kind, attempt=attempt)
    if attempt is not None and attempt.number != number:
        attempt = None  # a new attempt starts from nothing
    learner = get_user_model().objects.get(pk=play.learner_id)
    config = {
        "attempt": number,
        "activity": str(play.activity.pk),
        "version": "1.2" if package.kind == Package.Kind.SCORM12 else "2004",
        "parentOrigin": lms_origin(request),
        "learner": {"id": str(learner.pk), "name": learner.get_full_name() or learner.username},
        "resume": scorm_resume(kind=package.kind, cmi=attempt.cmi if attempt else {}),
    }
    runtime = "scorm12.min.js" if package.kind == Package.Kind.SCORM12 else "scorm2004.min.js"
    scripts = "".join(
        f'<script src="{request.build_absolute_uri(static(name))}"></script>'
        for name in (
            "content_packs/storage-shim.js",
            f"vendor/scorm-again/{runtime}",
        )
    )
    data = json.dumps(config).translate(JSON_IN_HTML)
    injected = (
        f'{scripts}<script type="application/json" id="lms-scorm-config">{data}</script>'
        f'<script src="{request.build_absolute_uri(static("content_packs/scorm-frame.js"))}">'
        "</script>"
    ).encode("ascii")
    at = HEAD_TAG.search(page) or HTML_TAG.search(page)
    position = at.end() if at else 0
    _record_open(play)
    response = HttpResponse(page[:position] + injected + page[position:], content_type="text/html")
    response["Cache-Control"] = "no-store"
    return response


def _stored_name(package: Package, path: str) -> str | None:
    """The storage name behind a path of the player's tree, if the package has it."""
    if package.kind != Package.Kind.H5P:
        rest = path[len("sco/") :] if path.startswith("sco/") else None
        return f"{package.storage_prefix}/{rest}" if rest in set(package.files) else None
    if path == "h5p/h5p.json":
        return f"{package.storage_prefix}/h5p.json"
    if path.startswith("h5p/content/"):
        rest = path[len("h5p/") :]
        return f"{package.storage_prefix}/{rest}" if rest in set(package.files) else None
    if path.startswith("h5p/libraries/"):
        folder, _sep, rest = path[len("h5p/libraries/") :].partition("/")
        for library in package.libraries.all():
            if library.folder == folder:
                return f"{library.storage_prefix}/{rest}" if rest in set(library.files) else None
    return None


@xframe_options_exempt
@require_http_methods(["GET", "HEAD"])
def content(request, token: str, path: str):
    play = play_from_token(token)
    if play is None:
        raise Http404
    package = play.package
    if path == "" and package.kind == Package.Kind.H5P:
        response = _player(request, play, token)
    elif path == "":
        query = package.metadata.get("scorm", {}).get("launch_query", "")
        response = HttpResponseRedirect(content_url(token, f"sco/{quote(package.launch)}{query}"))
    else:
        clean = posixpath.normpath(path)
        if clean != path or clean.startswith(("/", "..")):
            raise Http404
        stored = _stored_name(play.package, clean)
        if stored is None:
            raise Http404
        content_type = mimetypes.guess_type(clean)[0] or "application/octet-stream"
        if content_type == "text/html" and package.kind != Package.Kind.H5P:
            response = _sco_page(request, play, stored)
        else:
            response = serve_stored(request, stored, content_type)
            response["Cache-Control"] = "private, max-age=3600"
    return _sandboxed(response)
