"""Members: invite by email (in the invitee's language), change roles, keep one owner."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from tenants.models import Membership, Role, User

pytestmark = pytest.mark.django_db


def invitation_path(message):
    link = next(word for word in message.body.split() if "/invitations/" in word)
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_a_new_person_chooses_a_password_on_the_invitation_and_joins(world, client):
    owner = world.client_for(world.owner)
    response = owner.post(
        reverse("dashboard:member_invite"), {"email": "Dirk@Example.com", "role": "admin"}
    )
    assert response.status_code == 302
    assert not User.objects.filter(email="dirk@example.com").exists()
    [message] = mail.outbox
    assert message.to == ["dirk@example.com"]
    assert "Alice BV" in message.subject
    assert "dirk@example.com" in owner.get(reverse("dashboard:members")).content.decode()
    path = invitation_path(message)
    assert client.get(path).status_code == 200
    password = "a brand new secret 77"
    joined = client.post(path, {"new_password1": password, "new_password2": password})
    assert joined.status_code == 302
    user = User.objects.get(email="dirk@example.com")
    assert user.check_password(password)
    assert Membership.objects.get(user=user, tenant=world.tenant).role == Role.ADMIN


def test_inviting_an_existing_user_in_their_language(world):
    world.outsider.language = "nl"
    world.outsider.save()
    world.client_for(world.owner).post(
        reverse("dashboard:member_invite"), {"email": "charlie@example.com", "role": "viewer"}
    )
    [message] = mail.outbox
    assert "/invitations/" in message.body
    assert "uitgenodigd" in message.subject
    assert world.outsider.memberships.count() == 1  # until they accept
    world.client_for(world.outsider).post(invitation_path(message))
    assert world.outsider.memberships.count() == 2


def test_bad_invitations_are_field_errors(world):
    response = world.client_for(world.owner).post(
        reverse("dashboard:member_invite"), {"email": "not-an-email", "role": "boss"}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email", "role"}
    assert not mail.outbox


def test_the_last_owner_cannot_leave_or_be_demoted(world):
    client = world.client_for(world.owner)
    mine = Membership.objects.get(user=world.owner, tenant=world.tenant)
    client.post(reverse("dashboard:member_role", args=[mine.pk]), {"role": "viewer"})
    client.post(reverse("dashboard:member_remove", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.role == Role.OWNER


def test_owner_changes_a_role_and_removes_a_member(world):
    client = world.client_for(world.owner)
    viewer = Membership.objects.get(user=world.viewer, tenant=world.tenant)
    client.post(reverse("dashboard:member_role", args=[viewer.pk]), {"role": "admin"})
    viewer.refresh_from_db()
    assert viewer.role == Role.ADMIN
    client.post(reverse("dashboard:member_remove", args=[viewer.pk]))
    assert not Membership.objects.filter(pk=viewer.pk).exists()


def test_viewer_and_outsider_cannot_manage_members(world):
    viewer = Membership.objects.get(user=world.viewer, tenant=world.tenant)
    as_viewer = world.client_for(world.viewer)
    assert as_viewer.get(reverse("dashboard:members")).status_code == 200
    assert (
        as_viewer.post(
            reverse("dashboard:member_invite"), {"email": "x@example.com", "role": "owner"}
        ).status_code
        == 403
    )
    assert (
        as_viewer.post(
            reverse("dashboard:member_role", args=[viewer.pk]), {"role": "owner"}
        ).status_code
        == 403
    )
    as_outsider = world.client_for(world.outsider)
    assert as_outsider.post(reverse("dashboard:member_remove", args=[viewer.pk])).status_code == 404
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER
