"""Production settings with the channel layer's Redis client set here: ``--layer tuned``.

The product ships the same values now (config/settings/base.py); this module keeps them
apart so that other client settings can be compared. They answer redis-py 8, whose
clients time a read out after 5 s and whose asyncio pools refuse a 101st connection
(both were unlimited before). channels_redis waits for a socket's messages with a
BZPOPMIN of 5 s, so with those defaults the read of an idle process times out, and the
consumer that was reading dies with its socket; and a thousand sockets joining at once
need more than 100 connections for their group_add calls. Here the layer's client
waits 10 s (longer than BZPOPMIN, still short enough to notice a dead Redis) and may
open 1,000 connections. Only CHANNEL_LAYERS differs from config.settings.production.
"""

from config.settings.production import *  # noqa: F403
from config.settings.production import CHANNEL_LAYERS, REDIS_URL

CHANNEL_LAYERS = {
    "default": {
        **CHANNEL_LAYERS["default"],
        "CONFIG": {
            **CHANNEL_LAYERS["default"]["CONFIG"],
            "hosts": [
                {
                    "address": REDIS_URL,
                    "socket_timeout": 10,
                    "socket_connect_timeout": 5,
                    "max_connections": 1000,
                }
            ],
        },
    }
}
