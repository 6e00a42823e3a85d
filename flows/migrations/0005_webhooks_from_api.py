# The shop's webhook endpoints and deliveries moved from the API app to flows (registration
# and intake start flow runs); their tables stay where they are, so only Django's state changes.

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('api', '0001_initial'),
        ('connectors', '0002_initial'),
        ('flows', '0004_run_lease_progress_statuses'),
        ('tenants', '0004_signup_requests_and_invitations'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token', models.CharField(max_length=64, unique=True)),
                        ('subscription_id', models.CharField(blank=True, max_length=64)),
                        ('registered_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('connection', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_endpoint', to='connectors.connection')),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
                    ],
                    options={'db_table': 'api_webhookendpoint'},
                ),
                migrations.CreateModel(
                    name='WebhookDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('accepted', 'Accepted (a run was queued)'), ('ignored', 'Ignored (the orders flow is off)'), ('rejected', 'Rejected (bad signature, timestamp or body)')], max_length=10)),
                        ('event_id', models.CharField(blank=True, max_length=100)),
                        ('event_type', models.CharField(blank=True, max_length=40)),
                        ('order_id', models.CharField(blank=True, max_length=40)),
                        ('reason', models.CharField(blank=True, max_length=300)),
                        ('body_excerpt', models.TextField(blank=True)),
                        ('remote_addr', models.GenericIPAddressField(blank=True, null=True)),
                        ('received_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('run', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='flows.flowrun')),
                        ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tenants.tenant')),
                        ('endpoint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='flows.webhookendpoint')),
                    ],
                    options={
                        'db_table': 'api_webhookdelivery',
                        'indexes': [models.Index(fields=['received_at'], name='api_webhook_receive_9cbc51_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'rejected'), _negated=True), fields=('endpoint', 'event_id'), name='one_verified_delivery_per_event')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
