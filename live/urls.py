from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("live/calendar/", views.calendar_page, name="calendar"),
    path("live/calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("live/<int:session_id>/", views.session_page, name="session"),
    path("live/<int:session_id>/slides/", views.slides_upload, name="slides-upload"),
    path(
        "live/<int:session_id>/slides/<int:deck_id>/<int:page>.jpg",
        views.slide_image,
        name="slide",
    ),
    path("live/<int:session_id>/media/", views.media_pass_view, name="media"),
    path("live/<int:session_id>/replay/", views.replay_publish_view, name="replay"),
    path("live/<int:session_id>/attendance.csv", views.attendance_csv, name="attendance-csv"),
]
