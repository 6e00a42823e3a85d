"""No enumeration, no membership without consent: the attacks of issue 19, point 7.

Signing up with an address that has an account, and asking a password reset for a known and
an unknown address, must answer alike (and mail through a task, so the answer does not wait
for the mail server). An owner who adds another company's user gets an invitation sent, not a
member: the user accepts it while signed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from apicenter.celery import app
from conftest import PASSWORD
from tenants.models import Membership, Role, Tenant, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks(settings: Any) -> Iterator[None]:
    """Queued tasks run at once in this process (their mail lands in the test outbox)."""
    before = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def normalised(html: str) -> str:
    """The page without what differs on every request or echoes the input."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    return re.sub(r"[\w.+-]+@example\.com", "EMAIL", html)


def signup(client: Client, email: str) -> Any:
    return client.post(
        "/accounts/signup/",
        {"company_name": "Nieuw BV", "email": email, "password": "a long enough secret 99"},
    )


def test_signup_answers_alike_for_a_known_and_an_unknown_address(
    world, django_capture_on_commit_callbacks
):
    users = User.objects.count()
    with django_capture_on_commit_callbacks():
        known = signup(Client(), world.owner.email)
        unknown = signup(Client(), "new.person@example.com")
    assert known.status_code == unknown.status_code == 200
    assert normalised(known.content.decode()) == normalised(unknown.content.decode())
    assert "exists" not in known.content.decode()
    assert User.objects.count() == users  # nobody is signed up before the address is confirmed
    assert mail.outbox == []  # the mail goes through a task, not the request


def confirmation_link(message: Any) -> str:
    return str(next(word for word in message.body.split() if "/accounts/signup/confirm/" in word))


def test_the_address_holder_confirms_the_signup(
    world, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(Client(), "new.person@example.com")
    (message,) = mail.outbox
    assert message.to == ["new.person@example.com"]
    path = confirmation_link(message).split("://", 1)[1].split("/", 1)[1]
    client = Client()
    assert client.get(f"/{path}").status_code == 200
    done = client.post(f"/{path}")
    assert done.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert user.check_password("a long enough secret 99")
    assert Tenant.objects.filter(memberships__user=user, name="Nieuw BV").exists()
    assert client.post(f"/{path}").status_code == 400  # a link confirms once


def test_a_signup_with_a_known_address_only_tells_its_holder(
    world, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(Client(), world.owner.email)
    (message,) = mail.outbox
    assert message.to == [world.owner.email]
    assert "already" in message.body
    assert "/accounts/signup/confirm/" not in message.body
    assert Membership.objects.filter(user=world.owner).count() == 1


def reset(client: Client, email: str) -> Any:
    return client.post("/accounts/password-reset/", {"email": email}, follow=True)


def test_password_reset_answers_alike_and_mails_through_a_task(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        known = reset(Client(), world.owner.email)
        unknown = reset(Client(), "nobody@example.com")
    assert normalised(known.content.decode()) == normalised(unknown.content.decode())
    assert mail.outbox == []  # nothing sent while the visitor waits
    assert len(queued) == 2  # one task each: which addresses exist is the task's business


def test_the_reset_task_mails_a_known_address_only(
    world, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reset(Client(), world.owner.email)
        reset(Client(), "nobody@example.com")
    assert [m.to for m in mail.outbox] == [[world.owner.email]]
    assert "/accounts/reset/" in mail.outbox[0].body


def invite(world, email: str, role: str = Role.OWNER) -> Any:
    owner = world.client_for(world.owner)
    return owner.post("/settings/members/invite/", {"email": email, "role": role})


def test_adding_another_companys_user_needs_their_consent(world):
    charlie = world.outsider
    answer = invite(world, charlie.email)
    assert answer.status_code == 302
    assert not Membership.objects.filter(user=charlie, tenant=world.tenant).exists()
    (message,) = mail.outbox
    assert message.to == [charlie.email]
    link = next(word for word in message.body.split() if "/invitations/" in word)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    # Someone else signed in cannot accept it.
    bob = world.client_for(world.viewer)
    assert bob.post(path).status_code == 404
    assert not Membership.objects.filter(user=world.viewer, role=Role.OWNER).exists()
    # Anonymous: sign in first.
    assert Client().get(path).status_code == 302

    client = world.client_for(charlie)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    membership = Membership.objects.get(user=charlie, tenant=world.tenant)
    assert membership.role == Role.OWNER
    assert client.post(path).status_code == 404  # accepted once


def test_a_declined_invitation_adds_nobody(world):
    invite(world, world.outsider.email)
    path = (
        "/"
        + next(w for w in mail.outbox[0].body.split() if "/invitations/" in w)
        .split("://", 1)[1]
        .split("/", 1)[1]
    )
    client = world.client_for(world.outsider)
    assert client.post(path, {"decision": "decline"}).status_code == 302
    assert not Membership.objects.filter(user=world.outsider, tenant=world.tenant).exists()
    assert client.post(path).status_code == 404


def test_a_new_address_is_invited_the_same_way(world):
    answer = invite(world, "newcomer@example.com", Role.VIEWER)
    assert answer.status_code == 302
    assert mail.outbox[0].to == ["newcomer@example.com"]
    assert "/invitations/" in mail.outbox[0].body
    assert not Membership.objects.filter(user__email="newcomer@example.com").exists()
    assert PASSWORD  # the fixtures' password is not the newcomer's
