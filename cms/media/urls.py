from django.urls import path

from . import views

urlpatterns = [
    path("m/<uuid:key>/sub/<str:language>.vtt", views.subtitle, name="media_subtitle"),
    path("m/<uuid:key>/<str:set_id>/<path:name>", views.rendition, name="media_rendition"),
]
