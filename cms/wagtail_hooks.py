from django.urls import path
from wagtail import hooks

from .media import admin_views as media_admin_views
from .media import views as media_views


@hooks.register("register_admin_urls")
def register_media_admin_urls():
    return [
        path("media-assets/<int:pk>/source/", media_views.source, name="cms_media_source"),
        path("media-uploads/", media_admin_views.begin, name="cms_media_upload_begin"),
        path("media-uploads/<str:upload_id>/", media_admin_views.piece, name="cms_media_upload"),
        path(
            "media-assets/<int:pk>/subtitles/",
            media_admin_views.subtitle_add,
            name="cms_media_subtitle_add",
        ),
        path(
            "media-assets/<int:pk>/subtitles/<int:subtitle_id>/delete/",
            media_admin_views.subtitle_delete,
            name="cms_media_subtitle_delete",
        ),
    ]
