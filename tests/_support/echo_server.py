"""A chat-completions test double on 127.0.0.1 that echoes everything it receives.

Every reply quotes the request's URL, headers and body back: in the answer text of a 200, in
the error body of a 400 or 503. It stands in for a remote endpoint that leaks whatever it is
sent, so tests can check that no key or header value reaches the store, Prefect or the logs.
Which reply a request gets depends on the last user message: ``FAIL`` gives 400, ``BUSY``
gives 503 (retried), ``DENY`` or a server made with ``status=401`` gives 401, anything else 200.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class EchoServer:
    url: str = ""
    status: int | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)


def _status(server: EchoServer, body: Any) -> int:
    if server.status is not None:
        return server.status
    messages = body.get("messages") if isinstance(body, dict) else None
    text = json.dumps(messages[-1]) if isinstance(messages, list) and messages else ""
    for word, status in (("FAIL", 400), ("BUSY", 503), ("DENY", 401)):
        if word in text:
            return status
    return 200


def _handler(server: EchoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            first = ("authorization", "x-")  # the secrets up front, where a snippet shows them
            headers = sorted(
                self.headers.items(), key=lambda kv: not kv[0].lower().startswith(first)
            )
            echo = {"headers": dict(headers), "url": self.path, "body": body}
            server.seen.append(echo)
            status = _status(server, body)
            if status == 200:
                reply: Any = {
                    "id": "echo",
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": json.dumps(echo)},
                            "finish_reason": "stop",
                        }
                    ],
                }
            else:
                # the echo inside error.message too: a client that shows the server's own cause
                # (error.message) must still mask what the server repeats of the request
                reply = {
                    "error": {"message": f"echoing your request: {json.dumps(echo)}"},
                    "request": echo,
                }
            data = json.dumps(reply).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


@contextmanager
def echo_server(status: int | None = None) -> Iterator[EchoServer]:
    """Serve on a free loopback port until the block ends."""

    class Bound(ThreadingHTTPServer):
        daemon_threads = True
        block_on_close = False

    echo = EchoServer(status=status)
    httpd = Bound(("127.0.0.1", 0), _handler(echo))
    echo.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield echo
    finally:
        httpd.shutdown()
        httpd.server_close()
