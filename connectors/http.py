"""The single HTTP choke point of the connectors.

Every call to an external system goes through `HttpClient.request`, which
- refuses URLs that reach private or loopback addresses, through the one guard of
  connectors/netguard.py (checked when each connection is opened, on the address actually
  dialled, so a DNS answer that changes between a check and the connect cannot slip
  through), unless settings.APICENTER_ALLOW_PRIVATE_URLS is on or the URL is this
  platform's own sandbox (settings.SITE_URL + /sandbox/...); a base URL that does not parse
  fails every request as a permanent error, never an exception of httpx;
- waits for a token of the account's shared rate limit (connectors/ratelimit.py);
- retries 429 (honouring Retry-After), 500/502/503/504, timeouts, connection errors and
  malformed JSON with exponential backoff and full jitter, within a budget of attempts and
  seconds; a request that may have been applied already (a POST that timed out or got a
  500) is retried only when the caller says a repeat is harmless;
- re-authenticates once on a 401 through the caller's callback, then gives up (permanent);
- never retries any other 4xx: 400/404/409/410/413/422 are the record's fault
  (RecordRejected with the API's own message and field errors), 403 and the rest are
  permanent (the tenant must fix the connection);
- reports every attempt through `on_call` as an ApiCall, with secrets redacted from the
  path, query and error text (headers and bodies are never reported).
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from connectors.errors import ConnectorError, RecordRejected, WaitPastDeadline
from connectors.netguard import GuardedTransport, PrivateAddressBlocked, url_problem
from connectors.ratelimit import Bucket
from connectors.redaction import redact_text

USER_AGENT = "APIcenter/0.1 (+https://github.com/apicenter; integration platform)"
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
# Statuses after which the server has not applied the request (safe to repeat any method).
NOT_APPLIED_STATUSES = frozenset({429, 503})
RECORD_STATUSES = frozenset({400, 404, 409, 410, 413, 422})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
SANDBOX_PATH = "/sandbox/"

Authenticator = Callable[[bool], dict[str, str]]
"""auth(force) -> headers: the current credentials, or fresh ones when force is True."""


# ---- the record of each call -------------------------------------------------------------


@dataclass
class ApiCall:
    """One HTTP attempt, for the run log and the API-usage figures (redacted)."""

    method: str
    path: str
    status: int | None
    duration_ms: int
    attempt: int
    error: str | None


@dataclass
class CallWatch:
    """What the caller of a client learns of its calls, and how long they may take.

    on_call: each attempt, once it is over (a run's call log; must not touch the database:
        it also hears the token calls that run inside a transaction).
    before_attempt: called before each attempt (a run's heartbeat, which may stop the call
        by raising: LeaseLost when the run was taken over, WaitPastDeadline when its slice
        is over).
    on_wait: what is waited for and for how long, before a wait ("retrying after a 503 –
        attempt 2", 1.4), so that a run can show it.
    deadline: a time.monotonic() moment (or None) that no wait may pass: the call raises
        WaitPastDeadline instead of waiting (a run's time slice).
    scope: what the calls belong to across processes (one run, whatever slice and worker):
        a connector keeps what it reads once for the scope (reference lists) in the shared
        cache under it; empty: only for its own life.
    """

    on_call: Callable[[ApiCall], None] | None = None
    before_attempt: Callable[[], None] | None = None
    on_wait: Callable[[str, float], None] | None = None
    deadline: Callable[[], float | None] | None = None
    scope: str = ""


@dataclass
class Reply:
    status: int
    data: Any
    headers: httpx.Headers
    attempts: int
    # The body as it came: answers are validated from it, once (connectors/parsing.py).
    content: bytes = b""

    @property
    def server_time(self) -> datetime | None:
        """Return the server's clock from the Date header, when it sent one."""
        raw = self.headers.get("date")
        if not raw:
            return None
        try:
            return parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None


# ---- retry policy ------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    max_seconds: float = 120.0
    base_delay: float = 0.5
    max_delay: float = 20.0
    # A Retry-After above this is not waited for here: the error goes to the caller.
    max_retry_after: float = 60.0

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        """Return the policy, with the CONNECTOR_RETRY_* settings when present (tests)."""
        return cls(
            max_attempts=int(getattr(settings, "CONNECTOR_RETRY_MAX_ATTEMPTS", cls.max_attempts)),
            max_seconds=float(getattr(settings, "CONNECTOR_RETRY_MAX_SECONDS", cls.max_seconds)),
            base_delay=float(getattr(settings, "CONNECTOR_RETRY_BASE_DELAY", cls.base_delay)),
            max_delay=float(getattr(settings, "CONNECTOR_RETRY_MAX_DELAY", cls.max_delay)),
        )

    def backoff(self, attempt: int) -> float:
        """Return the full-jitter delay before attempt `attempt + 1`."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not security


def timeout_for(config: dict[str, Any]) -> httpx.Timeout:
    """Return explicit timeouts; a connection may raise or lower the read timeout."""
    read = float(config.get("read_timeout_seconds") or 30.0)
    return httpx.Timeout(connect=5.0, read=read, write=30.0, pool=10.0)


# ---- private address guard ---------------------------------------------------------------


def is_sandbox_url(url: str) -> bool:
    """Return True when the URL is under this platform's own /sandbox/ (settings.SITE_URL)."""
    site = urlsplit(getattr(settings, "SITE_URL", ""))
    target = urlsplit(url)
    if not site.hostname or ".." in target.path.split("/"):
        return False
    return (target.scheme, target.hostname, target.port) == (
        site.scheme,
        site.hostname,
        site.port,
    ) and target.path.startswith(site.path.rstrip("/") + SANDBOX_PATH)


def private_urls_allowed(base_url: str) -> bool:
    return bool(getattr(settings, "APICENTER_ALLOW_PRIVATE_URLS", False)) or is_sandbox_url(
        base_url
    )


# ---- request hooks (tests validate every request against the contracts) -----------------

_request_hooks: list[Callable[[httpx.Request], None]] = []


@contextlib.contextmanager
def request_hook(hook: Callable[[httpx.Request], None]) -> Iterator[None]:
    """Call `hook` with every request any HttpClient sends while the block runs."""
    _request_hooks.append(hook)
    try:
        yield
    finally:
        _request_hooks.remove(hook)


def _run_request_hooks(request: httpx.Request) -> None:
    for hook in list(_request_hooks):
        hook(request)


# ---- reading an API's error --------------------------------------------------------------


def api_error_of(data: Any) -> tuple[str | None, dict[str, list[str]]]:
    """Return (message, field errors) from a ProblemDetails, Feeddex or OAuth error body."""
    if not isinstance(data, dict):
        return None, {}
    parts = [
        str(data[name])
        for name in ("title", "detail", "message", "error", "error_description")
        if isinstance(data.get(name), str) and data[name]
    ]
    fields: dict[str, list[str]] = {}
    if isinstance(data.get("errors"), dict):
        for name, messages in data["errors"].items():
            items = messages if isinstance(messages, list) else [messages]
            fields[str(name)] = [str(m) for m in items]
    return (": ".join(parts) or None), fields


def retry_after_of(headers: httpx.Headers) -> float | None:
    """Return Retry-After in seconds (delta-seconds or an HTTP date), or None."""
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _cause(error: ConnectorError) -> str:
    """What a retry follows, in a few words: "a 503", "a timeout"."""
    if error.status is not None:
        return f"a {error.status}"
    return "a timeout" if "timed out" in error.message else "a connection error"


# ---- the client --------------------------------------------------------------------------


@dataclass
class _Attempt:
    """What one attempt produced: a reply, or an error and whether to try again."""

    reply: Reply | None = None
    error: ConnectorError | None = None
    retry: bool = False
    reauth: bool = False


class HttpClient:
    """An httpx.Client for one base URL of one connection, with the rules above."""

    def __init__(
        self,
        *,
        system: str,
        base_url: str,
        secrets: Callable[[], Iterable[str]],
        on_call: Callable[[ApiCall], None] | None = None,
        bucket: Bucket | None = None,
        auth: Authenticator | None = None,
        timeout: httpx.Timeout | None = None,
        policy: RetryPolicy | None = None,
        headers: dict[str, str] | None = None,
        watch: CallWatch | None = None,
    ) -> None:
        self.system = system
        self.base_url = base_url.rstrip("/")
        self.secrets = secrets
        self.watch = watch or CallWatch()
        self.on_call = on_call or self.watch.on_call
        self.bucket = bucket
        self.auth = auth
        self.policy = policy or RetryPolicy.from_settings()
        # Kept, not raised: a connector is built before its check runs, which reports it.
        self.base_url_problem = url_problem(self.base_url)
        self.client = httpx.Client(
            base_url="" if self.base_url_problem else self.base_url,
            timeout=timeout or httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            transport=GuardedTransport(allow_private=lambda: private_urls_allowed(self.base_url)),
            follow_redirects=False,
            event_hooks={"request": [_run_request_hooks]},
        )

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        authenticated: bool = True,
        idempotent: bool | None = None,
        rate_limited: bool = True,
    ) -> Reply:
        """Send the request with retries; return the reply or raise ConnectorError."""
        if not path.startswith("/") or "://" in path:
            raise ValueError(f"path must be relative to the base URL: {path!r}")
        if self.base_url_problem:
            raise ConnectorError(
                f"{self.system}: the API address cannot be used ({self.base_url_problem})",
                permanent=True,
            )
        safe_to_repeat = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        deadline = time.monotonic() + self.policy.max_seconds
        reauthenticated = False
        attempt = 0
        while True:
            attempt += 1
            self._before_attempt()
            request = self._build(
                method,
                path=path,
                params=params,
                json_body=json_body,
                form=form,
                headers=headers,
                authenticated=authenticated,
            )
            if rate_limited and self.bucket is not None:
                self.bucket.acquire(before=self._rate_limit_wait)
            outcome = self._attempt(request, attempt, safe_to_repeat)
            if outcome.reply is not None:
                return outcome.reply
            assert outcome.error is not None
            outcome.error.attempts = attempt
            if outcome.reauth:
                if authenticated and self.auth is not None and not reauthenticated:
                    reauthenticated = True
                    self.auth(True)
                    continue
                # A refused login, or credentials refused again right after signing in.
                raise self._unauthorised(outcome.error) if reauthenticated else outcome.error
            if not outcome.retry:
                raise outcome.error
            self._wait_or_give_up(outcome.error, attempt, deadline)

    # -- one attempt ----------------------------------------------------------------------

    def _build(
        self,
        method: str,
        *,
        path: str,
        params: Any,
        json_body: Any,
        form: dict[str, str] | None,
        headers: dict[str, str] | None,
        authenticated: bool,
    ) -> httpx.Request:
        all_headers = dict(headers or {})
        if authenticated and self.auth is not None:
            all_headers.update(self.auth(False))
        return self.client.build_request(
            method, path, params=params, json=json_body, data=form, headers=all_headers
        )

    def _attempt(self, request: httpx.Request, attempt: int, safe_to_repeat: bool) -> _Attempt:
        started = time.monotonic()
        path = self._relative(request.url)
        try:
            response = self.client.send(request)
            response.read()
        except PrivateAddressBlocked as error:
            outcome = _Attempt(error=ConnectorError(str(error), permanent=True))
            self._report(
                request,
                path=path,
                status=None,
                started=started,
                attempt=attempt,
                error=outcome.error,
            )
            return outcome
        except httpx.TransportError as error:
            outcome = self._transport_failure(request, error, safe_to_repeat)
            self._report(
                request,
                path=path,
                status=None,
                started=started,
                attempt=attempt,
                error=outcome.error,
            )
            return outcome
        outcome = self._judge(request, response=response, attempt=attempt, safe=safe_to_repeat)
        self._report(
            request,
            path=path,
            status=response.status_code,
            started=started,
            attempt=attempt,
            error=outcome.error,
        )
        return outcome

    def _transport_failure(
        self, request: httpx.Request, error: httpx.TransportError, safe_to_repeat: bool
    ) -> _Attempt:
        # A connect error or pool timeout means the request never left: always safe to repeat.
        never_sent = isinstance(
            error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout
        )
        kind = "timed out" if isinstance(error, httpx.TimeoutException) else "failed"
        message = f"{self._what(request)} {kind}: {type(error).__name__}: {error}"
        if not (never_sent or safe_to_repeat):
            message += " (not repeated: the request may have been applied)"
        return _Attempt(
            error=ConnectorError(self._redact(message, request)),
            retry=never_sent or safe_to_repeat,
        )

    def _judge(
        self, request: httpx.Request, *, response: httpx.Response, attempt: int, safe: bool
    ) -> _Attempt:
        status = response.status_code
        if 200 <= status < 300:
            return self._success(request, response=response, attempt=attempt, safe=safe)
        error = self._http_error(request, response)
        if status == 401:
            return _Attempt(error=error, reauth=True)
        if status in TRANSIENT_STATUSES:
            return _Attempt(error=error, retry=safe or status in NOT_APPLIED_STATUSES)
        return _Attempt(error=error)

    def _success(
        self, request: httpx.Request, *, response: httpx.Response, attempt: int, safe: bool
    ) -> _Attempt:
        if not response.content.strip():
            return _Attempt(reply=Reply(response.status_code, None, response.headers, attempt))
        try:
            data = json.loads(response.content)
        except (ValueError, RecursionError):  # nested deeper than the decoder goes: malformed
            message = (
                f"{self._what(request)} answered {response.status_code} with malformed JSON "
                f"({len(response.content)} bytes)"
            )
            if not safe:
                message += "; not repeated: the request may have been applied"
            return _Attempt(
                error=ConnectorError(self._redact(message, request), status=response.status_code),
                retry=safe,
            )
        return _Attempt(
            reply=Reply(response.status_code, data, response.headers, attempt, response.content)
        )

    def _http_error(self, request: httpx.Request, response: httpx.Response) -> ConnectorError:
        status = response.status_code
        try:
            body = json.loads(response.content) if response.content else None
        except (ValueError, RecursionError):
            body = None
        api_message, field_errors = api_error_of(body)
        api_message = self._redact(api_message, request) if api_message else None
        field_errors = {
            self._redact(k, request): [self._redact(m, request) for m in v]
            for k, v in field_errors.items()
        }
        text = f"{self._what(request)} answered {status}"
        if api_message:
            text += f": {api_message}"
        kind: type[ConnectorError] = RecordRejected if status in RECORD_STATUSES else ConnectorError
        # 401/403: credentials or consent; other statuses outside the known sets (405, 415,
        # 501, a redirect): the URL or the client is wrong. Neither gets better by waiting.
        permanent = status not in TRANSIENT_STATUSES | RECORD_STATUSES
        return kind(
            self._redact(text, request),
            permanent=permanent,
            status=status,
            api_message=api_message,
            field_errors=field_errors,
            retry_after=retry_after_of(response.headers),
        )

    def _unauthorised(self, error: ConnectorError) -> ConnectorError:
        return ConnectorError(
            f"{error.message} (after signing in again): check the credentials of the connection",
            permanent=True,
            status=error.status,
            api_message=error.api_message,
        )

    # -- waiting ----------------------------------------------------------------------------

    def _deadline(self) -> float | None:
        return self.watch.deadline() if self.watch.deadline is not None else None

    def _before_attempt(self) -> None:
        if self.watch.before_attempt is not None:
            self.watch.before_attempt()

    def _may_wait(self, what: str, seconds: float, *, shared: bool = False) -> None:
        """Refuse a wait that would end after the deadline; else tell the watcher of it."""
        deadline = self._deadline()
        if deadline is not None and time.monotonic() + seconds > deadline:
            raise WaitPastDeadline(what, seconds=seconds, shared=shared)
        if self.watch.on_wait is not None:
            self.watch.on_wait(what, seconds)

    def _rate_limit_wait(self, seconds: float) -> None:
        self._may_wait(f"waiting for {self.system}'s rate limit", seconds, shared=True)

    def _wait_or_give_up(self, error: ConnectorError, attempt: int, deadline: float) -> None:
        delay = self.policy.backoff(attempt)
        if error.retry_after is not None:
            if error.retry_after > self.policy.max_retry_after:
                raise error
            # Honour Retry-After, with a little jitter so that workers do not return together.
            delay = error.retry_after + random.uniform(0, self.policy.base_delay)  # noqa: S311
            if self.bucket is not None and error.status == 429:
                self.bucket.pause(error.retry_after)
        if attempt >= self.policy.max_attempts or time.monotonic() + delay > deadline:
            raise self._gave_up(error, attempt)
        what = f"retrying after {_cause(error)} – attempt {attempt + 1}"
        self._may_wait(what, delay, shared=error.status == 429)
        time.sleep(delay)

    @staticmethod
    def _gave_up(error: ConnectorError, attempt: int) -> ConnectorError:
        return type(error)(
            f"{error.message} (gave up after {attempt} attempts)",
            permanent=error.permanent,
            status=error.status,
            api_message=error.api_message,
            field_errors=error.field_errors,
            retry_after=error.retry_after,
            attempts=attempt,
        )

    # -- reporting --------------------------------------------------------------------------

    def _what(self, request: httpx.Request) -> str:
        return f"{self.system} {request.method} {self._relative(request.url).split('?')[0]}"

    def _relative(self, url: httpx.URL) -> str:
        """Return path and query below the base URL ("/v1/articles?page=2")."""
        full = url.raw_path.decode("ascii", "replace")
        base_path = urlsplit(self.base_url).path.rstrip("/")
        return full[len(base_path) :] if base_path and full.startswith(base_path) else full

    def _redact(self, text: str, request: httpx.Request) -> str:
        secrets = list(self.secrets())
        authorization = request.headers.get("authorization", "")
        if " " in authorization:
            secrets.append(authorization.split(" ", 1)[1])
        return redact_text(text, secrets)

    def _report(
        self,
        request: httpx.Request,
        *,
        path: str,
        status: int | None,
        started: float,
        attempt: int,
        error: ConnectorError | None,
    ) -> None:
        if self.on_call is None:
            return
        self.on_call(
            ApiCall(
                method=request.method,
                path=self._redact(path, request),
                status=status,
                duration_ms=int((time.monotonic() - started) * 1000),
                attempt=attempt,
                error=error.message if error else None,
            )
        )
