from django.urls import path

from . import export_views, views

urlpatterns = [
    path("reports/", views.dashboard_view, name="reports-dashboard"),
    path("reports/indicators/", views.indicators_view, name="reports-indicators"),
    path("reports/indicators/<slug:code>/", views.indicator_view, name="reports-indicator"),
    path("reports/exports/", export_views.export_list, name="reports-exports"),
    path("reports/exports/new/", export_views.export_request, name="reports-export-request"),
    path("reports/exports/<uuid:export_id>/", export_views.export_detail, name="reports-export"),
    path(
        "reports/exports/<uuid:export_id>/file",
        export_views.export_download,
        name="reports-export-download",
    ),
]
