"""The Redis channel layer as the settings configure it: a socket that closes stops reading."""

import asyncio

from channels.layers import channel_layers, get_channel_layer


async def cancel_soon_after_receiving(delay: float) -> bool:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    receiving = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(delay)
    receiving.cancel()
    # A receive that ignored its cancellation goes on waiting 5 s at a time, for ever.
    done, _ = await asyncio.wait([receiving], timeout=3)
    return bool(done)


def test_a_closed_sockets_receive_ends_however_soon_it_is_cancelled():
    """Every consumer reads its channel; when its socket closes the read is cancelled,
    often while a command is still being sent. A read that went on (a send timeout
    wrapped in Python 3.11's wait_for swallows the cancellation) kept a dead consumer
    polling Redis, and hung the event loop's shutdown."""
    try:
        for attempt in range(60):
            channel_layers.backends.clear()  # a new client: the connect and the first sends
            delay = (0.001, 0.005, 0.02)[attempt % 3]
            assert asyncio.run(cancel_soon_after_receiving(delay)), f"attempt {attempt}"
    finally:
        channel_layers.backends.clear()
