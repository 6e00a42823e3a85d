"""ASP.NET-style ProblemDetails answers, in the language `Accept-Language` asks for.

The real API answers errors in Dutch or English (`nl-NL`, `en-US`); the sandbox keeps its
messages as English constants with a Dutch table beside them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse

PROBLEM_JSON = "application/problem+json"

TYPES = {
    400: "https://tools.ietf.org/html/rfc7231#section-6.5.1",
    401: "https://tools.ietf.org/html/rfc7235#section-3.1",
    403: "https://tools.ietf.org/html/rfc7231#section-6.5.3",
    404: "https://tools.ietf.org/html/rfc7231#section-6.5.4",
    405: "https://tools.ietf.org/html/rfc7231#section-6.5.5",
    429: "https://tools.ietf.org/html/rfc6585#section-4",
    500: "https://tools.ietf.org/html/rfc7231#section-6.6.1",
    503: "https://tools.ietf.org/html/rfc7231#section-6.6.4",
}
TITLES = {
    400: "One or more validation errors occurred.",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "An error occurred while processing your request.",
    503: "Service Unavailable",
}

# Messages (English is the key; DUTCH holds the nl-NL text).
TOKEN_MISSING = "No access token: send Authorization: Bearer <access token>."
TOKEN_INVALID = "The access token is invalid."
TOKEN_EXPIRED = "The access token has expired."
TENANT_INVALID = "X-Tenant-Id must be a whole number."
TENANT_FORBIDDEN = "You have no access to administration {tenant}."
NO_ADMINISTRATION = "This user has no administration."
NOT_FOUND = "No {entity} with id {id} in this administration."
NO_ROUTE = "No such resource: {path}."
METHOD_NOT_ALLOWED = "The method {method} is not allowed on {path}."
BODY_NOT_JSON = "The request body is not valid JSON."
BODY_NOT_OBJECT = "The request body must be a JSON object."
REQUIRED = "The {field} field is required."
NOT_A = "The value is not a valid {kind}."
TOO_LONG = "The field {field} must be a string with a maximum length of {max}."
DUPLICATE_CODE = "An article with this code already exists."
DUPLICATE_CUSTOMER_NUMBER = "A debtor with this customer number already exists."
DUPLICATE_INVOICE_NUMBER = "An invoice with this number already exists."
UNKNOWN_REFERENCE = "There is no {entity} '{value}' in this administration."
UNKNOWN_ARTICLE = "There is no active article with code '{value}'."
BLOCKED_DEBTOR = "Debtor '{value}' is blocked."
OUT_OF_RANGE = "The value must lie between {low} and {high}."
MUST_BE_POSITIVE = "The value must be greater than 0."
BAD_PATTERN = "The value does not have the expected format ({example})."
BAD_EMAIL = "The value is not a valid e-mail address."
BAD_CHARACTER = "The value contains a character that is not allowed."
BAD_CHOICE = "The value must be one of: {choices}."
BAD_DATE_TIME = "The value is not a date-time like 2024-03-01T10:00:00."
BAD_DATE = "The value is not a date like 2024-03-01."
BAD_ORDER_BY = "Cannot order by '{value}'."

KINDS_NL = {
    "text": "tekst",
    "number": "getal",
    "whole number": "geheel getal",
    "boolean": "booleaanse waarde",
    "object": "object",
    "list": "lijst",
}

DUTCH = {
    TITLES[400]: "Er zijn een of meer validatiefouten opgetreden.",
    TITLES[401]: "Niet geautoriseerd",
    TITLES[403]: "Verboden",
    TITLES[404]: "Niet gevonden",
    TITLES[405]: "Methode niet toegestaan",
    TITLES[429]: "Te veel verzoeken",
    TITLES[500]: "Er is een fout opgetreden bij het verwerken van uw verzoek.",
    TITLES[503]: "Dienst tijdelijk niet beschikbaar",
    TOKEN_MISSING: "Geen toegangstoken: stuur Authorization: Bearer <toegangstoken>.",
    TOKEN_INVALID: "Het toegangstoken is ongeldig.",
    TOKEN_EXPIRED: "Het toegangstoken is verlopen.",
    TENANT_INVALID: "X-Tenant-Id moet een geheel getal zijn.",
    TENANT_FORBIDDEN: "U hebt geen toegang tot administratie {tenant}.",
    NO_ADMINISTRATION: "Deze gebruiker heeft geen administratie.",
    NOT_FOUND: "Geen {entity} met id {id} in deze administratie.",
    NO_ROUTE: "Deze resource bestaat niet: {path}.",
    METHOD_NOT_ALLOWED: "De methode {method} is niet toegestaan op {path}.",
    BODY_NOT_JSON: "De body van het verzoek is geen geldige JSON.",
    BODY_NOT_OBJECT: "De body van het verzoek moet een JSON-object zijn.",
    REQUIRED: "Het veld {field} is verplicht.",
    NOT_A: "De waarde is geen geldige {kind}.",
    TOO_LONG: "Het veld {field} mag maximaal {max} tekens bevatten.",
    DUPLICATE_CODE: "Er bestaat al een artikel met deze code.",
    DUPLICATE_CUSTOMER_NUMBER: "Er bestaat al een debiteur met dit klantnummer.",
    DUPLICATE_INVOICE_NUMBER: "Er bestaat al een factuur met dit nummer.",
    UNKNOWN_REFERENCE: "Er is geen {entity} '{value}' in deze administratie.",
    UNKNOWN_ARTICLE: "Er is geen actief artikel met code '{value}'.",
    BLOCKED_DEBTOR: "Debiteur '{value}' is geblokkeerd.",
    OUT_OF_RANGE: "De waarde moet tussen {low} en {high} liggen.",
    MUST_BE_POSITIVE: "De waarde moet groter dan 0 zijn.",
    BAD_PATTERN: "De waarde heeft niet het verwachte formaat ({example}).",
    BAD_EMAIL: "De waarde is geen geldig e-mailadres.",
    BAD_CHARACTER: "De waarde bevat een teken dat niet is toegestaan.",
    BAD_CHOICE: "De waarde moet een van deze zijn: {choices}.",
    BAD_DATE_TIME: "De waarde is geen datum-tijd zoals 2024-03-01T10:00:00.",
    BAD_DATE: "De waarde is geen datum zoals 2024-03-01.",
    BAD_ORDER_BY: "Kan niet sorteren op '{value}'.",
}


class Message:
    """A message template with its arguments, rendered late in the caller's language."""

    def __init__(self, template: str, **args: object) -> None:
        self.template = template
        self.args = args

    def render(self, language: str) -> str:
        template = DUTCH.get(self.template, self.template) if language == "nl" else self.template
        args = dict(self.args)
        if language == "nl" and isinstance(args.get("kind"), str):
            args["kind"] = KINDS_NL.get(str(args["kind"]), args["kind"])
        return template.format(**args)

    def __repr__(self) -> str:
        return self.render("en")


Text = str | Message
FieldErrors = dict[str, list[Message]]


class ApiProblem(Exception):
    """Raised anywhere below a view; the API dispatcher turns it into ProblemDetails."""

    def __init__(
        self,
        status: int,
        detail: Text | None = None,
        *,
        errors: FieldErrors | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = dict(headers or {})


def language_of(request: HttpRequest) -> str:
    """Return "nl" when Accept-Language prefers Dutch, else "en"."""
    header = request.headers.get("Accept-Language", "")
    first = header.split(",")[0].strip().lower()
    return "nl" if first.startswith("nl") else "en"


def render(text: Text, language: str) -> str:
    return text.render(language) if isinstance(text, Message) else text


def problem_body(
    status: int, *, detail: Text | None, errors: FieldErrors | None, language: str
) -> dict[str, Any]:
    title = TITLES.get(status, "Error")
    body: dict[str, Any] = {
        "type": TYPES.get(status, TYPES[500] if status >= 500 else TYPES[400]),
        "title": DUTCH.get(title, title) if language == "nl" else title,
        "status": status,
    }
    if detail is not None:
        body["detail"] = render(detail, language)
    if errors:
        body["errors"] = {
            field: [message.render(language) for message in messages]
            for field, messages in sorted(errors.items())
        }
    # The W3C trace-context shape ASP.NET puts in its ProblemDetails.
    body["traceId"] = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00"
    return body


def problem_response(
    status: int,
    *,
    detail: Text | None = None,
    errors: FieldErrors | None = None,
    language: str = "en",
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body = problem_body(status, detail=detail, errors=errors, language=language)
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_JSON
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_exception(problem: ApiProblem, language: str) -> HttpResponse:
    return problem_response(
        problem.status,
        detail=problem.detail,
        errors=problem.errors,
        language=language,
        headers=problem.headers,
    )
