from django.urls import path

from .consumers import MediaProgressConsumer

websocket_urlpatterns = [
    path("ws/admin/media/<int:asset_id>/", MediaProgressConsumer.as_asgi()),
]
