"""The customers and review-invitation flows end to end against both sandboxes."""

from __future__ import annotations

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from flows.models import Action, RecordLog, RunStatus
from tests.flows.conftest import Synced, assert_succeeded


def debtors_with_email(synced: Synced):
    return (
        asperion_db.Debtor.objects.filter(administration=synced.administration)
        .exclude(email_address__isnull=True)
        .exclude(email_address="")
    )


def test_customers_flow_creates_customers_with_split_addresses(synced):
    run = synced.run("customers")
    assert_succeeded(run)
    expected = {d.email_address.lower() for d in debtors_with_email(synced)}
    customers = feeddex_db.Customer.objects.filter(account=synced.account)
    assert expected <= {c.email.lower() for c in customers}
    debtor = debtors_with_email(synced).exclude(address="").first()
    customer = customers.get(email__iexact=debtor.email_address)
    billing = customer.billing_address
    assert debtor.address.startswith(billing["street"])
    assert billing["houseNumber"] in debtor.address
    assert billing["postalCode"] == debtor.post_code.strip().upper()
    assert customer.customer_code == debtor.customer_number


def test_a_changed_debtor_updates_its_customer(synced):
    synced.run("customers")
    debtor = debtors_with_email(synced).first()
    debtor.phone_number = "020-7654321"
    debtor.touch()
    debtor.save()
    run = synced.run("customers")
    assert run.updated == 1
    customer = feeddex_db.Customer.objects.get(
        account=synced.account, email__iexact=debtor.email_address
    )
    assert customer.phone == "020-7654321"


def test_a_debtor_without_email_is_skipped_with_the_reason(synced):
    debtor = debtors_with_email(synced).first()
    debtor.email_address = None
    debtor.touch()
    debtor.save()
    run = synced.run("customers")
    log = RecordLog.objects.get(run=run, source__customer_number=debtor.customer_number)
    assert log.action == Action.SKIPPED
    assert "no email address" in log.reason


def test_review_invitations_need_a_unit(synced):
    run = synced.run("review_invitations")
    assert run.status == RunStatus.FAILED
    assert "unit" in run.error
    flow = synced.flow("review_invitations")
    assert flow.needs_attention
    assert "unit" in flow.attention_reason


def paid_and_unpaid(synced: Synced) -> None:
    """At least one paid invoice of a debtor with an email address, and one unpaid: the seed
    plans a few invoices at random per company, which may be all one or the other."""
    invoices = asperion_db.SalesInvoice.objects.filter(administration=synced.administration)
    first, second = invoices.order_by("pk")[:2]
    first.status = asperion_db.InvoiceStatus.PAID
    first.save(update_fields=["status"])
    if not first.debtor.email_address:
        first.debtor.email_address = "betaald@example.nl"
        first.debtor.save(update_fields=["email_address"])
    second.status = asperion_db.InvoiceStatus.PAYABLE
    second.save(update_fields=["status"])


def test_paid_invoices_invite_their_customers_once(synced):
    paid_and_unpaid(synced)
    unit = feeddex_db.Unit.objects.filter(account=synced.account).first()
    synced.configure("review_invitations", unit_id=unit.pk, delay_days=5)
    run = synced.run("review_invitations")
    assert_succeeded(run)
    invitations = feeddex_db.Transaction.objects.filter(account=synced.account)
    assert run.created == invitations.count() > 0
    assert {t.delay_days for t in invitations} == {5}
    unpaid = RecordLog.objects.filter(run=run, reason="the invoice is not paid yet")
    assert unpaid.exists()
    flow = synced.flow("review_invitations")
    assert not flow.needs_attention
    again = synced.run("review_invitations")
    assert again.created == 0
    assert feeddex_db.Transaction.objects.filter(account=synced.account).count() == run.created
