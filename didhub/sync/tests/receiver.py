"""A platform on loopback for the sync tests: records every request it receives.

``behaviour(n, method, path, body) -> (status, headers, delay)`` decides the answer to
the n-th request (from 1); the default accepts everything at once. A behaviour may add a
fourth item, the answer's body (bytes), instead of the default ``{"message": ...}``.
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    at: float
    status: int
    # The sender's (host, port): tells which of several processes sent the request.
    client: tuple = ()

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    behaviour: object = None
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    started: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    count = len(receiver.requests) + 1
                    decide = receiver.behaviour or (lambda *a: (200, {}, 0))
                    answer_of = decide(count, self.command, self.path, body)
                    status, headers, delay = answer_of[:3]
                    answer = answer_of[3] if len(answer_of) > 3 else None
                    receiver.requests.append(
                        Received(
                            method=self.command,
                            path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                            at=time.time(),
                            status=status,
                            client=self.client_address,
                        )
                    )
                receiver.started.set()
                if delay:
                    time.sleep(delay)
                if answer is None:
                    answer = json.dumps({"message": f"status {status}"}).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if "Content-Type" not in headers:
                        self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_DELETE = do_PUT = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
