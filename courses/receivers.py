"""Subscribers to the progress pipeline's announcements (see courses.announcements)."""

from courses.models import CoursePage


def issue_certificate_on_completion(sender, *, enrolment_id: int, course_id: int, **kwargs):
    if CoursePage.objects.filter(pk=course_id, issues_certificate=True).exists():
        from courses.tasks import certificate_issue_task

        # A broker hiccup is logged by the announcement; the certificate sweep picks
        # such enrolments up later.
        certificate_issue_task.delay(enrolment_id)
