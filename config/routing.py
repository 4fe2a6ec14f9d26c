"""WebSocket routes, as config/urls.py lists the HTTP ones: an app that serves
WebSockets adds its routes here, under /ws/ (where the shipped nginx sends upgrades)."""

from django.urls import URLPattern

from cms.media.routing import websocket_urlpatterns as media_routes
from live.routing import websocket_urlpatterns as live_routes

websocket_urlpatterns: list[URLPattern] = [*live_routes, *media_routes]
