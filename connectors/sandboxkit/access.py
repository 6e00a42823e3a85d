"""Who may open the sandbox admin pages, and whose sandbox accounts they see there.

Staff see and change every sandbox account. A signed-in member sees only the accounts of
their current company (the sandbox identity "use the sandboxes" made for it); owners and
admins may change them, viewers only look. No email address carries special rights: the
embedded demo company sees the demo accounts because it owns them, not because of its
owner's address. Someone else's account answers 404, like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]
M = TypeVar("M", bound=Model)
NO_COMPANY = "choose a company first: the sandbox pages show its sandbox accounts"
READ_ONLY = "a read-only member may not change the sandbox accounts"


@dataclass(frozen=True)
class SandboxViewer:
    """The sandbox accounts a signed-in user sees: every one (staff) or one company's."""

    tenant_id: int | None
    sees_all: bool
    may_change: bool

    def visible(self, rows: QuerySet[M], tenant_path: str = "tenant") -> QuerySet[M]:
        """Return the rows this viewer may see; `tenant_path` leads from a row to its
        company ("owner__tenant" for an Asperion administration)."""
        if self.sees_all:
            return rows
        return rows.filter(**{f"{tenant_path}_id": self.tenant_id})


def viewer_of(request: HttpRequest) -> SandboxViewer | None:
    """Return what the signed-in user sees, or None when they have no company to look at."""
    user: Any = request.user
    if user.is_staff or user.is_superuser:
        return SandboxViewer(tenant_id=None, sees_all=True, may_change=True)
    membership = getattr(request, "membership", None)
    if membership is None:
        return None
    return SandboxViewer(
        tenant_id=membership.tenant_id, sees_all=False, may_change=membership.can_write
    )


def sandbox_viewer(request: HttpRequest) -> SandboxViewer:
    viewer = viewer_of(request)
    if viewer is None:
        raise PermissionDenied(NO_COMPANY)
    return viewer


STAFF_ONLY = "only staff may open this sandbox's admin pages"


def sandbox_staff_required(view: View) -> View:
    """For a sandbox of the platform's own accounts (the payment provider's): staff only;
    anonymous users go to sign in, everyone else gets 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not getattr(user, "is_authenticated", False):
            return redirect_to_login(request.get_full_path())
        if not (user.is_staff or user.is_superuser):
            raise PermissionDenied(STAFF_ONLY)
        return view(request, *args, **kwargs)

    return guarded


def sandbox_admin_required(view: View) -> View:
    """Send anonymous users to sign in; answer 403 to users without a company, and to
    read-only members on every change."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_authenticated", False):
            return redirect_to_login(request.get_full_path())
        viewer = sandbox_viewer(request)
        if request.method not in ("GET", "HEAD") and not viewer.may_change:
            raise PermissionDenied(READ_ONLY)
        return view(request, *args, **kwargs)

    return guarded
