from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.dashboard_view, name="reports-dashboard"),
]
