"""Who may open a sandbox admin page: staff, or the embedded demo user.

The pages change the faults of a sandbox account, not any tenant's data, so the check is
deliberately simple; production normally runs without sandboxes (SANDBOX_ENABLED).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

DEFAULT_DEMO_EMAIL = "demo@example.com"

View = Callable[..., HttpResponse]


def may_manage_sandbox(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff or user.is_superuser:
        return True
    demo_email = getattr(settings, "SANDBOX_DEMO_EMAIL", DEFAULT_DEMO_EMAIL)
    return bool(demo_email) and str(getattr(user, "email", "")).lower() == demo_email.lower()


def sandbox_admin_required(view: View) -> View:
    """Send anonymous users to the login page; answer 403 to users who may not manage."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request.user, "is_authenticated", False):
            return redirect_to_login(request.get_full_path())
        if not may_manage_sandbox(request.user):
            raise PermissionDenied("only staff or the demo user may manage the sandbox")
        return view(request, *args, **kwargs)

    return guarded
