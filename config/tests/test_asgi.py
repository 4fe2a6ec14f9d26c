"""The ASGI application's WebSocket side, which later apps extend through config.routing."""

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path


class Echo(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()
        user = self.scope["user"]
        await self.send(text_data="anonymous" if user.is_anonymous else user.get_username())


@pytest.mark.django_db
def test_websockets_are_routed_with_the_origin_checked_and_the_user_known():
    from config import routing
    from config.asgi import application

    route = path("ws/echo/", Echo.as_asgi())
    routing.websocket_urlpatterns.append(route)
    try:

        async def connect(origin: str) -> bool:
            # What channels.testing.WebsocketCommunicator does, without its daphne import.
            scope = {
                "type": "websocket",
                "path": "/ws/echo/",
                "query_string": b"",
                "headers": [(b"host", b"localhost"), (b"origin", origin.encode())],
                "subprotocols": [],
            }
            communicator = ApplicationCommunicator(application, scope)
            await communicator.send_input({"type": "websocket.connect"})
            answer = await communicator.receive_output(5)
            if answer["type"] == "websocket.accept":
                assert (await communicator.receive_output(5))["text"] == "anonymous"
            await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
            await communicator.wait(5)
            return answer["type"] == "websocket.accept"

        assert async_to_sync(connect)("http://localhost")
        # A page of another site cannot open a socket with the learner's cookies.
        assert not async_to_sync(connect)("http://evil.example")
    finally:
        routing.websocket_urlpatterns.remove(route)
