from celery import shared_task

from courses.services.certificates import certificate_issue


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def certificate_issue_task(enrolment_id: int, regenerate: bool = False) -> str:
    return certificate_issue(enrolment_id=enrolment_id, regenerate=regenerate).code


@shared_task(acks_late=True)
def course_progress_recount_task(course_id: int) -> int:
    from courses.services.progress import course_progress_recount_course

    return course_progress_recount_course(course_id=course_id)


@shared_task
def certificates_sweep_task() -> int:
    """Re-enqueue certificates that a lost or failed task never produced."""
    from courses.services.certificates import certificates_missing

    missing = certificates_missing()
    for enrolment_id in missing:
        certificate_issue_task.delay(enrolment_id)
    return len(missing)
