# An integration's connections are named by the role they play, not by the vendor.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('flows', '0005_webhooks_from_api'),
    ]

    operations = [
        migrations.RenameField(model_name='integration', old_name='asperion', new_name='accounting'),
        migrations.RenameField(model_name='integration', old_name='feeddex', new_name='shop'),
    ]
