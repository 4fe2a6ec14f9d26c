"""WebSocket routes, as config/urls.py lists the HTTP ones: an app that serves
WebSockets adds its routes here, under /ws/ (where the shipped nginx sends upgrades)."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
