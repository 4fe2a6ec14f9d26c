"""The shipped docker/nginx.conf, run by Debian's nginx in front of a test server.

The file is not copied: it is read and only what ties it to the container is rewritten
(file paths, the listening port, the upstream addresses), each rewrite checked to apply
exactly once so that a change to the shipped file cannot slip past the tests unseen.
"""

import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "docker" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render(work: Path, listen_port: int, upstream: str) -> str:
    """docker/nginx.conf with container paths and addresses swapped for local ones."""
    text = SHIPPED.read_text()
    user = pwd.getpwuid(os.geteuid()).pw_name
    temp_paths = "".join(
        f"    {kind}_temp_path {work / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    rewrites = [
        (r"^user nginx;$", f"user {user};"),
        (r"^error_log /var/log/nginx/error\.log notice;$", f"error_log {work}/error.log notice;"),
        (r"^pid /var/run/nginx\.pid;$", f"pid {work}/nginx.pid;"),
        (r"^worker_processes auto;$", "worker_processes 1;"),
        (
            r"^    access_log /var/log/nginx/access\.log main;$",
            f"    access_log {work}/access.log main;\n{temp_paths}",
        ),
        # Docker's DNS and its "resolve" upstreams (nginx >= 1.27.3) have no meaning here.
        (r"^    resolver 127\.0\.0\.11 .*;$", ""),
        (r"^        server web:8000 resolve;$", f"        server {upstream};"),
        (r"^        server ws:8001 resolve;$", f"        server {upstream};"),
        # No media server behind these tests: /janus/ answers 502.
        (r"^        server janus:8188 resolve;$", "        server 127.0.0.1:9;"),
        (
            r"^        listen 80 default_server;$",
            f"        listen 127.0.0.1:{listen_port} default_server;",
        ),
        (r"^        root /srv;$", f"        root {work}/srv;"),
        (
            r"^            alias /srv/media-assets/;$",
            f"            alias {work}/srv/media-assets/;",
        ),
    ]
    for pattern, replacement in rewrites:
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count == 1, f"docker/nginx.conf changed: {pattern!r} matched {count} times"
    return text


@contextmanager
def shipped_nginx(work: Path, upstream: str) -> Iterator[str]:
    """Runs the shipped configuration in front of ``upstream`` (host:port); yields its
    base URL. Stopped, and waited for, on exit."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "srv").mkdir(exist_ok=True)
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(render(work, port, upstream))
    command = [NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [*command, "-g", "daemon off;"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"nginx did not start: {process.stderr.read() if process.stderr else ''}"
                    ) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
