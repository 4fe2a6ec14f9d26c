"""The baseline: a Channels consumer that only relays.

Every text frame it receives goes to one channel-layer group; every message of that
group goes to the socket as it came. No database, no JSON, no checks: what any
room costs at the least on this server, channel layer and client, for the same
frames at the same pace. Served by bench.live.asgi at /ws/bench-relay/, behind the
same origin check and session middleware as the product's sockets.
"""

from channels.generic.websocket import AsyncWebsocketConsumer

GROUP = "bench-relay"


class RelayConsumer(AsyncWebsocketConsumer):
    # AsyncWebsocketConsumer joins these groups before it accepts the socket.
    groups = [GROUP]

    async def receive(self, text_data=None, bytes_data=None):
        if text_data is not None:
            await self.channel_layer.group_send(GROUP, {"type": "relay.frame", "text": text_data})

    async def relay_frame(self, message):
        await self.send(text_data=message["text"])
