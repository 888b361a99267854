"""A real HTTP server on 127.0.0.1 that speaks chat-completions with scripted replies.

It is a test double for a remote LLM endpoint only: the code under test uses its real HTTP
client against it. ``tests/conftest.py`` exposes it as the ``server`` fixture.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeServer:
    url: str
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    check: Callable[[dict[str, Any]], Reply | None] | None = None
    """Looks at each request body first; a Reply it returns is sent instead of the script's."""
    around_reply: Callable[[], AbstractContextManager[object]] | None = None
    """Entered around each reply's delay, outside the lock (e.g. ``Overlap.enter``)."""

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)


def completion(
    content: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    usage: dict[str, int] | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = [
            {
                "id": f"call_{i}",
                "type": "function",
                "function": {"name": c["name"], "arguments": c["arguments"]},
            }
            for i, c in enumerate(tool_calls)
        ]
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
    }
    if usage is not None:
        body["usage"] = usage
    return body


def _handler(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            with server.lock:
                server.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(raw)}
                )
                body = json.loads(raw)
                rejected = server.check(body) if server.check is not None else None
                if rejected is not None:
                    reply = rejected
                else:
                    reply = server.replies.pop(0) if server.replies else Reply(500, {"error": "x"})
            with server.around_reply() if server.around_reply is not None else nullcontext():
                if reply.delay_s:
                    time.sleep(reply.delay_s)
            data = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def serve_chat() -> Iterator[FakeServer]:
    """Start the server on a free loopback port; stop it when the generator is closed."""

    class Bound(ThreadingHTTPServer):
        daemon_threads = True
        block_on_close = False

    fake = FakeServer(url="")
    httpd = Bound(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
