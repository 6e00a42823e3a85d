"""The one way a password is checked: Django's model backend behind the login throttle.

Every login form calls `authenticate()` (the app's, the Django admin's, any later one), so
throttling here covers them all with one counter.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from tenants import throttle
from tenants.addresses import client_address


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        email = username or kwargs.get(get_user_model().USERNAME_FIELD) or ""
        ip = client_address(request) if request is not None else ""
        if not throttle.attempt_begin(str(email), ip):
            # Stops every backend: Django answers "wrong credentials" and signals the failure.
            raise PermissionDenied("too many sign-in attempts")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            throttle.attempt_succeeded(str(email), ip)
        return user
