# API tokens moved to tenants, the webhook endpoints and deliveries to flows: the tables
# stay (the new models name them), only Django's state of this app forgets the models.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_initial'),
        ('flows', '0005_webhooks_from_api'),
        ('tenants', '0005_api_token_from_api'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='WebhookDelivery'),
                migrations.DeleteModel(name='ApiToken'),
                migrations.DeleteModel(name='WebhookEndpoint'),
            ],
            database_operations=[],
        ),
    ]
