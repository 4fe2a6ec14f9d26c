from django.urls import path

from . import views

urlpatterns = [
    path("api/media/<uuid:activity_id>/state", views.state, name="media-state"),
]
