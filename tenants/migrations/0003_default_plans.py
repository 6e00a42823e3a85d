"""Three plans to start with; staff change them in the admin."""

from decimal import Decimal

from django.db import migrations

DEFAULT_PLANS = [
    # slug, name, price excl. VAT, integrations, records per month, log retention (days)
    ("starter", "Starter", Decimal("29.00"), 1, 5_000, 30),
    ("business", "Business", Decimal("79.00"), 3, 50_000, 90),
    ("enterprise", "Enterprise", Decimal("199.00"), 10, 500_000, 365),
]


def create_plans(apps, schema_editor):
    Plan = apps.get_model("tenants", "Plan")
    for position, (slug, name, price, integrations, records, days) in enumerate(DEFAULT_PLANS):
        Plan.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "price_excl_vat": price,
                "max_integrations": integrations,
                "records_per_month": records,
                "log_retention_days": days,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_plans_and_usage")]

    operations = [migrations.RunPython(create_plans, migrations.RunPython.noop)]
