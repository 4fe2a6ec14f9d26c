from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lms.http import json_error

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
