from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from tenants.models import Membership, PlanStatus, Role, Tenant, User


@pytest.fixture(autouse=True)
def _clean_throttle():
    cache.clear()
    yield
    cache.clear()


def signed_up(client, django_capture_on_commit_callbacks, **form):
    """Sign up and follow the confirmation link of the mail, as the address's holder does."""
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("signup"), form).status_code == 200
    link = next(word for word in mail.outbox[-1].body.split() if "/signup/confirm/" in word)
    return client.post("/" + link.split("://", 1)[1].split("/", 1)[1])


@pytest.fixture
def eager(settings):
    from apicenter.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_signup_creates_tenant_owner_and_logs_in(
    client, db, eager, django_capture_on_commit_callbacks
):
    response = signed_up(
        client,
        django_capture_on_commit_callbacks,
        company_name="Fietsen Jansen BV",
        email="Eva@Jansen.nl",
        password=PASSWORD,
    )
    assert response.status_code == 302
    user = User.objects.get(email="eva@jansen.nl")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER
    tenant = membership.tenant
    assert tenant.name == "Fietsen Jansen BV"
    assert tenant.slug == "fietsen-jansen-bv"
    assert tenant.plan_status == PlanStatus.TRIAL
    assert tenant.trial_ends_at - tenant.trial_started_at == timedelta(days=14)
    assert tenant.trial_days_left == 14
    home = client.get(reverse("dashboard:home"))
    assert home.status_code == 200
    assert "Fietsen Jansen BV" in home.content.decode()
    assert "14 days left" in home.content.decode()


def test_a_signup_in_danish_gets_a_danish_mail_and_a_danish_dashboard(
    client, db, eager, django_capture_on_commit_callbacks, settings
):
    from django.utils import translation

    from tenants.emails import signup_mail_send
    from tenants.models import SignupRequest

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "da"
    form = {"company_name": "Cykler ApS", "email": "mette@cykler.dk", "password": PASSWORD}
    assert client.post(reverse("signup"), form).status_code == 200
    pending = SignupRequest.objects.get(email="mette@cykler.dk")
    assert pending.language == "da"
    # A worker has no request and no language of its own: the mail takes the stored one.
    with translation.override("en"):
        signup_mail_send(signup_id=pending.pk)
    message = mail.outbox[-1]
    assert message.subject == "Din tilmelding til APIcenter"
    assert "Bekræft din adresse" in message.body
    # The dashboard follows her on any device, whatever the browser asks for.
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    link = next(word for word in message.body.split() if "/signup/confirm/" in word)
    client.post("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert User.objects.get(email="mette@cykler.dk").language == "da"
    wizard = client.get(reverse("dashboard:wizard"), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="da"' in wizard.content.decode()[:200]


def test_signup_rejects_weak_password_and_duplicate_email(client, world):
    weak = client.post(
        reverse("signup"), {"company_name": "X", "email": "new@example.com", "password": "12345678"}
    )
    assert weak.status_code == 200
    assert "too common" in weak.content.decode()
    duplicate = client.post(
        reverse("signup"), {"company_name": "X", "email": "ALICE@example.com", "password": PASSWORD}
    )
    assert "exists already" not in duplicate.content.decode()  # only the mail says so
    assert Tenant.objects.count() == 2


def test_slugs_stay_unique(db, eager, django_capture_on_commit_callbacks):
    from django.test import Client

    for email in ("a@x.nl", "b@x.nl"):
        signed_up(
            Client(),
            django_capture_on_commit_callbacks,
            company_name="Same",
            email=email,
            password=PASSWORD,
        )
    assert sorted(Tenant.objects.values_list("slug", flat=True)) == ["same", "same-2"]


def test_login_and_logout(client, world):
    response = client.post(
        reverse("login"), {"username": "alice@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("dashboard:home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_login_is_throttled_after_repeated_failures(client, world, settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    for _ in range(3):
        bad = client.post(reverse("login"), {"username": "alice@example.com", "password": "nope"})
        assert "Too many" not in bad.content.decode()
    # Even the right password is refused now: the attacker cannot keep guessing.
    locked = client.post(reverse("login"), {"username": "alice@example.com", "password": PASSWORD})
    assert locked.status_code == 200
    assert "Too many failed sign-in attempts" in locked.content.decode()
    cache.clear()
    assert (
        client.post(
            reverse("login"), {"username": "alice@example.com", "password": PASSWORD}
        ).status_code
        == 302
    )


def test_the_password_reset_mail_speaks_the_users_language(world):
    from django.utils import translation

    from tenants.emails import password_reset_mail_send

    world.owner.language = "nl"
    world.owner.save(update_fields=["language"])
    with translation.override("en"):  # as in a worker, whatever it has active
        password_reset_mail_send(email="alice@example.com")
    assert "wachtwoord" in mail.outbox[-1].body.lower()


def test_password_reset_sends_a_working_link(
    client, world, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    link = next(word for word in mail.outbox[0].body.split() if "/reset/" in word)
    path = link.split("testserver", 1)[-1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    new_password = "a brand new secret 77"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    assert User.objects.get(email="alice@example.com").check_password(new_password)


def test_user_switches_between_tenants(world):
    from tenants.services import membership_add

    membership_add(tenant=world.other_tenant, user=world.owner, role=Role.ADMIN)
    client = world.client_for(world.owner)
    assert "Alice BV" in client.get(reverse("dashboard:home")).content.decode()
    client.post(reverse("switch_tenant"), {"tenant_id": world.other_tenant.pk})
    assert "<h1>Charlie BV</h1>" in client.get(reverse("dashboard:home")).content.decode()
    # A tenant the user does not belong to cannot be switched to.
    outsider = world.client_for(world.outsider)
    outsider.post(reverse("switch_tenant"), {"tenant_id": world.tenant.pk})
    assert "<h1>Charlie BV</h1>" in outsider.get(reverse("dashboard:home")).content.decode()


def test_trial_days_left_and_flows_may_run(world):
    tenant = world.tenant
    tenant.trial_ends_at = timezone.now() + timedelta(days=2, hours=3)
    assert tenant.trial_days_left == 3
    assert tenant.flows_may_run
    tenant.trial_ends_at = timezone.now() - timedelta(minutes=1)
    assert tenant.trial_days_left == 0
    assert not tenant.flows_may_run
    tenant.plan_status = PlanStatus.ACTIVE
    assert tenant.flows_may_run
