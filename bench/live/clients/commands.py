"""The client process's loop: one JSON command a line on stdin, one JSON answer a line
on stdout (the commands: bench.live.clients)."""

import asyncio
import json
import sys

from bench.live.clients.pool import Pool


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 2**20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    pool: Pool | None = None

    def answer(payload: dict) -> None:
        sys.stdout.write(json.dumps(payload, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    while True:
        line = await reader.readline()
        if not line:
            break
        command = json.loads(line)
        name = command["cmd"]
        try:
            if name == "setup":
                pool = Pool(command)
                answer({"ok": True, "learners": len(pool.learners)})
            elif name == "join":
                answer(
                    await pool.join(
                        command["concurrency"],
                        command["timeout"],
                        command["spread"],
                        command["register"],
                    )
                )
            elif name == "wait":
                answer(await pool.wait(command))
            elif name == "analyze":
                answer(pool.analyze(command["messages"], command["final_seq"]))
            elif name == "close":
                answer(await pool.close())
            elif name == "exit":
                answer({"ok": True})
                return
            else:
                answer({"error": f"unknown command {name}"})
        except Exception as error:  # noqa: BLE001 - reported to the bench, which stops
            answer({"error": f"{type(error).__name__}: {error}"})


def main() -> None:
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve())
    else:
        uvloop.run(serve())
