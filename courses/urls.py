from django.urls import path

from . import api, views

urlpatterns = [
    path("api/progress/events", api.progress_events, name="progress-events"),
    path("courses/<int:course_id>/enrol/", views.enrol, name="course-enrol"),
    path("courses/<int:course_id>/unenrol/", views.unenrol, name="course-unenrol"),
    path("learn/complete/<uuid:activity_id>/", views.lesson_complete, name="lesson-complete"),
    path("my-learning/", views.my_learning_view, name="my-learning"),
    path("follow/", views.staff_progress, name="staff-progress"),
    path("follow/learners/<int:learner_id>/", views.staff_learner, name="staff-learner"),
    path("certificates/<str:code>.pdf", views.certificate_download, name="certificate-download"),
    path("verify/", views.certificate_lookup, name="certificate-lookup"),
    path("verify/<str:code>/", views.certificate_verify, name="certificate-verify"),
]
