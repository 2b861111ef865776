"""A local fake SMS provider speaking the subset of Brevo's transactional SMS API that Parcours uses.

Run it with `manage.py fake_sms_provider --port 8025 --rate 20`, or in a thread from a test
(`FakeSmsServer(...).start()`). It:

- accepts `POST /v3/transactionalSMS/send` (and the older `/v3/transactionalSMS/sms`) with an `api-key` header,
  records every message received (even a second copy of the same tag: duplicates are what tests look for),
  and answers 201 {"messageId": n}; beyond its rate (a token bucket of `rate` per second, `rate` deep) it
  answers 429 with Retry-After and records nothing (`burst` makes the bucket shallower);
- answers `GET /v3/transactionalSMS/statistics/events?tags=<client ref>` with the "sent" events of that tag;
- can delay its answers (`delay`, after recording: the message is received but the sender has not heard back),
  fail with HTTP 500 (`fail_next`) or refuse numbers (`reject_numbers`);
- posts delivery reports to our webhook (`webhook_url`, signed with HMAC-SHA256 of the body under
  `webhook_secret`, header X-Parcours-Signature: sha256=<hex>), automatically (`auto_deliver`) or on demand;
- exposes its state for tests and benchmarks: `GET /_fake/messages`, `POST /_fake/config`, `POST /_fake/reset`,
  `POST /_fake/deliver` {"messageId", "event"}.
"""

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEND_PATHS = ("/v3/transactionalSMS/send", "/v3/transactionalSMS/sms")
EVENTS_PATH = "/v3/transactionalSMS/statistics/events"


@dataclass
class Received:
    message_id: int
    tag: str
    recipient: str
    content: str
    sender: str
    at: float


@dataclass
class FakeConfig:
    api_key: str = ""  # empty: any key is accepted (a key must still be sent)
    rate: float = 20.0  # messages per second; 0 = unlimited
    burst: float = 0.0  # depth of the token bucket (messages accepted at once); 0 = one second's worth
    delay: float = 0.0  # seconds before answering a send (after recording it)
    fail_next: int = 0  # the next N sends answer 500 without recording
    reject_numbers: list = field(default_factory=list)  # recipients answered 400
    webhook_url: str = ""
    webhook_secret: str = ""
    auto_deliver: bool = False  # post a "delivered" report after each message


class FakeState:
    def __init__(self, config: FakeConfig):
        self.config = config
        self.lock = threading.Lock()
        self.received: list[Received] = []
        self.rejected_429 = 0
        self.failed_500 = 0
        self._tokens = self.depth
        self._refilled = time.monotonic()
        self._next_id = 1000

    @property
    def depth(self) -> float:
        return max(self.config.burst or self.config.rate, 1.0)

    def take_token(self) -> float:
        """0 when a message may be accepted now; else the seconds to wait (for Retry-After)."""
        rate = self.config.rate
        if rate <= 0:
            return 0.0
        now = time.monotonic()
        self._tokens = min(self.depth, self._tokens + (now - self._refilled) * rate)
        self._refilled = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / rate

    def record(self, body: dict) -> Received:
        self._next_id += 1
        tags = body.get("tag") or ""
        tag = tags[0] if isinstance(tags, list) and tags else str(tags)
        message = Received(
            self._next_id,
            tag,
            str(body.get("recipient", "")),
            str(body.get("content", "")),
            str(body.get("sender", "")),
            time.time(),
        )
        self.received.append(message)
        return message

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "received": [asdict(m) for m in self.received],
                "rejected_429": self.rejected_429,
                "failed_500": self.failed_500,
            }


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_report(config: FakeConfig, message: Received, event: str = "delivered", reason: str = "") -> int:
    """POST one delivery report to the webhook, as the provider would; returns the HTTP status."""
    payload = {
        "id": message.message_id,
        "messageId": message.message_id,
        "to": message.recipient,
        "msg_status": event,
        "event": event,
        "tag": message.tag,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "reason": reason,
    }
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        config.webhook_url,
        data=body,
        method="POST",
        headers={"content-type": "application/json", "X-Parcours-Signature": sign(config.webhook_secret, body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local webhook URL)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeSms/1.0"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> FakeState:
        return self.server.state

    def log_message(self, format, *args):  # noqa: A002 (stdlib signature)
        pass

    def _json(self, status: int, payload: dict, headers: dict | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the sender died while we were answering (crash tests)
            self.close_connection = True

    def _body(self) -> dict:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            return {}

    def _authorised(self) -> bool:
        key = self.headers.get("api-key", "")
        expected = self.state.config.api_key
        return bool(key) and (not expected or hmac.compare_digest(key, expected))

    def do_POST(self):  # noqa: N802 (stdlib name)
        path = urllib.parse.urlsplit(self.path).path
        body = self._body()
        if path in SEND_PATHS:
            return self._send(body)
        if path == "/_fake/config":
            with self.state.lock:
                for key, value in body.items():
                    if hasattr(self.state.config, key):
                        setattr(self.state.config, key, value)
            return self._json(200, asdict(self.state.config))
        if path == "/_fake/reset":
            with self.state.lock:
                self.state.received.clear()
                self.state.rejected_429 = self.state.failed_500 = 0
            return self._json(200, {"ok": True})
        if path == "/_fake/deliver":
            with self.state.lock:
                found = [m for m in self.state.received if m.message_id == int(body.get("messageId", 0))]
            if not found:
                return self._json(404, {"code": "not_found", "message": "messageId inconnu"})
            status = post_report(self.state.config, found[0], body.get("event", "delivered"), body.get("reason", ""))
            return self._json(200, {"webhook_status": status})
        return self._json(404, {"code": "not_found", "message": "Chemin inconnu"})

    def _send(self, body: dict):
        state = self.state
        if not self._authorised():
            return self._json(401, {"code": "unauthorized", "message": "Key not found"})
        if not body.get("recipient") or not body.get("content") or not body.get("sender"):
            return self._json(400, {"code": "missing_parameter", "message": "sender, recipient and content required"})
        with state.lock:
            if state.config.fail_next > 0:
                state.config.fail_next -= 1
                state.failed_500 += 1
                failed = True
            else:
                failed = False
                wait = state.take_token()
                if wait > 0:
                    state.rejected_429 += 1
                else:
                    recipient = str(body["recipient"])
                    rejected = recipient in state.config.reject_numbers or not recipient.isdigit()
                    message = None if rejected else state.record(body)
            delay, config = state.config.delay, state.config
        if failed:
            return self._json(500, {"code": "internal_error", "message": "Simulated failure"})
        if wait > 0:
            return self._json(
                429, {"code": "too_many_requests", "message": "Rate limit exceeded"}, {"Retry-After": f"{wait:.3f}"}
            )
        if message is None:
            return self._json(400, {"code": "invalid_parameter", "message": "Invalid phone number"})
        if delay:
            time.sleep(delay)
        if config.auto_deliver and config.webhook_url:
            threading.Thread(target=post_report, args=(config, message), daemon=True).start()
        return self._json(201, {"messageId": message.message_id})

    def do_GET(self):  # noqa: N802 (stdlib name)
        parts = urllib.parse.urlsplit(self.path)
        if parts.path == "/_fake/messages":
            return self._json(200, self.state.snapshot())
        if parts.path == EVENTS_PATH:
            if not self._authorised():
                return self._json(401, {"code": "unauthorized", "message": "Key not found"})
            query = urllib.parse.parse_qs(parts.query)
            tags = set(",".join(query.get("tags", [])).split(",")) - {""}
            with self.state.lock:
                events = [
                    {
                        "phoneNumber": m.recipient,
                        "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(m.at)),
                        "messageId": m.message_id,
                        "event": "sent",
                        "tag": m.tag,
                    }
                    for m in self.state.received
                    if not tags or m.tag in tags
                ]
            limit = int((query.get("limit") or ["50"])[0])
            return self._json(200, {"events": events[:limit]})
        return self._json(404, {"code": "not_found", "message": "Chemin inconnu"})


class FakeSmsServer:
    """The fake provider in a background thread: `with FakeSmsServer(rate=100) as fake: fake.url …`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **config):
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = FakeState(FakeConfig(**config))
        self.thread = None

    @property
    def state(self) -> FakeState:
        return self.httpd.state

    @property
    def config(self) -> FakeConfig:
        return self.httpd.state.config

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def received(self) -> list[Received]:
        with self.state.lock:
            return list(self.state.received)

    def start(self) -> "FakeSmsServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-sms", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
