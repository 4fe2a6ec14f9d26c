from django.urls import path

from . import views

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
]
