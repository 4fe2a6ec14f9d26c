"""The demo always has a live class to walk into, however often bin/run starts."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from live.models import LiveSession
from tests.factories import build_course

pytestmark = pytest.mark.django_db


def test_demo_sessions_are_added_once_and_open_to_join_now(trainer):
    build_course(trainer=trainer, slug="tieng-tay-giao-tiep-co-ban")
    call_command("seed_live_demo")
    call_command("seed_live_demo")
    sessions = list(LiveSession.objects.order_by("starts_at"))
    assert len(sessions) == 2
    assert sessions[0].window_problem(timezone.now()) == "", "today's class can be joined now"
    assert sessions[1].window_problem(timezone.now()) != ""
