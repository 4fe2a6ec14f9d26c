from django.urls import path

from . import views

urlpatterns = [
    path("api/media/<uuid:activity_id>/state", views.state, name="media-state"),
    path("podcast/course/<int:course_id>/", views.podcast_page, name="media-podcast"),
    path("podcast/<str:token>/feed.xml", views.podcast_feed, name="media-podcast-feed"),
    path("podcast/<str:token>/playlist.m3u", views.podcast_playlist, name="media-podcast-playlist"),
    path("podcast/<str:token>/<uuid:key>.m4a", views.podcast_audio, name="media-podcast-audio"),
]
