from django.urls import path
from wagtail import hooks

from .media import views as media_views


@hooks.register("register_admin_urls")
def register_media_admin_urls():
    return [
        path("media-assets/<int:pk>/source/", media_views.source, name="cms_media_source"),
    ]
