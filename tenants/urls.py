from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from tenants import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("signup/confirm/<str:token>/", views.signup_confirmed, name="signup_confirm"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch-tenant/", views.switch_tenant, name="switch_tenant"),
    path("password-reset/", views.QueuedPasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
