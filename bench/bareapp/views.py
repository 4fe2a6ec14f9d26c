"""The baseline: what the cheapest logged-in page costs on the same server.

It passes through the same middleware stack as the lesson page (the session, the
user loaded by the auth middleware, CSRF, messages, locale), runs one query of its
own and renders a Django template of about the lesson page's size. Whatever the lesson
page costs beyond this is the product's own work.
"""

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse

from courses.models import Enrolment


@login_required
def bare_view(request):
    enrolment = (
        Enrolment.objects.filter(learner=request.user).values("id", "course_id", "status").first()
    )
    response = TemplateResponse(request, "bench/bare.html", {"enrolment": enrolment})
    response["Cache-Control"] = "private, no-cache"
    return response
