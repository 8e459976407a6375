from django.db import migrations

from fincloud.auditlog import triggers


def forwards(apps, schema_editor):
    triggers.install(schema_editor.connection)
    ChainHead = apps.get_model("auditlog", "ChainHead")
    ChainHead.objects.get_or_create(pk=1)


def backwards(apps, schema_editor):
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
