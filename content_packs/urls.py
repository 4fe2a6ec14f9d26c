from django.urls import path, re_path

from . import views

urlpatterns = [
    path("api/packages/<uuid:activity_id>/launch", views.launch, name="package-launch"),
    path("api/packages/<uuid:activity_id>/xapi", views.xapi, name="package-xapi"),
    path("api/packages/<uuid:activity_id>/state", views.state, name="package-state"),
    path("api/packages/<uuid:activity_id>/scorm", views.scorm, name="package-scorm"),
    re_path(
        r"^content/(?P<token>[\w:\-]{10,400})/(?P<path>.*)$",
        views.content,
        name="package-content",
    ),
]
