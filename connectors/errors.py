"""The one error type of the connectors, and its data-is-at-fault subclass.

Classified in one place (connectors/http.py): what a caller needs to decide is whether to
retry later (transient), to stop the run and ask the tenant to fix the connection
(permanent), or to fail just this record and go on (RecordRejected).
"""

from __future__ import annotations


class ConnectorError(Exception):
    """A call to an external system failed; the message is redacted already.

    permanent: bad credentials, revoked consent, a configuration the tenant must fix; the
        flow pauses instead of retrying. False means transient: retry later.
    status: the HTTP status, when there was an answer.
    api_message: the API's own words (ProblemDetails title/detail, Feeddex message, OAuth
        error_description), redacted, for the record's log.
    field_errors: field name → the API's messages about it.
    retry_after: seconds the API asked us to wait (429/503), when it said so.
    attempts: how many HTTP attempts were made (a 409 after a retried create usually means
        the first attempt was applied and its answer lost).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        status: int | None = None,
        api_message: str | None = None,
        field_errors: dict[str, list[str]] | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status = status
        self.api_message = api_message
        self.field_errors = field_errors or {}
        self.retry_after = retry_after
        self.attempts = attempts

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class RecordRejected(ConnectorError):
    """The target refused the record itself (400/404/409/422, or a payload that does not
    fit the target's schema): never retried, fatal for this record only.

    `permanent` stays False: nothing is wrong with the connection, so the run goes on.
    """


class WebhookInvalid(Exception):
    """A webhook delivery that does not prove it comes from the system (a bad or stale
    signature), or whose body is not an event the system sends; the message says which."""


class WaitPastDeadline(Exception):
    """A wait (a retry's back-off, a rate-limit token) would end after the caller's deadline.

    Not a ConnectorError: nothing failed, and the record must not be logged as failed. The
    request was not sent again; the caller defers the work to its next time slice, which
    may start after `seconds`. `shared`: every call of the account must wait (a rate limit,
    a 429), not just this one (a retry's back-off after a 500 or 503).
    """

    def __init__(self, what: str, *, seconds: float, shared: bool = False) -> None:
        super().__init__(f"{what}: {seconds:.1f} s would pass the end of the time slice")
        self.what = what
        self.seconds = seconds
        self.shared = shared
