"""The simulated CircleCI Usage Export API over real HTTP on the loopback interface."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import socket
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulator.config import SimulatorConfig
from simulator.exports import ExportJob, ExportStore
from simulator.faults import Fault, Faults
from simulator.generator import Organization, UsageGenerator
from simulator.ratelimit import SlidingWindowLimiter, retry_after_header
from simulator.signing import UrlSigner
from simulator.stats import RequestRecord, SimulatorStats, StatsRecorder

API_PREFIX = "/api/v2"
_CREATE = re.compile(r"^/api/v2/organizations/(?P<org>[^/]+)/usage_export_job/?$")
_READ = re.compile(r"^/api/v2/organizations/(?P<org>[^/]+)/usage_export_job/(?P<job>[^/]+)$")
_OBJECT = re.compile(r"^/objects/(?P<job>[0-9a-f-]{36})/(?P<name>[A-Za-z0-9_.-]+)$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_BODY_FIELDS = ("start", "end", "shared_org_ids")

MSG_INVALID_TOKEN = "Invalid token provided."
MSG_OLD_TOKEN = (
    "New format tokens are needed to authenticate this API endpoint. "
    "Create a new API token for access."
)
MSG_QUERY_AUTH = (
    "Support for query parameter authentication has been deprecated to improve security. "
    "Please use a supported authentication method such as header-based, or basic "
    "authentication."
)
MSG_FORBIDDEN = "Permission denied."
MSG_ORG_NOT_FOUND = "Organization does not exist."
MSG_JOB_NOT_FOUND = "Usage export job does not exist."
MSG_RATE_LIMITED = "Rate limit exceeded."
MSG_BAD_BODY = "Unexpected request body provided."
# What CircleCI answers when a value cannot be bound to its type (a timestamp Go cannot parse,
# a shared organization id that is not a UUID): one generic 400 that names no field
# (CircleCI-Labs/terraform-provider-circleci, internal/circleci/usage_export.go).
MSG_MALFORMED = "malformed request body"
# CircleCI refuses a start older than 366 days with a 400 of its own (same source). The
# shape, status 400 and `{"message": ...}`, is the API's documented error shape; the exact
# text is not published, so this one only says what is wrong.
MSG_TOO_OLD = '"start" must be no more than {days} days ago.'
_STATUS_MESSAGES = {
    400: MSG_BAD_BODY,
    429: MSG_RATE_LIMITED,
    500: "Internal server error.",
    502: "Bad gateway.",
    503: "Service unavailable.",
    504: "Gateway timeout.",
}
_CHUNK = 256 * 1024


class BadRequest(Exception):
    """A request body the API refuses with 400."""


class Simulator:
    """The simulated Usage Export API, served from a background thread.

    Use it as a context manager::

        with Simulator(SimulatorConfig(processing_seconds=0)) as sim:
            sim.api_url  # "http://127.0.0.1:PORT/api/v2"

    Args:
        config: behaviour and limits; defaults follow the real API.
        generator: the usage to serve; default one built from the config.
    """

    def __init__(
        self, config: SimulatorConfig | None = None, generator: UsageGenerator | None = None
    ) -> None:
        self.config = config or SimulatorConfig()
        cfg = self.config
        end_date = cfg.end_date or (cfg.clock().astimezone(UTC).date() - timedelta(days=1))
        self.generator = generator or UsageGenerator(
            seed=cfg.seed, end_date=end_date, days=cfg.days, scale=cfg.scale
        )
        self.faults = Faults()
        self._signer = UrlSigner()
        self._recorder = StatsRecorder()
        self._posts = SlidingWindowLimiter(cfg.posts_per_hour, 3600.0)
        self._gets = SlidingWindowLimiter(cfg.gets_per_minute, 60.0)
        self._work_dir = Path(cfg.work_dir or tempfile.mkdtemp(prefix="circleci-sim-"))
        self._exports = ExportStore(cfg, self.generator, self._work_dir)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Simulator:
        """Bind the port and serve in a background thread.

        Returns:
            self, serving.
        """
        server = ThreadingHTTPServer((self.config.host, self.config.port), _Handler)
        server.daemon_threads = True
        server.simulator = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
            name="circleci-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and remove the export files."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._exports.close()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Return `http://127.0.0.1:PORT` (the server must be started)."""
        assert self._server is not None, "start the simulator first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        """Return the API base URL, `http://127.0.0.1:PORT/api/v2`."""
        return self.base_url + API_PREFIX

    @property
    def organizations(self) -> tuple[Organization, ...]:
        """Return the simulated organizations."""
        return self.generator.organizations

    @property
    def org_ids(self) -> list[str]:
        """Return the ids of the simulated organizations."""
        return [o.id for o in self.generator.organizations]

    @property
    def listed_org_ids(self) -> list[str]:
        """Return the served organizations and those configured to answer 404."""
        return self.org_ids + [o for o in self.config.not_found_org_ids if o not in self.org_ids]

    @property
    def admin_token(self) -> str:
        """Return the first admin token (a demo value)."""
        return self.config.admin_tokens[0]

    def stats(self) -> SimulatorStats:
        """Return a snapshot of what the simulator has seen."""
        return self._recorder.snapshot()

    def expire_all_urls(self) -> None:
        """Make every download URL issued so far answer 403 "Request has expired"."""
        self._signer.expire_all()

    def export_job(self, export_id: str) -> ExportJob | None:
        """Return an export job by id (for tests), or None."""
        for org in self.org_ids:
            job = self._exports.get(org, export_id)
            if job is not None:
                return job
        return None

    def now(self) -> datetime:
        """Return the simulator's current time (UTC)."""
        return self.config.clock().astimezone(UTC)

    def handle_api(self, handler: _Handler, method: str) -> None:
        """Answer a request under /api/v2."""
        split = urlsplit(handler.path)
        path = split.path
        create, read = _CREATE.match(path), _READ.match(path)
        match = create or read
        org_id = match.group("org") if match else None
        body = handler.read_body()
        if match is None:
            handler.send_json(404, {"message": "Not found."}, org_id, api=True)
            return
        allowed = "POST" if create else "GET"
        if method != allowed:
            handler.send_json(
                405,
                {"message": "Method not allowed."},
                org_id,
                api=True,
                headers={"Allow": allowed},
            )
            return
        fault = self.faults.take("post" if create else "get", org_id)
        if fault is not None:
            handler.apply_api_fault(fault, org_id)
            return
        refusal = self._authenticate(handler, split.query)
        if refusal is not None:
            handler.send_json(refusal[0], {"message": refusal[1]}, org_id, api=True)
            return
        assert org_id is not None
        if not _UUID.match(org_id):
            handler.send_json(400, {"message": MSG_MALFORMED}, org_id, api=True)
            return
        if org_id not in self.org_ids or org_id in self.config.not_found_org_ids:
            handler.send_json(404, {"message": MSG_ORG_NOT_FOUND}, org_id, api=True)
            return
        limiter = self._posts if create else self._gets
        wait = limiter.acquire(f"{org_id} {method}", self.now())
        if wait is not None:
            headers = {"Retry-After": retry_after_header(wait)} if self.config.retry_after else {}
            handler.send_json(429, {"message": MSG_RATE_LIMITED}, org_id, api=True, headers=headers)
            return
        if create:
            self._create_export(handler, org_id, body)
        else:
            assert read is not None
            self._read_export(handler, org_id, read.group("job"))

    def handle_download(self, handler: _Handler) -> None:
        """Answer a request for a pre-signed part URL."""
        split = urlsplit(handler.path)
        handler.read_body()
        if handler.headers.get("Circle-Token") or handler.headers.get("Authorization"):
            self._recorder.credential_leak(split.path)
        fault = self.faults.take("download", None)
        if fault is not None and fault.kind in ("status", "drop"):
            handler.apply_download_fault(fault)
            return
        match = _OBJECT.match(split.path)
        if match is None:
            handler.send_s3_error(404, "NoSuchKey", "The specified key does not exist.")
            return
        check = self._signer.check(split.path, parse_qs(split.query), self.now().timestamp())
        if check == "invalid":
            handler.send_s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
            return
        if check == "expired":
            handler.send_s3_error(403, "AccessDenied", "Request has expired")
            return
        file = self._exports.part_path(match.group("job"), match.group("name"))
        if file is None:
            handler.send_s3_error(404, "NoSuchKey", "The specified key does not exist.")
            return
        handler.send_file(file, fault.kind if fault is not None else None)

    def _authenticate(self, handler: _Handler, query: str) -> tuple[int, str] | None:
        if "circle-token" in {k.lower() for k in parse_qs(query, keep_blank_values=True)}:
            return 401, MSG_QUERY_AUTH
        token = handler.headers.get("Circle-Token")
        auth = handler.headers.get("Authorization", "")
        if not token and auth.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(auth[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            token = decoded.split(":", 1)[0]
        cfg = self.config
        if token and token in cfg.admin_tokens:
            return None
        if token and token in cfg.member_tokens:
            return 403, MSG_FORBIDDEN
        if token and token in cfg.legacy_tokens:
            return 401, MSG_OLD_TOKEN
        return 401, MSG_INVALID_TOKEN

    def _create_export(self, handler: _Handler, org_id: str, body: bytes) -> None:
        now = self.now()
        try:
            start, end, shared = self._parse_create_body(body, now)
        except BadRequest as exc:
            handler.send_json(400, {"message": str(exc)}, org_id, api=True)
            return
        org_ids = (org_id, *[o for o in dict.fromkeys(shared) if o in self.org_ids and o != org_id])
        reason = self.faults.take_export_failure(org_id, start, end)
        job = self._exports.create(org_id, start, end, org_ids, now, reason)
        self._recorder.export_created(org_id, job.id)
        handler.send_json(
            201,
            {
                "usage_export_job_id": job.id,
                "state": "created",
                "start": _rfc3339(start),
                "end": _rfc3339(end),
                "download_urls": None,
            },
            org_id,
            api=True,
        )

    def _parse_create_body(
        self, body: bytes, now: datetime
    ) -> tuple[datetime, datetime, list[str]]:
        try:
            data = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(MSG_BAD_BODY) from exc
        if not isinstance(data, dict):
            raise BadRequest(MSG_BAD_BODY)
        for key in data:
            if key not in _BODY_FIELDS:
                raise BadRequest(f'Unexpected field "{key}" in request body.')
        for key in ("start", "end"):
            if key not in data:
                raise BadRequest(f'Missing required field "{key}".')
        start = _parse_time(data["start"], "start")
        end = _parse_time(data["end"], "end")
        shared = data.get("shared_org_ids", [])
        if not isinstance(shared, list) or not all(
            isinstance(s, str) and _UUID.match(s) for s in shared
        ):
            raise BadRequest(MSG_MALFORMED)
        # CircleCI's order: end before start, start too old, either in the future, too wide.
        cfg = self.config
        if end < start:
            raise BadRequest('"end" must not be before "start".')
        if start < cfg.history_start(now):
            raise BadRequest(MSG_TOO_OLD.format(days=cfg.history_days))
        if start > now:
            raise BadRequest('"start" must not be in the future.')
        if end > now:
            raise BadRequest('"end" must not be in the future.')
        if end - start > cfg.max_window:
            days = cfg.max_window.total_seconds() / 86_400
            raise BadRequest(f'"end" must be no more than {days:g} days after "start".')
        return start, end, [s.lower() for s in shared]

    def _read_export(self, handler: _Handler, org_id: str, export_id: str) -> None:
        job = self._exports.get(org_id, export_id)
        if job is None:
            handler.send_json(404, {"message": MSG_JOB_NOT_FOUND}, org_id, api=True)
            return
        now = self.now()
        state = job.state(now, self.config)
        body: dict[str, Any] = {"usage_export_job_id": job.id, "state": state}
        urls: list[str] | None = None
        if state == "completed":
            expires = int(now.timestamp() + self.config.url_ttl_seconds)
            urls = [self._signed_url(job.id, p.path.name, expires) for p in job.parts()] or None
        body["download_urls"] = urls
        if state == "failed":
            body["error_reason"] = job.error_reason
        if state in ("completed", "failed"):
            self._recorder.export_finished(org_id, job.id)
        handler.send_json(200, body, org_id, api=True)

    def _signed_url(self, export_id: str, name: str, expires: int) -> str:
        path = f"/objects/{export_id}/{name}"
        return f"{self.base_url}{path}?{self._signer.query(path, expires)}"

    def record(self, record: RequestRecord, api: bool) -> None:
        """Count a finished request."""
        self._recorder.request(record, api)
        if self.config.log_requests:
            status = record.status if record.status is not None else "dropped"
            print(f"{record.method} {record.path} -> {status}", file=sys.stderr, flush=True)

    def record_download(self, sent: int, complete: bool) -> None:
        """Count the bytes of a part body sent."""
        self._recorder.download(sent, complete)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "circleci-usage-simulator"
    timeout = 60
    # Headers and body go out in separate writes; with Nagle's algorithm each response would
    # wait for the client's delayed ACK (about 40 ms), which real object stores do not do.
    disable_nagle_algorithm = True

    @property
    def sim(self) -> Simulator:
        sim: Simulator = self.server.simulator  # type: ignore[attr-defined]
        return sim

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        path = urlsplit(self.path).path
        if path.startswith(API_PREFIX + "/"):
            self.sim.handle_api(self, method)
        elif path.startswith("/objects/") and method == "GET":
            self.sim.handle_download(self)
        else:
            self.read_body()
            self.send_json(404, {"message": "Not found."}, None, api=False)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _record(self, status: int | None, org_id: str | None, api: bool) -> None:
        record = RequestRecord(
            self.sim.now(), self.command, urlsplit(self.path).path, status, org_id
        )
        self.sim.record(record, api)

    def send_json(
        self,
        status: int,
        body: dict[str, Any],
        org_id: str | None,
        *,
        api: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        # Recorded before the body goes out, so a client that has the answer sees the count.
        self._record(status, org_id, api)
        self.wfile.write(data)

    def send_s3_error(self, status: int, code: str, message: str) -> None:
        now = self.sim.now()
        extra = ""
        if message == "Request has expired":
            extra = f"<ServerTime>{now.strftime('%Y-%m-%dT%H:%M:%SZ')}</ServerTime>"
        data = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>{extra}"
            f"<RequestId>{abs(hash((now, self.path))) % 10**16:016X}</RequestId></Error>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self._record(status, None, api=False)
        self.wfile.write(data)

    def drop(self, org_id: str | None, api: bool) -> None:
        self.close_connection = True
        self._record(None, org_id, api)
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def apply_api_fault(self, fault: Fault, org_id: str | None) -> None:
        if fault.kind == "drop":
            self.drop(org_id, api=True)
            return
        headers = {}
        if fault.status == 429 and fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        message = _STATUS_MESSAGES.get(fault.status, "Internal server error.")
        self.send_json(fault.status, {"message": message}, org_id, api=True, headers=headers)

    def apply_download_fault(self, fault: Fault) -> None:
        if fault.kind == "drop":
            self.drop(None, api=False)
            return
        if fault.status == 429:
            self.send_s3_error(429, "SlowDown", "Please reduce your request rate.")
            return
        self.send_s3_error(fault.status, "InternalError", "We encountered an internal error.")

    def send_file(self, file: Path, truncate: str | None) -> None:
        size = file.stat().st_size
        if truncate == "cut_gzip":
            data = file.read_bytes()[: size // 2]
            self._send_part_headers(len(data), file)
            self.sim.record_download(len(data), complete=False)
            self._record(200, None, api=False)
            self.wfile.write(data)
            return
        self._send_part_headers(size, file)
        limit = size // 2 if truncate == "short_body" else size
        # Counted before the body goes out, so a client that has the part sees the count.
        self.sim.record_download(limit, complete=truncate is None)
        if truncate is None:
            self._record(200, None, api=False)
        sent = 0
        with file.open("rb") as handle:
            while sent < limit:
                chunk = handle.read(min(_CHUNK, limit - sent))
                if not chunk:
                    break
                self.wfile.write(chunk)
                sent += len(chunk)
        if truncate == "short_body":
            self.wfile.flush()
            self.drop(None, api=False)

    def _send_part_headers(self, length: int, file: Path) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "binary/octet-stream")
        self.send_header("Content-Length", str(length))
        modified = datetime.fromtimestamp(file.stat().st_mtime, UTC)
        self.send_header("Last-Modified", format_datetime(modified, usegmt=True))
        self.end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # requests are recorded (without query strings) by Simulator.record

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise BadRequest(
            f'"{name}" must be an RFC 3339 date-time with a time zone, e.g. 2024-01-31T00:00:00Z.'
        )
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError as exc:
        raise BadRequest(f'"{name}" is not a valid date-time.') from exc
    return parsed.astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z").replace(".000Z", "Z")
