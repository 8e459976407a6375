from django.db import migrations

ROLES = [
    "governance_officer",
    "risk",
    "legal",
    "security",
    "internal_auditor",
    "approver",
    "examiner",
    "sysadmin",
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
