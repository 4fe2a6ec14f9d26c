from django.db import migrations


def load(apps, schema_editor):
    from lms.reference_data import load_admin_units, load_ethnic_groups

    load_ethnic_groups(apps.get_model("lms", "EthnicGroup"))
    load_admin_units(apps.get_model("lms", "AdministrativeUnit"), apps.get_model("lms", "UnitSuccession"))


class Migration(migrations.Migration):
    dependencies = [("lms", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
