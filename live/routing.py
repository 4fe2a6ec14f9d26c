from django.urls import path

from .consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/live/<int:session_id>/", RoomConsumer.as_asgi()),
]
