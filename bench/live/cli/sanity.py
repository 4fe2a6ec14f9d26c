"""Before any load: the room refuses who it must, a learner hears the host, the relay
echoes."""

from bench.live.host import Host
from bench.runner import BenchError


async def handshake_status(url: str, origin: str, cookie: str | None) -> int:
    """101 when the socket opens, else the status the server refused it with."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    headers = {"Cookie": cookie} if cookie else {}
    try:
        ws = await connect(url, origin=origin, additional_headers=headers, open_timeout=30)
    except InvalidStatus as error:
        return error.response.status_code
    await ws.close()
    return 101


async def sanity(seed: dict, ws_base: str, origin: str, deflate: bool) -> dict:
    """Before any load: the room refuses who it must, a learner hears the host's chat,
    and the relay echoes. Anything else stops the run: the figures would mean nothing."""
    name = seed["session_cookie"]
    room = f"{ws_base}/ws/live/{seed['session_id']}/"
    relay = f"{ws_base}/ws/bench-relay/"
    learner_cookie = f"{name}={seed['sanity_learner']['sessionid']}"
    checks = {
        "anonymous": await handshake_status(room, origin, None),
        "outsider": await handshake_status(room, origin, f"{name}={seed['outsider']['sessionid']}"),
        "other_origin": await handshake_status(room, "https://evil.example", learner_cookie),
    }
    for what, status in checks.items():
        if status == 101:
            raise BenchError(f"sanity: the room let in {what}")
    host = Host(room, origin, f"{name}={seed['host']['sessionid']}", deflate=deflate, room=True)
    learner = Host(room, origin, learner_cookie, deflate=deflate, room=True)
    echo = Host(relay, origin, learner_cookie, deflate=deflate, room=False)
    try:
        await host.open()
        me = host.state["room"]["participants"].get(str(seed["host"]["user_id"]), {})
        if me.get("role") != "host":
            raise BenchError(f"sanity: the trainer is not the host: {host.state['you']}")
        await learner.open()
        await host.act("sanity-chat", "chat.send", text="Kiểm tra trước khi đo")
        heard = await learner.wait_event(
            lambda f: (
                f["event"]["type"] == "chat.posted"
                and f["event"]["text"] == "Kiểm tra trước khi đo"
            ),
            15,
        )
        if heard is None:
            raise BenchError("sanity: the learner did not hear the host's chat line")
        checks["room_chat"] = "heard"
        await echo.open()
        await echo.ws.send('{"type":"event","seq":0,"event":{"type":"sanity"}}')
        if await echo.wait_event(lambda f: f["event"]["type"] == "sanity", 15) is None:
            raise BenchError("sanity: the relay did not echo")
        checks["relay"] = "echoed"
    finally:
        for client in (host, learner, echo):
            if client.ws is not None:
                await client.close()
    return checks
