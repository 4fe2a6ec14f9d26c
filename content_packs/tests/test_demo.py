from io import StringIO

import pytest
from django.core.management import call_command

from content_packs.kind import PACKAGE
from courses.models import Activity

pytestmark = pytest.mark.django_db


def test_the_demo_exercises_are_placed_once(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_packs_demo", stdout=out)
    assert "added: 2" in out.getvalue()
    call_command("seed_packs_demo", stdout=out)
    assert "added: 0" in out.getvalue()
    titles = set(
        Activity.objects.filter(kind=PACKAGE, is_active=True).values_list("title", flat=True)
    )
    assert titles == {"Bài tập: đúng hay sai", "Thẻ từ vựng (luyện tập)"}
