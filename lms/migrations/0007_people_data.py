from django.db import migrations

from lms.text import fold, vi_sort_key

ETHNIC_LIST = "QD-121-TCTK-1979"
# The list was shipped spelling it "HMông"; the rest of the product (course languages, the demo,
# the README) writes H'Mông, the usual spelling. Only the label changes: code 08 stays.
RENAMED = {"08": ("HMông", "H'Mông")}
# Wagtail creates these for a generic site; this product's roles are its own groups.
WAGTAIL_DEFAULT_GROUPS = ["Moderators", "Editors"]


def forwards(apps, schema_editor):
    AdministrativeUnit = apps.get_model("lms", "AdministrativeUnit")
    for unit in AdministrativeUnit.objects.all():
        unit.sort_key = vi_sort_key(unit.name)
        unit.save(update_fields=["sort_key"])
    LearnerProfile = apps.get_model("lms", "LearnerProfile")
    for profile in LearnerProfile.objects.all():
        profile.search_key = fold(profile.full_name)
        profile.save(update_fields=["search_key"])
    EthnicGroup = apps.get_model("lms", "EthnicGroup")
    for code, (old, new) in RENAMED.items():
        EthnicGroup.objects.filter(code_list=ETHNIC_LIST, code=code, name=old).update(name=new)
    # Only groups nobody was put in: an installation that uses them keeps them.
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=WAGTAIL_DEFAULT_GROUPS, user__isnull=True).delete()


def backwards(apps, schema_editor):
    EthnicGroup = apps.get_model("lms", "EthnicGroup")
    for code, (old, new) in RENAMED.items():
        EthnicGroup.objects.filter(code_list=ETHNIC_LIST, code=code, name=new).update(name=old)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0006_people_keys_and_first_password"),
        ("wagtailcore", "0002_initial_data"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0002_initial_data"),
        ("wagtaildocs", "0002_initial_data"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
