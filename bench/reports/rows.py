"""The generated rows, streamed into the product's tables with COPY: users and their
profiles, then every enrolment with its events, learner x lesson summaries, course
progress and, once completed, its certificate (bench.reports.population plays each
enrolment; this module only writes what it played)."""

import json
import random
from contextlib import ExitStack
from datetime import UTC, datetime

from bench.reports import copyload, playback
from bench.reports import population as pop


def copy_into(model, names: str) -> str:
    """The COPY statement for ``names`` (field names, space-separated) of ``model``."""
    return copyload.copy_sql(model, names.split())


def _when(x: float | None) -> datetime | None:
    return None if x is None else datetime.fromtimestamp(x, UTC)


def load_people(url: str, learners: list[pop.Learner], password: str) -> None:
    """Users and profiles, two COPY streams at once; every user has the same password
    hash (hashing 200,000 passwords would take hours and measure nothing)."""
    from django.contrib.auth import get_user_model

    from lms.models import EthnicGroup, LearnerProfile
    from lms.text import fold

    User = get_user_model()
    ethnic = dict(EthnicGroup.objects.values_list("code", "pk"))
    user_sql = copy_into(
        User,
        "id password last_login is_superuser username first_name last_name email "
        "is_staff is_active date_joined",
    )
    profile_sql = copy_into(
        LearnerProfile,
        "id user full_name category occupation sex birth_year phone unit ethnic_group "
        "ethnic_consent ethnic_consent_at must_change_password search_key created_at",
    )
    folded: dict[str, str] = {}
    with copyload.loading_connection(url) as users, copyload.loading_connection(url) as profiles:
        profile_id = copyload.next_id(profiles, LearnerProfile._meta.db_table)
        with users.cursor().copy(user_sql) as u, profiles.cursor().copy(profile_sql) as p:
            for n, x in enumerate(learners):
                joined = _when(x.joined_at)
                u.write_row(
                    (x.id, password, None, False, x.username, "", "", "", False, True, joined)
                )
                key = folded.get(x.full_name)
                if key is None:
                    key = folded[x.full_name] = fold(x.full_name)
                p.write_row(
                    (
                        profile_id + n,
                        x.id,
                        x.full_name,
                        x.category,
                        "",
                        x.sex,
                        x.birth_year,
                        "",
                        x.unit_id,
                        ethnic.get(x.ethnic_code) if x.ethnic_code else None,
                        x.consent,
                        joined if x.consent else None,
                        False,
                        key,
                        joined,
                    )
                )
        users.commit()
        profiles.commit()


def load_progress(
    url: str, pairs: list[pop.Pair], now: float, rng: random.Random
) -> dict[str, int]:
    """Every enrolment's events, summaries, course progress and certificate, in five
    COPY streams at once (one connection each), written as each enrolment is played."""
    from courses.models import (
        ActivityProgress,
        Certificate,
        CourseProgress,
        Enrolment,
        ProgressEvent,
    )

    specs = {
        "enrolment": (Enrolment, "id learner course status source cohort enrolled_at withdrawn_at"),
        "course_progress": (
            CourseProgress,
            "id enrolment required_done required_total percent completed_at rule_met "
            "last_activity last_activity_at updated_at",
        ),
        "summary": (
            ActivityProgress,
            "id learner activity status score max_score passed seconds_spent opened_at "
            "credited_until resume_point resume_point_at first_seen_at last_seen_at completed_at",
        ),
        "event": (ProgressEvent, "id learner activity verb payload occurred_at received_at"),
        "certificate": (
            Certificate,
            "id enrolment code learner_name course_title completed_at course_minutes "
            "seconds_spent started_at issued_at pdf_path pdf_generated_at revoked_at",
        ),
    }
    counts = dict.fromkeys(specs, 0)
    counts["completed"] = counts["withdrawn"] = 0
    with ExitStack() as connections:
        conns = {k: connections.enter_context(copyload.loading_connection(url)) for k in specs}
        # Event ids are the clients' UUIDs; the other tables count on from their last id.
        ids = {
            k: copyload.next_id(conns[k], model._meta.db_table)
            for k, (model, _n) in specs.items()
            if k != "event"
        }
        with ExitStack() as streams:
            writers = {
                k: streams.enter_context(conns[k].cursor().copy(copy_into(*specs[k]))).write_row
                for k in specs
            }
            for pair in pairs:
                _write_pair(pair, playback.play(pair, rng, now), writers, ids, counts, now, rng)
        for conn in conns.values():
            conn.commit()
    return counts


_PAYLOADS: dict[int, str] = {}
_CODES: set[str] = set()


def _payload(claimed: int | None) -> str:
    if claimed is None:
        return "{}"
    text = _PAYLOADS.get(claimed)
    if text is None:
        text = _PAYLOADS[claimed] = json.dumps({"seconds": claimed})
    return text


def _write_pair(
    pair: pop.Pair,
    played: playback.Played,
    writers: dict,
    ids: dict[str, int],
    counts: dict[str, int],
    now: float,
    rng: random.Random,
) -> None:
    """One enrolment's rows: its events, summaries, enrolment, progress, certificate."""
    from lms.text import READABLE_UPPER

    learner_id = pair.learner.id
    lessons = pair.course.lessons
    write_event = writers["event"]
    for at, received, index, verb, claimed in played.events:
        write_event(
            (
                uuid_hex(rng),
                learner_id,
                lessons[index].activity_id,
                verb,
                _payload(claimed),
                _when(at),
                _when(received),
            )
        )
    counts["event"] += len(played.events)
    seconds = 0
    first_seen = None
    for index, s in played.summaries.items():
        writers["summary"](
            (
                ids["summary"],
                learner_id,
                lessons[index].activity_id,
                s.status,
                None,
                None,
                None,
                s.seconds,
                _when(s.opened_at),
                _when(s.credited_until),
                None,
                None,
                _when(s.first_seen),
                _when(s.last_seen),
                _when(s.completed_at),
            )
        )
        ids["summary"] += 1
        seconds += s.seconds
        first_seen = s.first_seen if first_seen is None else min(first_seen, s.first_seen)
    counts["summary"] += len(played.summaries)
    last = played.last_event
    withdrawn_at = None
    if pair.withdrawn and played.completed_at is None:
        after = last[0] if last else pair.enrolled_at
        withdrawn_at = min(now, after + rng.uniform(1, 30) * pop.DAY)
        counts["withdrawn"] += 1
    writers["enrolment"](
        (
            pair.enrolment_id,
            learner_id,
            pair.course.id,
            "withdrawn" if withdrawn_at else "active",
            "self",
            None,
            _when(pair.enrolled_at),
            _when(withdrawn_at),
        )
    )
    counts["enrolment"] += 1
    total = pair.course.required_total
    updated = max((e[1] for e in played.events), default=pair.enrolled_at)
    writers["course_progress"](
        (
            ids["course_progress"],
            pair.enrolment_id,
            played.required_done,
            total,
            playback.percent(played.required_done, total),
            _when(played.completed_at),
            False,
            lessons[last[1]].activity_id if last else None,
            _when(last[0]) if last else None,
            _when(updated),
        )
    )
    ids["course_progress"] += 1
    counts["course_progress"] += 1
    completed = played.completed_at
    if completed is None:
        return
    counts["completed"] += 1
    writers["certificate"](
        (
            ids["certificate"],
            pair.enrolment_id,
            certificate_code(rng, READABLE_UPPER, _CODES),
            pair.learner.full_name,
            pair.course.title,
            _when(completed),
            sum(x.minutes for x in lessons if x.required),
            seconds,
            _when(min(first_seen or completed, completed)),
            _when(min(now, completed + rng.uniform(2, 120))),
            "",
            None,
            None,
        )
    )
    ids["certificate"] += 1
    counts["certificate"] += 1


def uuid_hex(rng: random.Random) -> str:
    """A version-4 UUID as 32 hex digits (PostgreSQL reads them without dashes)."""
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64)) | (0x4000 << 64)
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)
    return f"{value:032x}"


def certificate_code(rng: random.Random, alphabet: str, taken: set[str]) -> str:
    while True:
        raw = "".join(rng.choice(alphabet) for _ in range(10))
        code = f"LS-{raw[:5]}-{raw[5:]}"
        if code not in taken:
            taken.add(code)
            return code
