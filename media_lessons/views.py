from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cms.media.views import serve_stored
from courses.models import CoursePage, Enrolment
from lms.http import json_error

from .podcast import episodes, podcast_m3u, podcast_reader, podcast_rss, podcast_token
from .selectors import media_state


@never_cache
@require_GET
def state(request, activity_id):
    """Where the learner left off in a media item (the player resumes there)."""
    if not request.user.is_authenticated:
        return json_error(401, "unauthenticated", "")
    found = media_state(learner=request.user, activity_id=activity_id)
    if found is None:
        return json_error(404, "not_found", "")
    return JsonResponse(found)


@login_required
def podcast_page(request, course_id: int):
    """The learner's private podcast and playlist addresses for one of their courses."""
    course = CoursePage.objects.live().filter(pk=course_id).first()
    if (
        course is None
        or not Enrolment.objects.filter(
            learner=request.user, course=course, status=Enrolment.Status.ACTIVE
        ).exists()
    ):
        raise Http404
    token = podcast_token(learner_id=request.user.pk, course_id=course.pk)
    return TemplateResponse(
        request,
        "media_lessons/podcast.html",
        {
            "course": course,
            "feed_url": request.build_absolute_uri(reverse("media-podcast-feed", args=[token])),
            "playlist_url": request.build_absolute_uri(
                reverse("media-podcast-playlist", args=[token])
            ),
            "episodes": episodes(course),
        },
    )


def _reader(token: str) -> CoursePage:
    found = podcast_reader(token)
    if found is None:
        raise Http404
    return found[1]


def _site(request) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_http_methods(["GET", "HEAD"])
def podcast_feed(request, token: str):
    """No sign-in: podcast apps fetch it on their own. The token is the key."""
    course = _reader(token)
    response = HttpResponse(
        podcast_rss(course, token, site_url=_site(request)),
        content_type="application/rss+xml; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_http_methods(["GET", "HEAD"])
def podcast_playlist(request, token: str):
    course = _reader(token)
    response = HttpResponse(
        podcast_m3u(course, token, site_url=_site(request)), content_type="audio/x-mpegurl"
    )
    response["Content-Disposition"] = 'inline; filename="khoa-hoc.m3u"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_http_methods(["GET", "HEAD"])
def podcast_audio(request, token: str, key):
    course = _reader(token)
    episode = next((e for e in episodes(course) if e.asset.key == key), None)
    if episode is None:
        raise Http404
    asset = episode.asset
    entry = asset.rendition("audio_download")
    return serve_stored(request, f"{asset.rendition_set}/{entry['path']}", "audio/mp4")
