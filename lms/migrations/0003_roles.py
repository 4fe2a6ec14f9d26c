from django.db import migrations


def create_groups(apps, schema_editor):
    """The trainer and manager groups; demo data and admins add people to them."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    trainers, _ = Group.objects.get_or_create(name="Giảng viên")
    Group.objects.get_or_create(name="Quản lý")
    admin_access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    media = Permission.objects.filter(
        content_type__app_label__in=["wagtailimages", "wagtaildocs"],
        codename__in=["add_image", "change_image", "choose_image", "add_document",
                      "change_document", "choose_document"],
    )
    trainers.permissions.add(*admin_access, *media)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0002_reference_data"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0001_initial"),
        ("wagtaildocs", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
