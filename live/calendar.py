"""Each person's live sessions as an iCalendar feed, behind a private address."""

from datetime import timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from .models import CalendarFeed, LiveSession
from .selectors import sessions_visible_to

FEED_PAST_DAYS = 60


def calendar_feed_for(user) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": CalendarFeed.new_token()}
    )
    return feed


def calendar_feed_renew(user) -> CalendarFeed:
    feed = calendar_feed_for(user)
    feed.token = CalendarFeed.new_token()
    feed.save(update_fields=["token"])
    return feed


def calendar_ics(user, *, site_url: str, domain: str) -> bytes:
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    sessions = (
        sessions_visible_to(user)
        .filter(ends_at__gte=since)
        .select_related("course")
        .order_by("starts_at")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Hoc truc tuyen Lang Son//Lop hoc truc tuyen//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Lớp học trực tuyến")
    for session in sessions:
        calendar.add_component(_event(session, site_url, domain))
    return calendar.to_ical()


def _event(session: LiveSession, site_url: str, domain: str) -> Event:
    event = Event()
    event.add("uid", f"live-session-{session.pk}@{domain}")
    event.add("dtstamp", session.updated_at)
    event.add("last-modified", session.updated_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ended_at or session.ends_at)
    event.add("summary", session.title)
    event.add("description", f"{session.course.title}\n{session.description}".strip())
    event.add("url", f"{site_url}/live/{session.pk}/")
    if session.ended_at and session.ended_at < session.starts_at:
        event.add("status", "CANCELLED")
    return event
