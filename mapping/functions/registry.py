"""The registry of mapping functions: what a function is, `register`, the catalogue."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

_MISSING: Any = object()
F = TypeVar("F", bound=Callable[..., Any])


class FunctionError(ValueError):
    """Bad input for a mapping function; the message says what is wrong, in plain words."""


@dataclass(frozen=True)
class Example:
    args: tuple[Any, ...]
    result: Any


@dataclass(frozen=True)
class Function:
    name: str
    impl: Callable[..., Any]
    signature: str
    help: str
    category: str
    returns: str
    examples: tuple[Example, ...]
    min_args: int
    max_args: int | None  # None: takes any number of arguments
    params: tuple[str, ...] = ()
    # Checks of constant arguments, by parameter name, run when a mapping is validated, so
    # that a pattern that can never work is an error at its rule before any record is read.
    checks: dict[str, Callable[[Any], object]] = field(default_factory=dict)

    def call(self, args: list[Any]) -> Any:
        return self.impl(*args)

    def describe(self) -> dict[str, Any]:
        """Return what the mapping editor shows for this function."""
        return {
            "name": self.name,
            "signature": self.signature,
            "help": self.help,
            "category": self.category,
            "returns": self.returns,
            "examples": [{"args": list(e.args), "result": e.result} for e in self.examples],
        }


FUNCTIONS: dict[str, Function] = {}


def register(
    name: str,
    *,
    signature: str,
    help: str,  # noqa: A002 - the word the UI uses
    category: str,
    returns: str,
    examples: Iterable[tuple[tuple[Any, ...], Any]],
    checks: dict[str, Callable[[Any], object]] | None = None,
) -> Callable[[F], F]:
    def decorate(impl: F) -> F:
        low, high = _arity(impl)
        params = tuple(inspect.signature(impl).parameters)
        FUNCTIONS[name] = Function(
            name=name,
            impl=impl,
            signature=signature,
            help=help,
            category=category,
            returns=returns,
            examples=tuple(Example(a, r) for a, r in examples),
            min_args=low,
            max_args=high,
            params=params,
            checks=dict(checks or {}),
        )
        return impl

    return decorate


def _arity(impl: Callable[..., Any]) -> tuple[int, int | None]:
    params = inspect.signature(impl).parameters.values()
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    required = sum(1 for p in positional if p.default is p.empty)
    variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
    return required, None if variadic else len(positional)


def catalogue() -> list[dict[str, Any]]:
    """Return every function as the mapping editor lists it, grouped by category."""
    return [f.describe() for f in sorted(FUNCTIONS.values(), key=lambda f: (f.category, f.name))]
