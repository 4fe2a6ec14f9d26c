"""Periodic work the Celery beat hands to the workers."""

CELERY_BEAT_SCHEDULE = {
    "certificates-sweep": {"task": "courses.tasks.certificates_sweep_task", "schedule": 600.0},
    # Timed attempts whose learner went away are closed and graded within half a minute.
    "attempts-close-expired": {
        "task": "assessments.tasks.attempts_close_expired_task",
        "schedule": 30.0,
    },
    # Spoken-answer uploads nobody finished (a phone that never came back) and their files.
    "recordings-discard-stale": {
        "task": "assessments.tasks.recordings_discard_stale_task",
        "schedule": 3600.0,
    },
    # Live classes: sockets whose process died are closed (and their attendance
    # reported), and sessions past their end are ended for everyone.
    "live-sweep": {"task": "live.tasks.live_sweep_task", "schedule": 30.0},
    # Media uploads whose task was lost (a broker restarted, a database migrated from
    # documents) or whose run stopped reporting are handed to a worker again.
    "media-resume": {"task": "cms.tasks.media_assets_resume_task", "schedule": 300.0},
    # Exported course packs nobody downloaded within two days.
    "packs-discard-old": {
        "task": "content_packs.tasks.pack_exports_discard_old_task",
        "schedule": 3600.0,
    },
    # Report rollups: a safety net under the drain each change schedules (a broker that
    # was down when it changed).
    "rollups-drain": {"task": "reports.tasks.rollups_drain_task", "schedule": 60.0},
    # Report exports past their time are deleted; lost ones handed out again.
    "report-exports-sweep": {
        "task": "reports.tasks.report_exports_sweep_task",
        "schedule": 300.0,
    },
}
