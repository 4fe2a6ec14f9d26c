from django.urls import path

from . import recording_views, views

app_name = "assessments"

urlpatterns = [
    path("quiz/<int:quiz_id>/", views.quiz_page, name="quiz"),
    path("quiz/<int:quiz_id>/start/", views.quiz_start, name="start"),
    path("attempt/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path(
        "attempt/<uuid:attempt_id>/answer/<int:question_id>/",
        views.answer_save,
        name="answer",
    ),
    path("attempt/<uuid:attempt_id>/submit/", views.submit, name="submit"),
    path("attempt/<uuid:attempt_id>/result/", views.result, name="result"),
    path(
        "attempt/<uuid:attempt_id>/recording/<int:question_id>/",
        recording_views.begin,
        name="recording-begin",
    ),
    path("recording/<uuid:recording_id>/upload/", recording_views.upload, name="recording-upload"),
    path("recording/<uuid:recording_id>/finish/", recording_views.finish, name="recording-finish"),
    path("recording/<uuid:recording_id>/audio/", recording_views.audio, name="recording-audio"),
]
