"""A course's recordings as a podcast (RSS 2.0 with enclosures) and as a plain playlist
(M3U) a commune's loudspeaker system can play: for phones that cannot stream, a podcast
app fetches the audio on Wi-Fi and plays it offline.

Each learner gets private addresses: the token is signed (by the site's secret) with
the learner and the course, and every fetch checks that the learner is still enrolled,
so a learner who withdraws stops getting the course's audio. Podcast apps fetch
without signing in: the token is the key, to the feed and to each recording.
"""

import uuid
from dataclasses import dataclass

from django.core import signing
from django.urls import reverse
from django.utils.feedgenerator import Enclosure, Rss201rev2Feed

from cms.models import MediaAsset
from courses.models import Activity, CoursePage, Enrolment

from .kind import MEDIA, asset_key_of

SALT = "media_lessons.podcast"


@dataclass(frozen=True)
class Episode:
    title: str
    asset: MediaAsset
    bytes: int


def podcast_token(*, learner_id: int, course_id: int) -> str:
    return signing.dumps([learner_id, course_id], salt=SALT)


def podcast_reader(token: str) -> tuple[int, CoursePage] | None:
    """(learner id, course) of a valid token whose learner is still enrolled."""
    try:
        learner_id, course_id = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    course = CoursePage.objects.live().filter(pk=course_id).first()
    enrolled = Enrolment.objects.filter(
        learner_id=learner_id, course_id=course_id, status=Enrolment.Status.ACTIVE
    ).exists()
    return (learner_id, course) if course is not None and enrolled else None


def episodes(course: CoursePage) -> list[Episode]:
    """The course's recordings that have an audio rendition, in course order."""
    items = Activity.objects.filter(course=course, kind=MEDIA, is_active=True).order_by("position")
    keys = [uuid.UUID(asset_key_of(item)) for item in items]
    assets = {a.key: a for a in MediaAsset.objects.filter(key__in=keys).exclude(rendition_set="")}
    found = []
    for item, key in zip(items, keys, strict=True):
        asset = assets.get(key)
        entry = asset.rendition("audio_download") if asset else None
        if asset is not None and entry:
            found.append(Episode(item.title, asset, int(entry.get("bytes", 0))))
    return found


def enclosure_url(site_url: str, token: str, asset: MediaAsset) -> str:
    return site_url + reverse("media-podcast-audio", args=[token, asset.key])


def podcast_rss(course: CoursePage, token: str, *, site_url: str) -> bytes:
    feed = Rss201rev2Feed(
        title=course.title,
        link=site_url + course.url,
        description=getattr(course, "summary", "") or course.title,
        language="vi",
        feed_url=site_url + reverse("media-podcast-feed", args=[token]),
    )
    for episode in episodes(course):
        asset = episode.asset
        feed.add_item(
            title=episode.title,
            link=site_url + course.url,
            description=asset.title,
            unique_id=f"urn:uuid:{asset.key}:{asset.rendition_set.rsplit('/', 1)[-1]}",
            unique_id_is_permalink=False,
            pubdate=asset.processed_at,
            enclosures=[
                Enclosure(enclosure_url(site_url, token, asset), str(episode.bytes), "audio/mp4")
            ],
        )
    return feed.writeString("utf-8").encode()


def podcast_m3u(course: CoursePage, token: str, *, site_url: str) -> bytes:
    lines = ["#EXTM3U", f"#PLAYLIST:{course.title}"]
    for episode in episodes(course):
        seconds = int(round(episode.asset.duration or 0)) or -1
        title = episode.title.replace("\n", " ")
        lines += [f"#EXTINF:{seconds},{title}", enclosure_url(site_url, token, episode.asset)]
    return ("\n".join(lines) + "\n").encode()
