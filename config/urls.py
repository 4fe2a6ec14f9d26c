"""The project's URLs: every app's routes, then the page tree."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import offline
from cms import views as cms_views
from courses import urls as courses_urls
from lms import urls as accounts_urls

urlpatterns = [
    # The service worker must be served from the root for its scope to be the site.
    path("sw.js", offline.service_worker, name="service-worker"),
    path("accounts/", include(accounts_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("cms.media.urls")),
    path("", include(courses_urls)),
    path("", include("assessments.urls")),
    path("", include("live.urls")),
    path("", include("media_lessons.urls")),
    path("", include("content_packs.urls")),
    path("", include("reports.urls")),
]

if getattr(settings, "SERVE_PUBLIC_MEDIA", False):
    from django.views.static import serve as serve_file

    # Image renditions only: lesson documents, audio and video are served by Wagtail's
    # document view after the course's access check.
    urlpatterns += [
        re_path(
            r"^media/images/(?P<path>.+)$",
            serve_file,
            {"document_root": settings.MEDIA_ROOT / "images"},
        )
    ]

urlpatterns += [
    # Page URLs take the cached fast path; Wagtail's own patterns stay behind it for its
    # utility views and anything the fast path hands back.
    re_path(r"^(?!_util/)((?:[\w\-]+/)*)$", cms_views.serve),
    path("", include(wagtail_urls)),
]
