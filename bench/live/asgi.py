"""The product's ASGI application with the bench's relay socket in front of it.

``/ws/bench-relay/`` goes to bench.live.relay behind the same stack as the product's
sockets (origin check, then the session and user middleware); everything else,
HTTP and the product's own sockets, goes to ``config.asgi.application`` untouched.
So the product carries no benchmark route, and both sockets share one process and one
channel layer.
"""

# isort: off
from config.asgi import application as product_application  # sets Django up first

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator

from bench.live.relay import RelayConsumer

# isort: on

RELAY_PATH = "/ws/bench-relay/"

relay_application = AllowedHostsOriginValidator(AuthMiddlewareStack(RelayConsumer.as_asgi()))


async def application(scope, receive, send):
    if scope["type"] == "websocket" and scope["path"] == RELAY_PATH:
        return await relay_application(scope, receive, send)
    return await product_application(scope, receive, send)
